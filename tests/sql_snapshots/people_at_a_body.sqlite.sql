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
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, CASE WHEN (search_index.keys = :p1) THEN length(search_index.name) WHEN (search_index.name = :p2) THEN :p3 + length(search_index.name) WHEN search_index.rowid IN (SELECT rowid FROM search_index WHERE search_index MATCH :p4) THEN :p5 + length(search_index.name) ELSE :p6 + coalesce(length(search_index.body), :p7) END AS rank 
FROM search_index 
WHERE search_index MATCH :p8 AND search_index.kind = :p9) AS anon_2) ORDER BY person.name ASC, person.slug ASC
 LIMIT :p10 OFFSET :p11)
SELECT json_quote((SELECT count(*) AS count_1 
FROM person 
WHERE (EXISTS (SELECT * 
FROM representation AS seat 
WHERE seat.person_id = person.id AND seat.organization_id IN (SELECT (SELECT organization.id 
FROM organization 
WHERE organization.slug = :p14) AS anon_1 UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = (SELECT organization.id 
FROM organization 
WHERE organization.slug = :p14)))) AND person.slug IN (SELECT anon_2.slug 
FROM (SELECT search_index.kind AS kind, search_index.slug AS slug, CASE WHEN (search_index.keys = :p15) THEN length(search_index.name) WHEN (search_index.name = :p16) THEN :p17 + length(search_index.name) WHEN search_index.rowid IN (SELECT rowid FROM search_index WHERE search_index MATCH :p18) THEN :p19 + length(search_index.name) ELSE :p20 + coalesce(length(search_index.body), :p21) END AS rank 
FROM search_index 
WHERE search_index MATCH :p22 AND search_index.kind = :p23) AS anon_2))) AS answer_1, (SELECT json_group_array(json_object('slug', t3.slug, 'representations', (SELECT json_group_array(json_object('role', t4.role, 'designation', CASE WHEN nullif(t4.designation, '') IS NULL OR nullif(t4.designation, '') IN ('PRIMARY', 'ALTERNATE') THEN nullif(t4.designation, '') ELSE gql_invalid(nullif(t4.designation, '')) END, 'onBehalfOf', json_object('slug', t5.slug))) FROM (SELECT t4.role AS role, t4.designation AS designation, t4.on_behalf_of_id AS on_behalf_of_id FROM representation t4 WHERE t4.person_id = t3.id ORDER BY CASE WHEN (t4.designation = 'PRIMARY') THEN 0 WHEN (t4.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t4.slug) t4 LEFT JOIN organization t5 ON t5.id = t4.on_behalf_of_id))) FROM (SELECT it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p12 AS BIGINT)) it2 ORDER BY it2.k0 ASC, it2.k1 ASC) it2 LEFT JOIN person t3 ON t3.id = it2.id) AS answer_2
-- answer: {"people":{"totalCount":<1>,"nodes":<2>}}
-- :p0 = 'nasem'
-- :p1 = 'forum'
-- :p2 = 'forum'
-- :p3 = 1000000
-- :p4 = '{keys name} : ("forum"*)'
-- :p5 = 2000000
-- :p6 = 3000000
-- :p7 = 0
-- :p8 = '"forum"*'
-- :p9 = 'Person'
-- :p10 = 11
-- :p11 = 0
-- :p12 = 10
-- :p13 = 10
-- :p14 = 'nasem'
-- :p15 = 'forum'
-- :p16 = 'forum'
-- :p17 = 1000000
-- :p18 = '{keys name} : ("forum"*)'
-- :p19 = 2000000
-- :p20 = 3000000
-- :p21 = 0
-- :p22 = '"forum"*'
-- :p23 = 'Person'
