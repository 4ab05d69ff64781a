WITH level6 AS NOT MATERIALIZED (SELECT t5.id AS id, json_object('slug', t5.slug) AS j FROM organization t5),
level7 AS NOT MATERIALIZED (SELECT t1.id AS id, json_object('agreements', json((SELECT json_group_array(json(e)) FROM (SELECT json_object('title', t2.title, 'year', t2.year, 'source', json(CASE WHEN t2.source_quote IS NULL THEN NULL ELSE json_object('quote', t2.source_quote) END), 'establishes', json((SELECT j FROM level6 WHERE id = t2.establishes_id))) AS e FROM agreement t2 WHERE t2.id IN (SELECT l3.agreement_id 
FROM agreement_party AS l3 
WHERE l3.organization_id IN (SELECT t1.id UNION ALL SELECT u4.id 
FROM organization AS u4 
WHERE u4.parent_id = t1.id)) AND t2.kind = CAST(:p1 AS TEXT) ORDER BY t2.year IS NULL, t2.year, t2.title, t2.slug)))) AS j FROM organization t1)
SELECT json_object('organization', json((SELECT j FROM level7 WHERE id = (SELECT id FROM organization WHERE slug = CAST(:p0 AS TEXT)))))
-- :p0 = 'isct'
-- :p1 = 'MEMORANDUM_OF_UNDERSTANDING'
