WITH hits1 AS MATERIALIZED (SELECT ranked.kind, ranked.slug, ranked.rank 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, CASE WHEN (search_index.keys = CAST(:p0 AS VARCHAR)) THEN length(search_index.name) WHEN (search_index.name = CAST(:p1 AS VARCHAR)) THEN CAST(:p2 AS INTEGER) + length(search_index.name) WHEN (document @@ ((to_tsquery(CAST(:p3 AS REGCONFIG), CAST(:p4 AS VARCHAR)) || to_tsquery(CAST(:p5 AS REGCONFIG), CAST(:p6 AS VARCHAR))) && (to_tsquery(CAST(:p7 AS REGCONFIG), CAST(:p8 AS VARCHAR)) || to_tsquery(CAST(:p9 AS REGCONFIG), CAST(:p10 AS VARCHAR))))) THEN CAST(:p11 AS INTEGER) + length(search_index.name) ELSE CAST(:p12 AS INTEGER) + coalesce(length(search_index.body), CAST(:p13 AS INTEGER)) END AS rank 
FROM search_index 
WHERE document @@ ((to_tsquery(CAST(:p14 AS REGCONFIG), CAST(:p15 AS VARCHAR)) || to_tsquery(CAST(:p16 AS REGCONFIG), CAST(:p17 AS VARCHAR))) && (to_tsquery(CAST(:p18 AS REGCONFIG), CAST(:p19 AS VARCHAR)) || to_tsquery(CAST(:p20 AS REGCONFIG), CAST(:p21 AS VARCHAR))))) AS ranked ORDER BY ranked.rank, ranked.kind, ranked.slug 
 LIMIT CAST(:p22 AS INTEGER)),
level5 AS NOT MATERIALIZED (SELECT t4.id AS id, ('{"__typename":' || coalesce(to_json('Organization'::text)::text, 'null') || ',"slug":' || coalesce(to_json(t4.slug)::text, 'null') || '}') AS j FROM organization t4),
level7 AS NOT MATERIALIZED (SELECT t6.id AS id, ('{"__typename":' || coalesce(to_json('Person'::text)::text, 'null') || ',"name":' || coalesce(to_json(t6.name)::text, 'null') || '}') AS j FROM person t6),
level9 AS NOT MATERIALIZED (SELECT t8.id AS id, ('{"__typename":' || coalesce(to_json('Agreement'::text)::text, 'null') || ',"title":' || coalesce(to_json(t8.title)::text, 'null') || '}') AS j FROM agreement t8),
level11 AS NOT MATERIALIZED (SELECT t10.id AS id, ('{"__typename":' || coalesce(to_json('Initiative'::text)::text, 'null') || ',"name":' || coalesce(to_json(t10.name)::text, 'null') || '}') AS j FROM initiative t10)
SELECT concat('[', string_agg(found3.j, ',' ORDER BY found3.rank, found3.kind, found3.slug), ']') AS answer_1 FROM (SELECT found3.j AS j, found3.rank AS rank, found3.kind AS kind, found3.slug AS slug FROM (SELECT hit2.rank AS rank, hit2.kind AS kind, hit2.slug AS slug, CASE hit2.kind WHEN 'Organization' THEN (SELECT j FROM level5 WHERE id = (SELECT id FROM organization WHERE slug = hit2.slug)) WHEN 'Person' THEN (SELECT j FROM level7 WHERE id = (SELECT id FROM person WHERE slug = hit2.slug)) WHEN 'Agreement' THEN (SELECT j FROM level9 WHERE id = (SELECT id FROM agreement WHERE slug = hit2.slug)) WHEN 'Initiative' THEN (SELECT j FROM level11 WHERE id = (SELECT id FROM initiative WHERE slug = hit2.slug)) END AS j FROM hits1 hit2) found3 WHERE found3.j IS NOT NULL) found3
-- answer: {"search":<1>}
-- :p0 = 'cord blood'
-- :p1 = 'cord blood'
-- :p2 = 1000000
-- :p3 = 'simple'
-- :p4 = 'cord:AB'
-- :p5 = 'english'
-- :p6 = 'cord:AB'
-- :p7 = 'simple'
-- :p8 = 'blood:*AB'
-- :p9 = 'english'
-- :p10 = 'blood:*AB'
-- :p11 = 2000000
-- :p12 = 3000000
-- :p13 = 0
-- :p14 = 'simple'
-- :p15 = 'cord'
-- :p16 = 'english'
-- :p17 = 'cord'
-- :p18 = 'simple'
-- :p19 = 'blood:*'
-- :p20 = 'english'
-- :p21 = 'blood:*'
-- :p22 = 5
