WITH page1 AS MATERIALIZED (SELECT agreement.id, agreement.title AS k0, agreement.slug AS k1 
FROM agreement 
WHERE agreement.year >= CAST(:p0 AS INTEGER) AND agreement.year <= CAST(:p1 AS INTEGER) AND (EXISTS (SELECT * 
FROM agreement_party, organization 
WHERE agreement_party.agreement_id = agreement.id AND organization.id = agreement_party.organization_id AND organization.slug = CAST(:p2 AS VARCHAR))) ORDER BY agreement.title ASC, agreement.slug ASC 
 LIMIT CAST(:p3 AS INTEGER)),
level8 AS NOT MATERIALIZED (SELECT t7.id AS id, json_build_object('acronym', t7.acronym) AS j FROM organization t7),
level9 AS NOT MATERIALIZED (SELECT t3.id AS id, json_build_object('title', t3.title, 'kind', CASE WHEN t3.kind IS NULL OR t3.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t3.kind ELSE CAST('not an enum value: ' || t3.kind AS INTEGER)::text END, 'parties', coalesce((SELECT json_agg((SELECT j FROM level8 WHERE id = s6.member) ORDER BY s6.position) FROM (SELECT l5.organization_id AS member, l5.position AS position 
FROM agreement_party AS l5 
WHERE l5.agreement_id = t3.id) s6), '[]'::json)) AS j FROM agreement t3)
SELECT (json_build_object('agreements', json_build_object('nodes', coalesce((SELECT json_agg((SELECT j FROM level9 WHERE id = it2.id) ORDER BY it2.k0 ASC, it2.k1 ASC) FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p4 AS BIGINT)) it2), '[]'::json))))::text
-- :p0 = 2010
-- :p1 = 2020
-- :p2 = 'isct'
-- :p3 = 11
-- :p4 = 10
-- :p5 = 10
