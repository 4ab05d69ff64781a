WITH page1 AS MATERIALIZED (SELECT organization.id, organization.name AS k0, organization.slug AS k1 
FROM organization 
WHERE organization.category = CAST(:p0 AS VARCHAR) ORDER BY organization.name ASC, organization.slug ASC 
 LIMIT CAST(:p1 AS INTEGER))
SELECT coalesce(to_json((SELECT count(*) AS count_1 
FROM organization 
WHERE organization.category = CAST(:p4 AS VARCHAR)))::text, 'null') AS answer_1, (SELECT concat('[', string_agg(('{"slug":' || coalesce(to_json(t3.slug)::text, 'null') || ',"name":' || coalesce(to_json(t3.name)::text, 'null') || ',"acronym":' || coalesce(to_json(t3.acronym)::text, 'null') || ',"regions":' || (SELECT concat('[', string_agg(coalesce(to_json(v4.region)::text, 'null'), ',' ORDER BY v4.position), ']') FROM (SELECT v4.region AS region, v4.position AS position FROM organization_region v4 WHERE v4.organization_id = t3.id) v4) || ',"description":' || coalesce(to_json(t3.description)::text, 'null') || ',"agreements":' || (SELECT concat('[', string_agg(('{"kind":' || coalesce(to_json(CASE WHEN t5.kind IS NULL OR t5.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t5.kind ELSE CAST('not an enum value: ' || t5.kind AS INTEGER)::text END)::text, 'null') || ',"year":' || coalesce(to_json(t5.year)::text, 'null') || ',"title":' || coalesce(to_json(t5.title)::text, 'null') || ',"parties":' || (SELECT concat('[', string_agg(('{"slug":' || coalesce(to_json(t11.slug)::text, 'null') || ',"name":' || coalesce(to_json(t11.name)::text, 'null') || '}'), ',' ORDER BY s10.position), ']') FROM (SELECT s10.position AS position, s10.member AS member FROM (SELECT l9.organization_id AS member, l9.position AS position 
FROM agreement_party AS l9 
WHERE l9.agreement_id = t5.id) s10) s10 LEFT JOIN organization t11 ON t11.id = s10.member) || '}'), ',' ORDER BY t5.year IS NULL, t5.year, t5.title, t5.slug), ']') FROM (SELECT t5.kind AS kind, t5.year AS year, t5.title AS title, t5.id AS id, t5.slug AS slug FROM agreement t5 WHERE t5.id IN (SELECT l6.agreement_id 
FROM agreement_party AS l6 
WHERE l6.organization_id IN (SELECT t3.id UNION ALL SELECT u7.id 
FROM organization AS u7 
WHERE u7.parent_id = t3.id))) t5) || ',"representatives":' || (SELECT concat('[', string_agg(('{"role":' || coalesce(to_json(t12.role)::text, 'null') || ',"designation":' || coalesce(to_json(CASE WHEN nullif(t12.designation, '') IS NULL OR nullif(t12.designation, '') IN ('PRIMARY', 'ALTERNATE') THEN nullif(t12.designation, '') ELSE CAST('not an enum value: ' || nullif(t12.designation, '') AS INTEGER)::text END)::text, 'null') || ',"person":' || ('{"name":' || coalesce(to_json(t14.name)::text, 'null') || ',"credentials":' || CASE WHEN t14.credentials IS NULL THEN 'null' ELSE (SELECT concat('[', string_agg(e.value::text, ',' ORDER BY e.n), ']') FROM json_array_elements(t14.credentials) WITH ORDINALITY AS e(value, n)) END || ',"representations":' || (SELECT concat('[', string_agg(('{"role":' || coalesce(to_json(t15.role)::text, 'null') || ',"organization":' || ('{"name":' || coalesce(to_json(t16.name)::text, 'null') || '}') || '}'), ',' ORDER BY CASE WHEN (t15.designation = 'PRIMARY') THEN 0 WHEN (t15.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t15.slug), ']') FROM (SELECT t15.role AS role, t15.designation AS designation, t15.slug AS slug, t15.organization_id AS organization_id FROM representation t15 WHERE t15.person_id = t14.id) t15 LEFT JOIN organization t16 ON t16.id = t15.organization_id) || '}') || '}'), ',' ORDER BY CASE WHEN (t12.designation = 'PRIMARY') THEN 0 WHEN (t12.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t12.slug), ']') FROM (SELECT t12.role AS role, t12.designation AS designation, t12.slug AS slug, t12.person_id AS person_id FROM representation t12 WHERE t12.organization_id IN (SELECT t3.id UNION ALL SELECT u13.id 
FROM organization AS u13 
WHERE u13.parent_id = t3.id)) t12 LEFT JOIN person t14 ON t14.id = t12.person_id) || ',"cofounders":' || (SELECT concat('[', string_agg(('{"name":' || coalesce(to_json(t17.name)::text, 'null') || '}'), ',' ORDER BY t17.name, t17.slug), ']') FROM (SELECT t17.name AS name, t17.slug AS slug FROM organization t17 WHERE t17.id IN (SELECT l19.organization_id 
FROM agreement_party AS l19, agreement AS l18 
WHERE l19.agreement_id = l18.id AND l18.kind = 'CO_FOUNDING' AND l19.organization_id != l18.establishes_id AND l18.establishes_id = t3.id)) t17) || ',"initiatives":' || (SELECT concat('[', string_agg(('{"name":' || coalesce(to_json(t20.name)::text, 'null') || ',"recurrence":' || coalesce(to_json(t20.recurrence)::text, 'null') || '}'), ',' ORDER BY t20.name, t20.slug), ']') FROM (SELECT t20.name AS name, t20.recurrence AS recurrence, t20.slug AS slug FROM initiative t20 WHERE t20.id IN (SELECT l21.initiative_id 
FROM initiative_organization AS l21 
WHERE l21.organization_id IN (SELECT t3.id UNION ALL SELECT u22.id 
FROM organization AS u22 
WHERE u22.parent_id = t3.id))) t20) || '}'), ',' ORDER BY it2.k0 ASC, it2.k1 ASC), ']') FROM (SELECT it2.k0 AS k0, it2.k1 AS k1, it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p2 AS BIGINT)) it2) it2 LEFT JOIN organization t3 ON t3.id = it2.id) AS answer_2
-- answer: {"organizations":{"totalCount":<1>,"nodes":<2>}}
-- :p0 = 'PARTNER'
-- :p1 = 101
-- :p2 = 100
-- :p3 = 100
-- :p4 = 'PARTNER'
