WITH page1 AS MATERIALIZED (SELECT organization.id, organization.name AS k0, organization.slug AS k1 
FROM organization ORDER BY organization.name ASC, organization.slug ASC 
 LIMIT CAST(:p0 AS INTEGER)),
level16 AS NOT MATERIALIZED (SELECT t15.id AS id, json_build_object('slug', t15.slug, 'name', t15.name) AS j FROM organization t15),
level17 AS NOT MATERIALIZED (SELECT t13.id AS id, json_build_object('name', t13.name, 'representations', coalesce((SELECT json_agg(json_build_object('role', t14.role, 'organization', (SELECT j FROM level16 WHERE id = t14.organization_id)) ORDER BY CASE WHEN (t14.designation = 'PRIMARY') THEN 0 WHEN (t14.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t14.slug) FROM representation t14 WHERE t14.person_id = t13.id), '[]'::json)) AS j FROM person t13),
level18 AS NOT MATERIALIZED (SELECT t10.id AS id, json_build_object('slug', t10.slug, 'representatives', coalesce((SELECT json_agg(json_build_object('role', t11.role, 'person', (SELECT j FROM level17 WHERE id = t11.person_id)) ORDER BY CASE WHEN (t11.designation = 'PRIMARY') THEN 0 WHEN (t11.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t11.slug) FROM representation t11 WHERE t11.organization_id IN (SELECT t10.id UNION ALL SELECT u12.id 
FROM organization AS u12 
WHERE u12.parent_id = t10.id)), '[]'::json)) AS j FROM organization t10),
level19 AS NOT MATERIALIZED (SELECT t3.id AS id, json_build_object('slug', t3.slug, 'agreements', coalesce((SELECT json_agg(json_build_object('kind', CASE WHEN t4.kind IS NULL OR t4.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t4.kind ELSE CAST('not an enum value: ' || t4.kind AS INTEGER)::text END, 'parties', coalesce((SELECT json_agg((SELECT j FROM level18 WHERE id = s9.member) ORDER BY s9.position) FROM (SELECT l8.organization_id AS member, l8.position AS position 
FROM agreement_party AS l8 
WHERE l8.agreement_id = t4.id) s9), '[]'::json)) ORDER BY t4.year IS NULL, t4.year, t4.title, t4.slug) FROM agreement t4 WHERE t4.id IN (SELECT l5.agreement_id 
FROM agreement_party AS l5 
WHERE l5.organization_id IN (SELECT t3.id UNION ALL SELECT u6.id 
FROM organization AS u6 
WHERE u6.parent_id = t3.id))), '[]'::json)) AS j FROM organization t3)
SELECT (json_build_object('organizations', json_build_object('nodes', coalesce((SELECT json_agg((SELECT j FROM level19 WHERE id = it2.id) ORDER BY it2.k0 ASC, it2.k1 ASC) FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p1 AS BIGINT)) it2), '[]'::json))))::text
-- :p0 = 101
-- :p1 = 100
-- :p2 = 100
