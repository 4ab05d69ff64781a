WITH page1 AS MATERIALIZED (SELECT organization.id, organization.name AS k0, organization.slug AS k1 
FROM organization ORDER BY organization.name ASC, organization.slug ASC 
 LIMIT CAST(:p0 AS INTEGER))
SELECT concat('[', string_agg(('{"slug":' || coalesce(to_json(t3.slug)::text, 'null') || ',"agreements":' || (SELECT concat('[', string_agg(('{"kind":' || coalesce(to_json(CASE WHEN t4.kind IS NULL OR t4.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t4.kind ELSE CAST('not an enum value: ' || t4.kind AS INTEGER)::text END)::text, 'null') || ',"parties":' || (SELECT concat('[', string_agg(('{"slug":' || coalesce(to_json(t10.slug)::text, 'null') || ',"representatives":' || (SELECT concat('[', string_agg(('{"role":' || coalesce(to_json(t11.role)::text, 'null') || ',"person":' || ('{"name":' || coalesce(to_json(t13.name)::text, 'null') || ',"representations":' || (SELECT concat('[', string_agg(('{"role":' || coalesce(to_json(t14.role)::text, 'null') || ',"organization":' || ('{"slug":' || coalesce(to_json(t15.slug)::text, 'null') || ',"name":' || coalesce(to_json(t15.name)::text, 'null') || '}') || '}'), ',' ORDER BY CASE WHEN (t14.designation = 'PRIMARY') THEN 0 WHEN (t14.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t14.slug), ']') FROM (SELECT t14.role AS role, t14.designation AS designation, t14.slug AS slug, t14.organization_id AS organization_id FROM representation t14 WHERE t14.person_id = t13.id) t14 LEFT JOIN organization t15 ON t15.id = t14.organization_id) || '}') || '}'), ',' ORDER BY CASE WHEN (t11.designation = 'PRIMARY') THEN 0 WHEN (t11.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t11.slug), ']') FROM (SELECT t11.role AS role, t11.designation AS designation, t11.slug AS slug, t11.person_id AS person_id FROM representation t11 WHERE t11.organization_id IN (SELECT t10.id UNION ALL SELECT u12.id 
FROM organization AS u12 
WHERE u12.parent_id = t10.id)) t11 LEFT JOIN person t13 ON t13.id = t11.person_id) || '}'), ',' ORDER BY s9.position), ']') FROM (SELECT s9.position AS position, s9.member AS member FROM (SELECT l8.organization_id AS member, l8.position AS position 
FROM agreement_party AS l8 
WHERE l8.agreement_id = t4.id) s9) s9 LEFT JOIN organization t10 ON t10.id = s9.member) || '}'), ',' ORDER BY t4.year IS NULL, t4.year, t4.title, t4.slug), ']') FROM (SELECT t4.kind AS kind, t4.id AS id, t4.year AS year, t4.title AS title, t4.slug AS slug FROM agreement t4 WHERE t4.id IN (SELECT l5.agreement_id 
FROM agreement_party AS l5 
WHERE l5.organization_id IN (SELECT t3.id UNION ALL SELECT u6.id 
FROM organization AS u6 
WHERE u6.parent_id = t3.id))) t4) || '}'), ',' ORDER BY it2.k0 ASC, it2.k1 ASC), ']') AS answer_1 FROM (SELECT it2.k0 AS k0, it2.k1 AS k1, it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p1 AS BIGINT)) it2) it2 LEFT JOIN organization t3 ON t3.id = it2.id
-- answer: {"organizations":{"nodes":<1>}}
-- :p0 = 101
-- :p1 = 100
-- :p2 = 100
