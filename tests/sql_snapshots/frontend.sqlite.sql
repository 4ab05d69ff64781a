WITH page1 AS MATERIALIZED (SELECT organization.id, organization.name AS k0, organization.slug AS k1 
FROM organization 
WHERE organization.category = :p0 ORDER BY organization.name ASC, organization.slug ASC
 LIMIT :p1 OFFSET :p2)
SELECT json_quote((SELECT count(*) AS count_1 
FROM organization 
WHERE organization.category = :p5)) AS answer_1, (SELECT json_group_array(json_object('slug', t3.slug, 'name', t3.name, 'acronym', t3.acronym, 'regions', (SELECT json_group_array(v4.region) FROM (SELECT v4.region AS region FROM organization_region v4 WHERE v4.organization_id = t3.id ORDER BY v4.position) v4), 'description', t3.description, 'agreements', (SELECT json_group_array(json_object('kind', CASE WHEN t5.kind IS NULL OR t5.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t5.kind ELSE gql_invalid(t5.kind) END, 'year', t5.year, 'title', t5.title, 'parties', (SELECT json_group_array(json_object('slug', t11.slug, 'name', t11.name)) FROM (SELECT s10.member AS member FROM (SELECT l9.organization_id AS member, l9.position AS position 
FROM agreement_party AS l9 
WHERE l9.agreement_id = t5.id) s10 ORDER BY s10.position) s10 LEFT JOIN organization t11 ON t11.id = s10.member))) FROM (SELECT t5.kind AS kind, t5.year AS year, t5.title AS title, t5.id AS id FROM agreement t5 WHERE t5.id IN (SELECT l6.agreement_id 
FROM agreement_party AS l6 
WHERE l6.organization_id IN (SELECT t3.id UNION ALL SELECT u7.id 
FROM organization AS u7 
WHERE u7.parent_id = t3.id)) ORDER BY t5.year IS NULL, t5.year, t5.title, t5.slug) t5), 'representatives', (SELECT json_group_array(json_object('role', t12.role, 'designation', CASE WHEN nullif(t12.designation, '') IS NULL OR nullif(t12.designation, '') IN ('PRIMARY', 'ALTERNATE') THEN nullif(t12.designation, '') ELSE gql_invalid(nullif(t12.designation, '')) END, 'person', json_object('name', t14.name, 'credentials', json(t14.credentials), 'representations', (SELECT json_group_array(json_object('role', t15.role, 'organization', json_object('name', t16.name))) FROM (SELECT t15.role AS role, t15.organization_id AS organization_id FROM representation t15 WHERE t15.person_id = t14.id ORDER BY CASE WHEN (t15.designation = 'PRIMARY') THEN 0 WHEN (t15.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t15.slug) t15 LEFT JOIN organization t16 ON t16.id = t15.organization_id)))) FROM (SELECT t12.role AS role, t12.designation AS designation, t12.person_id AS person_id FROM representation t12 WHERE t12.organization_id IN (SELECT t3.id UNION ALL SELECT u13.id 
FROM organization AS u13 
WHERE u13.parent_id = t3.id) ORDER BY CASE WHEN (t12.designation = 'PRIMARY') THEN 0 WHEN (t12.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t12.slug) t12 LEFT JOIN person t14 ON t14.id = t12.person_id), 'cofounders', (SELECT json_group_array(json_object('name', t17.name)) FROM (SELECT t17.name AS name FROM organization t17 WHERE t17.id IN (SELECT l19.organization_id 
FROM agreement_party AS l19, agreement AS l18 
WHERE l19.agreement_id = l18.id AND l18.kind = 'CO_FOUNDING' AND l19.organization_id != l18.establishes_id AND l18.establishes_id = t3.id) ORDER BY t17.name, t17.slug) t17), 'initiatives', (SELECT json_group_array(json_object('name', t20.name, 'recurrence', t20.recurrence)) FROM (SELECT t20.name AS name, t20.recurrence AS recurrence FROM initiative t20 WHERE t20.id IN (SELECT l21.initiative_id 
FROM initiative_organization AS l21 
WHERE l21.organization_id IN (SELECT t3.id UNION ALL SELECT u22.id 
FROM organization AS u22 
WHERE u22.parent_id = t3.id)) ORDER BY t20.name, t20.slug) t20))) FROM (SELECT it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p3 AS BIGINT)) it2 ORDER BY it2.k0 ASC, it2.k1 ASC) it2 LEFT JOIN organization t3 ON t3.id = it2.id) AS answer_2
-- answer: {"organizations":{"totalCount":<1>,"nodes":<2>}}
-- :p0 = 'PARTNER'
-- :p1 = 101
-- :p2 = 0
-- :p3 = 100
-- :p4 = 100
-- :p5 = 'PARTNER'
