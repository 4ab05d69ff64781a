WITH page1 AS MATERIALIZED (SELECT agreement.id, agreement.title AS k0, agreement.slug AS k1 
FROM agreement 
WHERE agreement.year >= :p0 AND agreement.year <= :p1 AND (EXISTS (SELECT * 
FROM agreement_party, organization 
WHERE agreement_party.agreement_id = agreement.id AND organization.id = agreement_party.organization_id AND organization.slug = :p2)) ORDER BY agreement.title ASC, agreement.slug ASC
 LIMIT :p3 OFFSET :p4)
SELECT json_group_array(json_object('title', t3.title, 'kind', CASE WHEN t3.kind IS NULL OR t3.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t3.kind ELSE gql_invalid(t3.kind) END, 'parties', (SELECT json_group_array(json_object('acronym', t7.acronym)) FROM (SELECT s6.member AS member FROM (SELECT l5.organization_id AS member, l5.position AS position 
FROM agreement_party AS l5 
WHERE l5.agreement_id = t3.id) s6 ORDER BY s6.position) s6 LEFT JOIN organization t7 ON t7.id = s6.member))) AS answer_1 FROM (SELECT it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p5 AS BIGINT)) it2 ORDER BY it2.k0 ASC, it2.k1 ASC) it2 LEFT JOIN agreement t3 ON t3.id = it2.id
-- answer: {"agreements":{"nodes":<1>}}
-- :p0 = 2010
-- :p1 = 2020
-- :p2 = 'isct'
-- :p3 = 11
-- :p4 = 0
-- :p5 = 10
-- :p6 = 10
