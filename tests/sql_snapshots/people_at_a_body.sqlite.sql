WITH page1 AS MATERIALIZED (SELECT person.id, person.name AS k0, person.slug AS k1 
FROM person 
WHERE (EXISTS (SELECT * 
FROM representation AS seat 
WHERE seat.person_id = person.id AND seat.organization_id IN (SELECT (SELECT organization.id 
FROM organization 
WHERE organization.slug = :p0) AS anon_1 UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = (SELECT organization.id 
FROM organization 
WHERE organization.slug = :p0)))) AND person.slug IN (SELECT anon_2.slug 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, bm25(search_index, :p1, :p2, :p3, :p4, :p5) - CASE WHEN (search_index.keys = :p6) THEN :p7 ELSE :p8 END AS rank 
FROM search_index 
WHERE search_index MATCH :p9 AND search_index.kind = :p10) AS anon_2) ORDER BY person.name ASC, person.slug ASC
 LIMIT :p11 OFFSET :p12),
level6 AS NOT MATERIALIZED (SELECT t5.id AS id, json_object('slug', t5.slug) AS j FROM organization t5),
level7 AS NOT MATERIALIZED (SELECT t3.id AS id, json_object('slug', t3.slug, 'representations', json((SELECT json_group_array(json(e)) FROM (SELECT json_object('role', t4.role, 'designation', CASE WHEN nullif(t4.designation, '') IS NULL OR nullif(t4.designation, '') IN ('PRIMARY', 'ALTERNATE') THEN nullif(t4.designation, '') ELSE gql_invalid(nullif(t4.designation, '')) END, 'onBehalfOf', json((SELECT j FROM level6 WHERE id = t4.on_behalf_of_id))) AS e FROM representation t4 WHERE t4.person_id = t3.id ORDER BY CASE WHEN (t4.designation = 'PRIMARY') THEN 0 WHEN (t4.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t4.slug)))) AS j FROM person t3)
SELECT json_object('people', json_object('totalCount', (SELECT count(*) AS count_1 
FROM (SELECT person.id AS id, person.slug AS slug, person.name AS name, person.credentials AS credentials 
FROM person 
WHERE (EXISTS (SELECT * 
FROM representation AS seat 
WHERE seat.person_id = person.id AND seat.organization_id IN (SELECT (SELECT organization.id 
FROM organization 
WHERE organization.slug = :p13) AS anon_2 UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = (SELECT organization.id 
FROM organization 
WHERE organization.slug = :p13)))) AND person.slug IN (SELECT anon_3.slug 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, bm25(search_index, :p14, :p15, :p16, :p17, :p18) - CASE WHEN (search_index.keys = :p19) THEN :p20 ELSE :p21 END AS rank 
FROM search_index 
WHERE search_index MATCH :p22 AND search_index.kind = :p23) AS anon_3)) AS anon_1), 'nodes', json((SELECT json_group_array(json(e)) FROM (SELECT (SELECT j FROM level7 WHERE id = it2.id) AS e FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT 10) it2 ORDER BY it2.k0 ASC, it2.k1 ASC)))))
-- :p0 = 'nasem'
-- :p1 = 0.0
-- :p2 = 0.0
-- :p3 = 100.0
-- :p4 = 10.0
-- :p5 = 1.0
-- :p6 = 'forum'
-- :p7 = 1000.0
-- :p8 = 0.0
-- :p9 = '"forum"*'
-- :p10 = 'Person'
-- :p11 = 11
-- :p12 = 0
-- :p13 = 'nasem'
-- :p14 = 0.0
-- :p15 = 0.0
-- :p16 = 100.0
-- :p17 = 10.0
-- :p18 = 1.0
-- :p19 = 'forum'
-- :p20 = 1000.0
-- :p21 = 0.0
-- :p22 = '"forum"*'
-- :p23 = 'Person'
