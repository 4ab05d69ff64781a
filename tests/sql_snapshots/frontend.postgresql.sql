WITH page1 AS MATERIALIZED (SELECT organization.id, organization.name AS k0, organization.slug AS k1 
FROM organization 
WHERE organization.category = CAST(:p0 AS VARCHAR) ORDER BY organization.name ASC, organization.slug ASC 
 LIMIT CAST(:p1 AS INTEGER)),
level12 AS NOT MATERIALIZED (SELECT t11.id AS id, json_build_object('slug', t11.slug, 'name', t11.name) AS j FROM organization t11),
level18 AS NOT MATERIALIZED (SELECT t17.id AS id, json_build_object('name', t17.name) AS j FROM organization t17),
level19 AS NOT MATERIALIZED (SELECT t15.id AS id, json_build_object('name', t15.name, 'credentials', t15.credentials, 'representations', coalesce((SELECT json_agg(json_build_object('role', t16.role, 'organization', (SELECT j FROM level18 WHERE id = t16.organization_id)) ORDER BY CASE WHEN (t16.designation = 'PRIMARY') THEN 0 WHEN (t16.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t16.slug) FROM representation t16 WHERE t16.person_id = t15.id), '[]'::json)) AS j FROM person t15),
level26 AS NOT MATERIALIZED (SELECT t3.id AS id, json_build_object('slug', t3.slug, 'name', t3.name, 'acronym', t3.acronym, 'regions', coalesce((SELECT json_agg(v4.region ORDER BY v4.position) FROM organization_region v4 WHERE v4.organization_id = t3.id), '[]'::json), 'description', t3.description, 'agreements', coalesce((SELECT json_agg(json_build_object('kind', CASE WHEN t5.kind IS NULL OR t5.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t5.kind ELSE CAST('not an enum value: ' || t5.kind AS INTEGER)::text END, 'year', t5.year, 'title', t5.title, 'parties', coalesce((SELECT json_agg((SELECT j FROM level12 WHERE id = s10.member) ORDER BY s10.position) FROM (SELECT l9.organization_id AS member, l9.position AS position 
FROM agreement_party AS l9 
WHERE l9.agreement_id = t5.id) s10), '[]'::json)) ORDER BY t5.year IS NULL, t5.year, t5.title, t5.slug) FROM agreement t5 WHERE t5.id IN (SELECT l6.agreement_id 
FROM agreement_party AS l6 
WHERE l6.organization_id IN (SELECT t3.id UNION ALL SELECT u7.id 
FROM organization AS u7 
WHERE u7.parent_id = t3.id))), '[]'::json), 'representatives', coalesce((SELECT json_agg(json_build_object('role', t13.role, 'designation', CASE WHEN nullif(t13.designation, '') IS NULL OR nullif(t13.designation, '') IN ('PRIMARY', 'ALTERNATE') THEN nullif(t13.designation, '') ELSE CAST('not an enum value: ' || nullif(t13.designation, '') AS INTEGER)::text END, 'person', (SELECT j FROM level19 WHERE id = t13.person_id)) ORDER BY CASE WHEN (t13.designation = 'PRIMARY') THEN 0 WHEN (t13.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t13.slug) FROM representation t13 WHERE t13.organization_id IN (SELECT t3.id UNION ALL SELECT u14.id 
FROM organization AS u14 
WHERE u14.parent_id = t3.id)), '[]'::json), 'cofounders', coalesce((SELECT json_agg(json_build_object('name', t20.name) ORDER BY t20.name, t20.slug) FROM organization t20 WHERE t20.id IN (SELECT l22.organization_id 
FROM agreement_party AS l22, agreement AS l21 
WHERE l22.agreement_id = l21.id AND l21.kind = 'CO_FOUNDING' AND l22.organization_id != l21.establishes_id AND l21.establishes_id = t3.id)), '[]'::json), 'initiatives', coalesce((SELECT json_agg(json_build_object('name', t23.name, 'recurrence', t23.recurrence) ORDER BY t23.name, t23.slug) FROM initiative t23 WHERE t23.id IN (SELECT l24.initiative_id 
FROM initiative_organization AS l24 
WHERE l24.organization_id IN (SELECT t3.id UNION ALL SELECT u25.id 
FROM organization AS u25 
WHERE u25.parent_id = t3.id))), '[]'::json)) AS j FROM organization t3)
SELECT (json_build_object('organizations', json_build_object('totalCount', (SELECT count(*) AS count_1 
FROM organization 
WHERE organization.category = CAST(:p4 AS VARCHAR)), 'nodes', coalesce((SELECT json_agg((SELECT j FROM level26 WHERE id = it2.id) ORDER BY it2.k0 ASC, it2.k1 ASC) FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p2 AS BIGINT)) it2), '[]'::json))))::text
-- :p0 = 'PARTNER'
-- :p1 = 101
-- :p2 = 100
-- :p3 = 100
-- :p4 = 'PARTNER'
