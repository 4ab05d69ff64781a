WITH page1 AS MATERIALIZED (SELECT organization.id, coalesce(organization.founded_year, -10000) AS k0, organization.name AS k1, organization.slug AS k2 
FROM organization ORDER BY coalesce(organization.founded_year, -10000) ASC, organization.name ASC, organization.slug ASC 
 LIMIT CAST(:p0 AS INTEGER)),
level4 AS NOT MATERIALIZED (SELECT t3.id AS id, json_build_object('slug', t3.slug, 'foundedYear', t3.founded_year) AS j FROM organization t3)
SELECT (json_build_object('organizations', json_build_object('pageInfo', json_build_object('hasPreviousPage', ((SELECT count(*) FROM page1) > CAST(:p2 AS BIGINT)), 'startCursor', (SELECT rtrim(translate(encode(convert_to('[' || to_json('organizations:founded_year:DESC'::text)::text || ',' || (it2.k0)::text || ',' || to_json((it2.k1)::text)::text || ',' || to_json((it2.k2)::text)::text || ']', 'UTF8'), 'base64'), E'+/\n', '-_'), '=') FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC, k2 ASC LIMIT CAST(:p1 AS BIGINT)) it2 ORDER BY it2.k0 DESC, it2.k1 DESC, it2.k2 DESC LIMIT 1)), 'nodes', coalesce((SELECT json_agg((SELECT j FROM level4 WHERE id = it2.id) ORDER BY it2.k0 DESC, it2.k1 DESC, it2.k2 DESC) FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC, k2 ASC LIMIT CAST(:p1 AS BIGINT)) it2), '[]'::json))))::text
-- :p0 = 4
-- :p1 = 3
-- :p2 = 3
