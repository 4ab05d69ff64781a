WITH level2 AS NOT MATERIALIZED (SELECT t1.id AS id, ('{"slug":' || coalesce(to_json(t1.slug)::text, 'null') || '}') AS j FROM organization t1),
level4 AS NOT MATERIALIZED (SELECT t3.id AS id, ('{"id":' || coalesce(to_json(rtrim(translate(encode(convert_to('Organization:' || t3.slug, 'UTF8'), 'base64'), E'+/\n', '-_'), '='))::text, 'null') || ',"__typename":' || coalesce(to_json('Organization'::text)::text, 'null') || '}') AS j FROM organization t3)
SELECT coalesce((SELECT j FROM level2 WHERE id = (SELECT id FROM organization WHERE slug = CAST(:p0 AS TEXT))), 'null') AS answer_1, ('[' || coalesce((SELECT j FROM level4 WHERE id = (SELECT id FROM organization WHERE slug = CAST(:p1 AS TEXT))), 'null') || ']') AS answer_2, coalesce((SELECT ('{"initiatives":' || (SELECT concat('[', string_agg(('{"organization":' || ('{"initiatives":' || (SELECT concat('[', string_agg(('{"name":' || coalesce(to_json(t8.name)::text, 'null') || ',"organizations":' || (SELECT concat('[', string_agg(('{"slug":' || coalesce(to_json(t14.slug)::text, 'null') || '}'), ',' ORDER BY s13.position), ']') FROM (SELECT s13.position AS position, s13.member AS member FROM (SELECT l12.organization_id AS member, l12.position AS position 
FROM initiative_organization AS l12 
WHERE l12.role = 'ORGANIZER' AND l12.initiative_id = t8.id) s13) s13 LEFT JOIN organization t14 ON t14.id = s13.member) || '}'), ',' ORDER BY t8.name, t8.slug), ']') FROM (SELECT t8.name AS name, t8.id AS id, t8.slug AS slug FROM initiative t8 WHERE t8.id IN (SELECT l9.initiative_id 
FROM initiative_organization AS l9 
WHERE l9.organization_id IN (SELECT t7.id UNION ALL SELECT u10.id 
FROM organization AS u10 
WHERE u10.parent_id = t7.id))) t8) || '}') || '}'), ',' ORDER BY CASE WHEN (t6.designation = 'PRIMARY') THEN 0 WHEN (t6.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t6.slug), ']') FROM (SELECT t6.designation AS designation, t6.slug AS slug, t6.organization_id AS organization_id FROM representation t6 WHERE t6.person_id = t5.id) t6 LEFT JOIN organization t7 ON t7.id = t6.organization_id) || '}') FROM person t5 WHERE t5.id = (SELECT id FROM person WHERE slug = CAST(:p2 AS TEXT))), 'null') AS answer_3
-- answer: {"a":<1>,"b":<2>,"c":<3>}
-- :p0 = 'fact'
-- :p1 = 'fact'
-- :p2 = 'patrick-hanley'
