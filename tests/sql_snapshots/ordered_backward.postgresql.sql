WITH page1 AS MATERIALIZED (SELECT organization.id, coalesce(organization.founded_year, -10000) AS k0, organization.name AS k1, organization.slug AS k2 
FROM organization ORDER BY coalesce(organization.founded_year, -10000) ASC, organization.name ASC, organization.slug ASC 
 LIMIT CAST(:p0 AS INTEGER))
SELECT CASE WHEN (SELECT count(*) FROM page1) > CAST(:p2 AS BIGINT) THEN 'true' ELSE 'false' END AS answer_1, coalesce(to_json((SELECT rtrim(translate(encode(convert_to('[' || to_json('organizations:founded_year:DESC'::text)::text || ',' || (it2.k0)::text || ',' || to_json((it2.k1)::text)::text || ',' || to_json((it2.k2)::text)::text || ']', 'UTF8'), 'base64'), E'+/\n', '-_'), '=') FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC, k2 ASC LIMIT CAST(:p1 AS BIGINT)) it2 ORDER BY it2.k0 DESC, it2.k1 DESC, it2.k2 DESC LIMIT 1))::text, 'null') AS answer_2, (SELECT concat('[', string_agg(('{"slug":' || coalesce(to_json(t3.slug)::text, 'null') || ',"foundedYear":' || coalesce(to_json(t3.founded_year)::text, 'null') || '}'), ',' ORDER BY it2.k0 DESC, it2.k1 DESC, it2.k2 DESC), ']') FROM (SELECT it2.k0 AS k0, it2.k1 AS k1, it2.k2 AS k2, it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC, k2 ASC LIMIT CAST(:p1 AS BIGINT)) it2) it2 LEFT JOIN organization t3 ON t3.id = it2.id) AS answer_3
-- answer: {"organizations":{"pageInfo":{"hasPreviousPage":<1>,"startCursor":<2>},"nodes":<3>}}
-- :p0 = 4
-- :p1 = 3
-- :p2 = 3
