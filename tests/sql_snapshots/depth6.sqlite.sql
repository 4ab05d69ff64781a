WITH page1 AS MATERIALIZED (SELECT organization.id, organization.name AS k0, organization.slug AS k1 
FROM organization ORDER BY organization.name ASC, organization.slug ASC
 LIMIT :p0 OFFSET :p1)
SELECT json_group_array(json_object('slug', t3.slug, 'agreements', (SELECT json_group_array(json_object('kind', CASE WHEN t4.kind IS NULL OR t4.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t4.kind ELSE gql_invalid(t4.kind) END, 'parties', (SELECT json_group_array(json_object('slug', t10.slug, 'representatives', (SELECT json_group_array(json_object('role', t11.role, 'person', json_object('name', t13.name, 'representations', (SELECT json_group_array(json_object('role', t14.role, 'organization', json_object('slug', t15.slug, 'name', t15.name))) FROM (SELECT t14.role AS role, t14.organization_id AS organization_id FROM representation t14 WHERE t14.person_id = t13.id ORDER BY CASE WHEN (t14.designation = 'PRIMARY') THEN 0 WHEN (t14.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t14.slug) t14 LEFT JOIN organization t15 ON t15.id = t14.organization_id)))) FROM (SELECT t11.role AS role, t11.person_id AS person_id FROM representation t11 WHERE t11.organization_id IN (SELECT t10.id UNION ALL SELECT u12.id 
FROM organization AS u12 
WHERE u12.parent_id = t10.id) ORDER BY CASE WHEN (t11.designation = 'PRIMARY') THEN 0 WHEN (t11.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t11.slug) t11 LEFT JOIN person t13 ON t13.id = t11.person_id))) FROM (SELECT s9.member AS member FROM (SELECT l8.organization_id AS member, l8.position AS position 
FROM agreement_party AS l8 
WHERE l8.agreement_id = t4.id) s9 ORDER BY s9.position) s9 LEFT JOIN organization t10 ON t10.id = s9.member))) FROM (SELECT t4.kind AS kind, t4.id AS id FROM agreement t4 WHERE t4.id IN (SELECT l5.agreement_id 
FROM agreement_party AS l5 
WHERE l5.organization_id IN (SELECT t3.id UNION ALL SELECT u6.id 
FROM organization AS u6 
WHERE u6.parent_id = t3.id)) ORDER BY t4.year IS NULL, t4.year, t4.title, t4.slug) t4))) AS answer_1 FROM (SELECT it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p2 AS BIGINT)) it2 ORDER BY it2.k0 ASC, it2.k1 ASC) it2 LEFT JOIN organization t3 ON t3.id = it2.id
-- answer: {"organizations":{"nodes":<1>}}
-- :p0 = 101
-- :p1 = 0
-- :p2 = 100
-- :p3 = 100
