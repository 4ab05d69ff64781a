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
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, CASE WHEN (search_index.keys = CAST(:p1 AS VARCHAR)) THEN length(search_index.name) WHEN (search_index.name = CAST(:p2 AS VARCHAR)) THEN CAST(:p3 AS INTEGER) + length(search_index.name) WHEN (document @@ (to_tsquery(CAST(:p4 AS REGCONFIG), CAST(:p5 AS VARCHAR)) || to_tsquery(CAST(:p6 AS REGCONFIG), CAST(:p7 AS VARCHAR)))) THEN CAST(:p8 AS INTEGER) + length(search_index.name) ELSE CAST(:p9 AS INTEGER) + coalesce(length(search_index.body), CAST(:p10 AS INTEGER)) END AS rank 
FROM search_index 
WHERE (document @@ (to_tsquery(CAST(:p11 AS REGCONFIG), CAST(:p12 AS VARCHAR)) || to_tsquery(CAST(:p13 AS REGCONFIG), CAST(:p14 AS VARCHAR)))) AND search_index.kind = CAST(:p15 AS VARCHAR)) AS anon_2) ORDER BY person.name ASC, person.slug ASC 
 LIMIT CAST(:p16 AS INTEGER))
SELECT coalesce(to_json((SELECT count(*) AS count_1 
FROM person 
WHERE (EXISTS (SELECT * 
FROM representation AS seat 
WHERE seat.person_id = person.id AND seat.organization_id IN (SELECT (SELECT organization.id 
FROM organization 
WHERE organization.slug = CAST(:p19 AS VARCHAR)) AS anon_1 UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = (SELECT organization.id 
FROM organization 
WHERE organization.slug = CAST(:p19 AS VARCHAR))))) AND person.slug IN (SELECT anon_2.slug 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, CASE WHEN (search_index.keys = CAST(:p20 AS VARCHAR)) THEN length(search_index.name) WHEN (search_index.name = CAST(:p21 AS VARCHAR)) THEN CAST(:p22 AS INTEGER) + length(search_index.name) WHEN (document @@ (to_tsquery(CAST(:p23 AS REGCONFIG), CAST(:p24 AS VARCHAR)) || to_tsquery(CAST(:p25 AS REGCONFIG), CAST(:p26 AS VARCHAR)))) THEN CAST(:p27 AS INTEGER) + length(search_index.name) ELSE CAST(:p28 AS INTEGER) + coalesce(length(search_index.body), CAST(:p29 AS INTEGER)) END AS rank 
FROM search_index 
WHERE (document @@ (to_tsquery(CAST(:p30 AS REGCONFIG), CAST(:p31 AS VARCHAR)) || to_tsquery(CAST(:p32 AS REGCONFIG), CAST(:p33 AS VARCHAR)))) AND search_index.kind = CAST(:p34 AS VARCHAR)) AS anon_2)))::text, 'null') AS answer_1, (SELECT concat('[', string_agg(('{"slug":' || coalesce(to_json(t3.slug)::text, 'null') || ',"representations":' || (SELECT concat('[', string_agg(('{"role":' || coalesce(to_json(t4.role)::text, 'null') || ',"designation":' || coalesce(to_json(CASE WHEN nullif(t4.designation, '') IS NULL OR nullif(t4.designation, '') IN ('PRIMARY', 'ALTERNATE') THEN nullif(t4.designation, '') ELSE CAST('not an enum value: ' || nullif(t4.designation, '') AS INTEGER)::text END)::text, 'null') || ',"onBehalfOf":' || ('{"slug":' || coalesce(to_json(t5.slug)::text, 'null') || '}') || '}'), ',' ORDER BY CASE WHEN (t4.designation = 'PRIMARY') THEN 0 WHEN (t4.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t4.slug), ']') FROM (SELECT t4.role AS role, t4.designation AS designation, t4.slug AS slug, t4.on_behalf_of_id AS on_behalf_of_id FROM representation t4 WHERE t4.person_id = t3.id) t4 LEFT JOIN organization t5 ON t5.id = t4.on_behalf_of_id) || '}'), ',' ORDER BY it2.k0 ASC, it2.k1 ASC), ']') FROM (SELECT it2.k0 AS k0, it2.k1 AS k1, it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p17 AS BIGINT)) it2) it2 LEFT JOIN person t3 ON t3.id = it2.id) AS answer_2
-- answer: {"people":{"totalCount":<1>,"nodes":<2>}}
-- :p0 = 'nasem'
-- :p1 = 'forum'
-- :p2 = 'forum'
-- :p3 = 1000000
-- :p4 = 'simple'
-- :p5 = 'forum:*AB'
-- :p6 = 'english'
-- :p7 = 'forum:*AB'
-- :p8 = 2000000
-- :p9 = 3000000
-- :p10 = 0
-- :p11 = 'simple'
-- :p12 = 'forum:*'
-- :p13 = 'english'
-- :p14 = 'forum:*'
-- :p15 = 'Person'
-- :p16 = 11
-- :p17 = 10
-- :p18 = 10
-- :p19 = 'nasem'
-- :p20 = 'forum'
-- :p21 = 'forum'
-- :p22 = 1000000
-- :p23 = 'simple'
-- :p24 = 'forum:*AB'
-- :p25 = 'english'
-- :p26 = 'forum:*AB'
-- :p27 = 2000000
-- :p28 = 3000000
-- :p29 = 0
-- :p30 = 'simple'
-- :p31 = 'forum:*'
-- :p32 = 'english'
-- :p33 = 'forum:*'
-- :p34 = 'Person'
