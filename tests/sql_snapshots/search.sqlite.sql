WITH hits1 AS MATERIALIZED (SELECT ranked.kind, ranked.slug, ranked.rank 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, CASE WHEN (search_index.keys = :p0) THEN length(search_index.name) WHEN (search_index.name = :p1) THEN :p2 + length(search_index.name) WHEN search_index.rowid IN (SELECT rowid FROM search_index WHERE search_index MATCH :p3) THEN :p4 + length(search_index.name) ELSE :p5 + coalesce(length(search_index.body), :p6) END AS rank 
FROM search_index 
WHERE search_index MATCH :p7) AS ranked ORDER BY ranked.rank, ranked.kind, ranked.slug
 LIMIT :p8 OFFSET :p9),
level5 AS NOT MATERIALIZED (SELECT t4.id AS id, json_object('__typename', 'Organization', 'slug', t4.slug) AS j FROM organization t4),
level7 AS NOT MATERIALIZED (SELECT t6.id AS id, json_object('__typename', 'Person', 'name', t6.name) AS j FROM person t6),
level9 AS NOT MATERIALIZED (SELECT t8.id AS id, json_object('__typename', 'Agreement', 'title', t8.title) AS j FROM agreement t8),
level11 AS NOT MATERIALIZED (SELECT t10.id AS id, json_object('__typename', 'Initiative', 'name', t10.name) AS j FROM initiative t10)
SELECT json_group_array(json(found3.j)) AS answer_1 FROM (SELECT found3.j AS j FROM (SELECT hit2.rank AS rank, hit2.kind AS kind, hit2.slug AS slug, CASE hit2.kind WHEN 'Organization' THEN (SELECT j FROM level5 WHERE id = (SELECT id FROM organization WHERE slug = hit2.slug)) WHEN 'Person' THEN (SELECT j FROM level7 WHERE id = (SELECT id FROM person WHERE slug = hit2.slug)) WHEN 'Agreement' THEN (SELECT j FROM level9 WHERE id = (SELECT id FROM agreement WHERE slug = hit2.slug)) WHEN 'Initiative' THEN (SELECT j FROM level11 WHERE id = (SELECT id FROM initiative WHERE slug = hit2.slug)) END AS j FROM hits1 hit2) found3 WHERE found3.j IS NOT NULL ORDER BY found3.rank, found3.kind, found3.slug) found3
-- answer: {"search":<1>}
-- :p0 = 'cord blood'
-- :p1 = 'cord blood'
-- :p2 = 1000000
-- :p3 = '{keys name} : ("cord" "blood"*)'
-- :p4 = 2000000
-- :p5 = 3000000
-- :p6 = 0
-- :p7 = '"cord" "blood"*'
-- :p8 = 5
-- :p9 = 0
