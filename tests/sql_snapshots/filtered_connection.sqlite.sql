WITH page1 AS MATERIALIZED (SELECT organization.id, organization.name AS k0, organization.slug AS k1 
FROM organization 
WHERE organization.category = :p0 AND (EXISTS (SELECT * 
FROM organization_region 
WHERE organization_region.organization_id = organization.id AND organization_region.region_key = :p1)) AND (EXISTS (SELECT agreement_party_1.agreement_id 
FROM agreement_party AS agreement_party_1 
WHERE agreement_party_1.organization_id IN (SELECT organization.id UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = organization.id) AND agreement_party_1.agreement_id IN (SELECT agreement.id 
FROM agreement 
WHERE agreement.kind = :p2))) AND (organization.name, organization.slug) > (:p3, :p4) ORDER BY organization.name ASC, organization.slug ASC
 LIMIT :p5 OFFSET :p6)
SELECT json_quote((SELECT count(*) AS count_1 
FROM organization 
WHERE organization.category = :p9 AND (EXISTS (SELECT * 
FROM organization_region 
WHERE organization_region.organization_id = organization.id AND organization_region.region_key = :p10)) AND (EXISTS (SELECT agreement_party_1.agreement_id 
FROM agreement_party AS agreement_party_1 
WHERE agreement_party_1.organization_id IN (SELECT organization.id UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = organization.id) AND agreement_party_1.agreement_id IN (SELECT agreement.id 
FROM agreement 
WHERE agreement.kind = :p11))))) AS answer_1, json(CASE WHEN (SELECT count(*) FROM page1) > CAST(:p8 AS BIGINT) THEN 'true' ELSE 'false' END) AS answer_2, json_quote((SELECT gql_cursor('organizations:name:ASC', it2.k0, it2.k1) FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p7 AS BIGINT)) it2 ORDER BY it2.k0 DESC, it2.k1 DESC LIMIT 1)) AS answer_3, (SELECT json_group_array(json_object('cursor', gql_cursor('organizations:name:ASC', it2.k0, it2.k1), 'node', json_object('slug', t3.slug))) FROM (SELECT it2.k0 AS k0, it2.k1 AS k1, it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p7 AS BIGINT)) it2 ORDER BY it2.k0 ASC, it2.k1 ASC) it2 LEFT JOIN organization t3 ON t3.id = it2.id) AS answer_4
-- answer: {"organizations":{"totalCount":<1>,"pageInfo":{"hasNextPage":<2>,"endCursor":<3>},"edges":<4>}}
-- :p0 = 'PARTNER'
-- :p1 = 'europe'
-- :p2 = 'MEMBERSHIP'
-- :p3 = 'FACT'
-- :p4 = 'fact'
-- :p5 = 6
-- :p6 = 0
-- :p7 = 5
-- :p8 = 5
-- :p9 = 'PARTNER'
-- :p10 = 'europe'
-- :p11 = 'MEMBERSHIP'
