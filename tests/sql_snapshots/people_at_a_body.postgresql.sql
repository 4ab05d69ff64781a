WITH page1 AS MATERIALIZED (SELECT person.id, person.name AS k0, person.slug AS k1 
FROM person 
WHERE (EXISTS (SELECT * 
FROM representation AS seat 
WHERE seat.person_id = person.id AND seat.organization_id IN (SELECT (SELECT organization.id 
FROM organization 
WHERE organization.slug = CAST(:p0 AS VARCHAR)) AS anon_1 UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = (SELECT organization.id 
FROM organization 
WHERE organization.slug = CAST(:p0 AS VARCHAR))))) AND person.slug IN (SELECT anon_2.slug 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, -ts_rank_cd(document, to_tsquery(CAST(:p1 AS REGCONFIG), CAST(:p2 AS VARCHAR))) - CASE WHEN (search_index.keys = CAST(:p3 AS VARCHAR)) THEN CAST(:p4 AS FLOAT) ELSE CAST(:p5 AS FLOAT) END AS rank 
FROM search_index 
WHERE (document @@ to_tsquery(CAST(:p1 AS REGCONFIG), CAST(:p2 AS VARCHAR))) AND search_index.kind = CAST(:p6 AS VARCHAR)) AS anon_2) ORDER BY person.name ASC, person.slug ASC 
 LIMIT CAST(:p7 AS INTEGER)),
level6 AS NOT MATERIALIZED (SELECT t5.id AS id, json_build_object('slug', t5.slug) AS j FROM organization t5),
level7 AS NOT MATERIALIZED (SELECT t3.id AS id, json_build_object('slug', t3.slug, 'representations', coalesce((SELECT json_agg(json_build_object('role', t4.role, 'designation', CASE WHEN nullif(t4.designation, '') IS NULL OR nullif(t4.designation, '') IN ('PRIMARY', 'ALTERNATE') THEN nullif(t4.designation, '') ELSE CAST('not an enum value: ' || nullif(t4.designation, '') AS INTEGER)::text END, 'onBehalfOf', (SELECT j FROM level6 WHERE id = t4.on_behalf_of_id)) ORDER BY CASE WHEN (t4.designation = 'PRIMARY') THEN 0 WHEN (t4.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t4.slug) FROM representation t4 WHERE t4.person_id = t3.id), '[]'::json)) AS j FROM person t3)
SELECT (json_build_object('people', json_build_object('totalCount', (SELECT count(*) AS count_1 
FROM (SELECT person.id AS id, person.slug AS slug, person.name AS name, person.credentials AS credentials 
FROM person 
WHERE (EXISTS (SELECT * 
FROM representation AS seat 
WHERE seat.person_id = person.id AND seat.organization_id IN (SELECT (SELECT organization.id 
FROM organization 
WHERE organization.slug = CAST(:p8 AS VARCHAR)) AS anon_2 UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = (SELECT organization.id 
FROM organization 
WHERE organization.slug = CAST(:p8 AS VARCHAR))))) AND person.slug IN (SELECT anon_3.slug 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, -ts_rank_cd(document, to_tsquery(CAST(:p9 AS REGCONFIG), CAST(:p10 AS VARCHAR))) - CASE WHEN (search_index.keys = CAST(:p11 AS VARCHAR)) THEN CAST(:p12 AS FLOAT) ELSE CAST(:p13 AS FLOAT) END AS rank 
FROM search_index 
WHERE (document @@ to_tsquery(CAST(:p9 AS REGCONFIG), CAST(:p10 AS VARCHAR))) AND search_index.kind = CAST(:p14 AS VARCHAR)) AS anon_3)) AS anon_1), 'nodes', coalesce((SELECT json_agg((SELECT j FROM level7 WHERE id = it2.id) ORDER BY it2.k0 ASC, it2.k1 ASC) FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT 10) it2), '[]'::json))))::text
-- :p0 = 'nasem'
-- :p1 = 'english'
-- :p2 = 'forum:*'
-- :p3 = 'forum'
-- :p4 = 1000.0
-- :p5 = 0.0
-- :p6 = 'Person'
-- :p7 = 11
-- :p8 = 'nasem'
-- :p9 = 'english'
-- :p10 = 'forum:*'
-- :p11 = 'forum'
-- :p12 = 1000.0
-- :p13 = 0.0
-- :p14 = 'Person'
