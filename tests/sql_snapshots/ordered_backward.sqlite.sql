WITH page1 AS MATERIALIZED (SELECT organization.id, coalesce(organization.founded_year, -10000) AS k0, organization.name AS k1, organization.slug AS k2 
FROM organization ORDER BY coalesce(organization.founded_year, -10000) ASC, organization.name ASC, organization.slug ASC
 LIMIT :p0 OFFSET :p1)
SELECT json(CASE WHEN (SELECT count(*) FROM page1) > CAST(:p3 AS BIGINT) THEN 'true' ELSE 'false' END) AS answer_1, json_quote((SELECT gql_cursor('organizations:founded_year:DESC', it2.k0, it2.k1, it2.k2) FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC, k2 ASC LIMIT CAST(:p2 AS BIGINT)) it2 ORDER BY it2.k0 DESC, it2.k1 DESC, it2.k2 DESC LIMIT 1)) AS answer_2, (SELECT json_group_array(json_object('slug', t3.slug, 'foundedYear', t3.founded_year)) FROM (SELECT it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC, k2 ASC LIMIT CAST(:p2 AS BIGINT)) it2 ORDER BY it2.k0 DESC, it2.k1 DESC, it2.k2 DESC) it2 LEFT JOIN organization t3 ON t3.id = it2.id) AS answer_3
-- answer: {"organizations":{"pageInfo":{"hasPreviousPage":<1>,"startCursor":<2>},"nodes":<3>}}
-- :p0 = 4
-- :p1 = 0
-- :p2 = 3
-- :p3 = 3
