WITH level2 AS NOT MATERIALIZED (SELECT t1.id AS id, json_build_object('slug', t1.slug) AS j FROM organization t1),
level4 AS NOT MATERIALIZED (SELECT t3.id AS id, json_build_object('id', rtrim(translate(encode(convert_to('Organization:' || t3.slug, 'UTF8'), 'base64'), E'+/\n', '-_'), '='), '__typename', 'Organization'::text) AS j FROM organization t3),
level15 AS NOT MATERIALIZED (SELECT t14.id AS id, json_build_object('slug', t14.slug) AS j FROM organization t14),
level16 AS NOT MATERIALIZED (SELECT t7.id AS id, json_build_object('initiatives', coalesce((SELECT json_agg(json_build_object('name', t8.name, 'organizations', coalesce((SELECT json_agg((SELECT j FROM level15 WHERE id = s13.member) ORDER BY s13.position) FROM (SELECT l12.organization_id AS member, l12.position AS position 
FROM initiative_organization AS l12 
WHERE l12.role = 'ORGANIZER' AND l12.initiative_id = t8.id) s13), '[]'::json)) ORDER BY t8.name, t8.slug) FROM initiative t8 WHERE t8.id IN (SELECT l9.initiative_id 
FROM initiative_organization AS l9 
WHERE l9.organization_id IN (SELECT t7.id UNION ALL SELECT u10.id 
FROM organization AS u10 
WHERE u10.parent_id = t7.id))), '[]'::json)) AS j FROM organization t7),
level17 AS NOT MATERIALIZED (SELECT t5.id AS id, json_build_object('initiatives', coalesce((SELECT json_agg(json_build_object('organization', (SELECT j FROM level16 WHERE id = t6.organization_id)) ORDER BY CASE WHEN (t6.designation = 'PRIMARY') THEN 0 WHEN (t6.designation = 'ALTERNATE') THEN 1 ELSE 2 END, t6.slug) FROM representation t6 WHERE t6.person_id = t5.id), '[]'::json)) AS j FROM person t5)
SELECT (json_build_object('a', (SELECT j FROM level2 WHERE id = (SELECT id FROM organization WHERE slug = CAST(:p0 AS TEXT))), 'b', json_build_array((SELECT j FROM level4 WHERE id = (SELECT id FROM organization WHERE slug = CAST(:p1 AS TEXT)))), 'c', (SELECT j FROM level17 WHERE id = (SELECT id FROM person WHERE slug = CAST(:p2 AS TEXT)))))::text
-- :p0 = 'fact'
-- :p1 = 'fact'
-- :p2 = 'patrick-hanley'
