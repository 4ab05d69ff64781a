WITH hits1 AS MATERIALIZED (SELECT ranked.kind, ranked.slug, ranked.rank 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, bm25(search_index, :p0, :p1, :p2, :p3, :p4) - CASE WHEN (search_index.keys = :p5) THEN :p6 ELSE :p7 END AS rank 
FROM search_index 
WHERE search_index MATCH :p8) AS ranked ORDER BY ranked.rank, ranked.kind, ranked.slug
 LIMIT :p9 OFFSET :p10),
level5 AS NOT MATERIALIZED (SELECT t4.id AS id, json_object('__typename', 'Organization', 'slug', t4.slug) AS j FROM organization t4),
level7 AS NOT MATERIALIZED (SELECT t6.id AS id, json_object('__typename', 'Person', 'name', t6.name) AS j FROM person t6),
level9 AS NOT MATERIALIZED (SELECT t8.id AS id, json_object('__typename', 'Agreement', 'title', t8.title) AS j FROM agreement t8),
level11 AS NOT MATERIALIZED (SELECT t10.id AS id, json_object('__typename', 'Initiative', 'name', t10.name) AS j FROM initiative t10)
SELECT json_object('search', json((SELECT json_group_array(json(e)) FROM (SELECT found3.j AS e FROM (SELECT hit2.rank AS rank, hit2.kind AS kind, hit2.slug AS slug, CASE hit2.kind WHEN 'Organization' THEN (SELECT j FROM level5 WHERE id = (SELECT id FROM organization WHERE slug = hit2.slug)) WHEN 'Person' THEN (SELECT j FROM level7 WHERE id = (SELECT id FROM person WHERE slug = hit2.slug)) WHEN 'Agreement' THEN (SELECT j FROM level9 WHERE id = (SELECT id FROM agreement WHERE slug = hit2.slug)) WHEN 'Initiative' THEN (SELECT j FROM level11 WHERE id = (SELECT id FROM initiative WHERE slug = hit2.slug)) END AS j FROM hits1 hit2) found3 WHERE found3.j IS NOT NULL ORDER BY found3.rank, found3.kind, found3.slug))))
-- :p0 = 0.0
-- :p1 = 0.0
-- :p2 = 100.0
-- :p3 = 10.0
-- :p4 = 1.0
-- :p5 = 'cord blood'
-- :p6 = 1000.0
-- :p7 = 0.0
-- :p8 = '"cord" "blood"*'
-- :p9 = 5
-- :p10 = 0
