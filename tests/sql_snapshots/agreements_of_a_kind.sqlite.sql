SELECT (SELECT json_object('agreements', (SELECT json_group_array(json_object('title', t2.title, 'year', t2.year, 'source', CASE WHEN t2.source_quote IS NULL THEN NULL ELSE json_object('quote', t2.source_quote) END, 'establishes', CASE WHEN t5.id IS NULL THEN NULL ELSE json_object('slug', t5.slug) END)) FROM (SELECT t2.title AS title, t2.year AS year, t2.source_quote AS source_quote, t2.establishes_id AS establishes_id FROM agreement t2 WHERE t2.id IN (SELECT l3.agreement_id 
FROM agreement_party AS l3 
WHERE l3.organization_id IN (SELECT t1.id UNION ALL SELECT u4.id 
FROM organization AS u4 
WHERE u4.parent_id = t1.id)) AND t2.kind = CAST(:p1 AS TEXT) ORDER BY t2.year IS NULL, t2.year, t2.title, t2.slug) t2 LEFT JOIN organization t5 ON t5.id = t2.establishes_id)) FROM organization t1 WHERE t1.id = (SELECT id FROM organization WHERE slug = CAST(:p0 AS TEXT))) AS answer_1
-- answer: {"organization":<1>}
-- :p0 = 'isct'
-- :p1 = 'MEMORANDUM_OF_UNDERSTANDING'
