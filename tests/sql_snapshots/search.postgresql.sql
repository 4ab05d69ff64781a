WITH hits1 AS MATERIALIZED (SELECT ranked.kind, ranked.slug, ranked.rank 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, -ts_rank_cd(document, to_tsquery(CAST(:p0 AS REGCONFIG), CAST(:p1 AS VARCHAR))) - CASE WHEN (search_index.keys = CAST(:p2 AS VARCHAR)) THEN CAST(:p3 AS FLOAT) ELSE CAST(:p4 AS FLOAT) END AS rank 
FROM search_index 
WHERE document @@ to_tsquery(CAST(:p0 AS REGCONFIG), CAST(:p1 AS VARCHAR))) AS ranked ORDER BY ranked.rank, ranked.kind, ranked.slug 
 LIMIT CAST(:p5 AS INTEGER)),
level5 AS NOT MATERIALIZED (SELECT t4.id AS id, json_build_object('__typename', 'Organization'::text, 'slug', t4.slug) AS j FROM organization t4),
level7 AS NOT MATERIALIZED (SELECT t6.id AS id, json_build_object('__typename', 'Person'::text, 'name', t6.name) AS j FROM person t6),
level9 AS NOT MATERIALIZED (SELECT t8.id AS id, json_build_object('__typename', 'Agreement'::text, 'title', t8.title) AS j FROM agreement t8),
level11 AS NOT MATERIALIZED (SELECT t10.id AS id, json_build_object('__typename', 'Initiative'::text, 'name', t10.name) AS j FROM initiative t10)
SELECT (json_build_object('search', coalesce((SELECT json_agg(found3.j ORDER BY found3.rank, found3.kind, found3.slug) FROM (SELECT hit2.rank AS rank, hit2.kind AS kind, hit2.slug AS slug, CASE hit2.kind WHEN 'Organization' THEN (SELECT j FROM level5 WHERE id = (SELECT id FROM organization WHERE slug = hit2.slug)) WHEN 'Person' THEN (SELECT j FROM level7 WHERE id = (SELECT id FROM person WHERE slug = hit2.slug)) WHEN 'Agreement' THEN (SELECT j FROM level9 WHERE id = (SELECT id FROM agreement WHERE slug = hit2.slug)) WHEN 'Initiative' THEN (SELECT j FROM level11 WHERE id = (SELECT id FROM initiative WHERE slug = hit2.slug)) END AS j FROM hits1 hit2) found3 WHERE found3.j IS NOT NULL), '[]'::json)))::text
-- :p0 = 'english'
-- :p1 = 'cord:* & blood:*'
-- :p2 = 'cord blood'
-- :p3 = 1000.0
-- :p4 = 0.0
-- :p5 = 5
