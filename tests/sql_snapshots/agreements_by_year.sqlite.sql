WITH page1 AS MATERIALIZED (SELECT agreement.id, agreement.title AS k0, agreement.slug AS k1 
FROM agreement 
WHERE agreement.year >= :p0 AND agreement.year <= :p1 AND (EXISTS (SELECT * 
FROM agreement_party, organization 
WHERE agreement_party.agreement_id = agreement.id AND organization.id = agreement_party.organization_id AND organization.slug = :p2)) ORDER BY agreement.title ASC, agreement.slug ASC
 LIMIT :p3 OFFSET :p4),
level8 AS NOT MATERIALIZED (SELECT t7.id AS id, json_object('acronym', t7.acronym) AS j FROM organization t7),
level9 AS NOT MATERIALIZED (SELECT t3.id AS id, json_object('title', t3.title, 'kind', CASE WHEN t3.kind IS NULL OR t3.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t3.kind ELSE gql_invalid(t3.kind) END, 'parties', json((SELECT json_group_array(json(e)) FROM (SELECT (SELECT j FROM level8 WHERE id = s6.member) AS e FROM (SELECT l5.organization_id AS member, l5.position AS position 
FROM agreement_party AS l5 
WHERE l5.agreement_id = t3.id) s6 ORDER BY s6.position)))) AS j FROM agreement t3)
SELECT json_object('agreements', json_object('nodes', json((SELECT json_group_array(json(e)) FROM (SELECT (SELECT j FROM level9 WHERE id = it2.id) AS e FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p5 AS BIGINT)) it2 ORDER BY it2.k0 ASC, it2.k1 ASC)))))
-- :p0 = 2010
-- :p1 = 2020
-- :p2 = 'isct'
-- :p3 = 11
-- :p4 = 0
-- :p5 = 10
-- :p6 = 10
