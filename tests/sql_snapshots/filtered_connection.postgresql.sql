WITH page1 AS MATERIALIZED (SELECT organization.id, organization.name AS k0, organization.slug AS k1 
FROM organization 
WHERE organization.category = CAST(:p0 AS VARCHAR) AND (EXISTS (SELECT * 
FROM organization_region 
WHERE organization_region.organization_id = organization.id AND organization_region.region_key = CAST(:p1 AS VARCHAR))) AND (EXISTS (SELECT agreement_party_1.agreement_id 
FROM agreement_party AS agreement_party_1 
WHERE agreement_party_1.organization_id IN (SELECT organization.id UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = organization.id) AND agreement_party_1.agreement_id IN (SELECT agreement.id 
FROM agreement 
WHERE agreement.kind = CAST(:p2 AS VARCHAR)))) AND (organization.name, organization.slug) > (CAST(:p3 AS VARCHAR), CAST(:p4 AS VARCHAR)) ORDER BY organization.name ASC, organization.slug ASC 
 LIMIT CAST(:p5 AS INTEGER))
SELECT coalesce(to_json((SELECT count(*) AS count_1 
FROM organization 
WHERE organization.category = CAST(:p8 AS VARCHAR) AND (EXISTS (SELECT * 
FROM organization_region 
WHERE organization_region.organization_id = organization.id AND organization_region.region_key = CAST(:p9 AS VARCHAR))) AND (EXISTS (SELECT agreement_party_1.agreement_id 
FROM agreement_party AS agreement_party_1 
WHERE agreement_party_1.organization_id IN (SELECT organization.id UNION ALL SELECT organization_1.id 
FROM organization AS organization_1 
WHERE organization_1.parent_id = organization.id) AND agreement_party_1.agreement_id IN (SELECT agreement.id 
FROM agreement 
WHERE agreement.kind = CAST(:p10 AS VARCHAR))))))::text, 'null') AS answer_1, CASE WHEN (SELECT count(*) FROM page1) > CAST(:p7 AS BIGINT) THEN 'true' ELSE 'false' END AS answer_2, coalesce(to_json((SELECT rtrim(translate(encode(convert_to('[' || to_json('organizations:name:ASC'::text)::text || ',' || to_json((it2.k0)::text)::text || ',' || to_json((it2.k1)::text)::text || ']', 'UTF8'), 'base64'), E'+/\n', '-_'), '=') FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p6 AS BIGINT)) it2 ORDER BY it2.k0 DESC, it2.k1 DESC LIMIT 1))::text, 'null') AS answer_3, (SELECT concat('[', string_agg(('{"cursor":' || coalesce(to_json(rtrim(translate(encode(convert_to('[' || to_json('organizations:name:ASC'::text)::text || ',' || to_json((it2.k0)::text)::text || ',' || to_json((it2.k1)::text)::text || ']', 'UTF8'), 'base64'), E'+/\n', '-_'), '='))::text, 'null') || ',"node":' || ('{"slug":' || coalesce(to_json(t3.slug)::text, 'null') || '}') || '}'), ',' ORDER BY it2.k0 ASC, it2.k1 ASC), ']') FROM (SELECT it2.k0 AS k0, it2.k1 AS k1, it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p6 AS BIGINT)) it2) it2 LEFT JOIN organization t3 ON t3.id = it2.id) AS answer_4
-- answer: {"organizations":{"totalCount":<1>,"pageInfo":{"hasNextPage":<2>,"endCursor":<3>},"edges":<4>}}
-- :p0 = 'PARTNER'
-- :p1 = 'europe'
-- :p2 = 'MEMBERSHIP'
-- :p3 = 'FACT'
-- :p4 = 'fact'
-- :p5 = 6
-- :p6 = 5
-- :p7 = 5
-- :p8 = 'PARTNER'
-- :p9 = 'europe'
-- :p10 = 'MEMBERSHIP'
