WITH level2 AS NOT MATERIALIZED (SELECT t1.id AS id, json_object('slug', t1.slug) AS j FROM organization t1),
level4 AS NOT MATERIALIZED (SELECT t3.id AS id, json_object('id', gql_id('Organization', t3.slug), '__typename', 'Organization') AS j FROM organization t3)
SELECT json((SELECT j FROM level2 WHERE id = (SELECT id FROM organization WHERE slug = CAST(:p0 AS TEXT)))) AS answer_1, json_array(json(json((SELECT j FROM level4 WHERE id = (SELECT id FROM organization WHERE slug = CAST(:p1 AS TEXT)))))) AS answer_2, (SELECT json_object('initiatives', (SELECT json_group_array(json_object('organization', json_object('initiatives', (SELECT json_group_array(json_object('name', t8.name, 'organizations', (SELECT json_group_array(json_object('slug', t14.slug)) FROM (SELECT s13.member AS member FROM (SELECT l12.organization_id AS member, l12.position AS position 
FROM initiative_organization AS l12 
WHERE l12.role = 'ORGANIZER' AND l12.initiative_id = t8.id) s13 ORDER BY s13.position) s13 LEFT JOIN organization t14 ON t14.id = s13.member))) FROM (SELECT t8.name AS name, t8.id AS id FROM initiative t8 WHERE t8.id IN (SELECT l9.initiative_id 
FROM initiative_organization AS l9 
WHERE l9.organization_id IN (SELECT t7.id UNION ALL SELECT u10.id 
FROM organization AS u10 
WHERE u10.parent_id = t7.id)) ORDER BY t8.name, t8.slug) t8)))) FROM (SELECT t6.organization_id AS organization_id FROM representation t6 WHERE t6.person_id = t5.id ORDER BY CASE WHEN (t6.designation = 'PRIMARY') THEN 0 WHEN (t6.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t6.slug) t6 LEFT JOIN organization t7 ON t7.id = t6.organization_id)) FROM person t5 WHERE t5.id = (SELECT id FROM person WHERE slug = CAST(:p2 AS TEXT))) AS answer_3
-- answer: {"a":<1>,"b":<2>,"c":<3>}
-- :p0 = 'fact'
-- :p1 = 'fact'
-- :p2 = 'patrick-hanley'
