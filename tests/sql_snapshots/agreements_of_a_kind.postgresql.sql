SELECT coalesce((SELECT ('{"agreements":' || (SELECT concat('[', string_agg(('{"title":' || coalesce(to_json(t2.title)::text, 'null') || ',"year":' || coalesce(to_json(t2.year)::text, 'null') || ',"source":' || CASE WHEN t2.source_quote IS NULL THEN 'null' ELSE ('{"quote":' || coalesce(to_json(t2.source_quote)::text, 'null') || '}') END || ',"establishes":' || CASE WHEN t5.id IS NULL THEN 'null' ELSE ('{"slug":' || coalesce(to_json(t5.slug)::text, 'null') || '}') END || '}'), ',' ORDER BY t2.year IS NULL, t2.year, t2.title, t2.slug), ']') FROM (SELECT t2.title AS title, t2.year AS year, t2.source_quote AS source_quote, t2.slug AS slug, t2.establishes_id AS establishes_id FROM agreement t2 WHERE t2.id IN (SELECT l3.agreement_id 
FROM agreement_party AS l3 
WHERE l3.organization_id IN (SELECT t1.id UNION ALL SELECT u4.id 
FROM organization AS u4 
WHERE u4.parent_id = t1.id)) AND t2.kind = CAST(:p1 AS TEXT)) t2 LEFT JOIN organization t5 ON t5.id = t2.establishes_id) || '}') FROM organization t1 WHERE t1.id = (SELECT id FROM organization WHERE slug = CAST(:p0 AS TEXT))), 'null') AS answer_1
-- answer: {"organization":<1>}
-- :p0 = 'isct'
-- :p1 = 'MEMORANDUM_OF_UNDERSTANDING'
