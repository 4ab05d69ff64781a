WITH page1 AS MATERIALIZED (SELECT agreement.id, agreement.title AS k0, agreement.slug AS k1 
FROM agreement 
WHERE agreement.year >= CAST(:p0 AS INTEGER) AND agreement.year <= CAST(:p1 AS INTEGER) AND (EXISTS (SELECT * 
FROM agreement_party, organization 
WHERE agreement_party.agreement_id = agreement.id AND organization.id = agreement_party.organization_id AND organization.slug = CAST(:p2 AS VARCHAR))) ORDER BY agreement.title ASC, agreement.slug ASC 
 LIMIT CAST(:p3 AS INTEGER))
SELECT concat('[', string_agg(('{"title":' || coalesce(to_json(t3.title)::text, 'null') || ',"kind":' || coalesce(to_json(CASE WHEN t3.kind IS NULL OR t3.kind IN ('CO_FOUNDING', 'MEMORANDUM_OF_UNDERSTANDING', 'MEMBERSHIP', 'LIAISON', 'COLLABORATION', 'AFFILIATION', 'PARTICIPATION') THEN t3.kind ELSE CAST('not an enum value: ' || t3.kind AS INTEGER)::text END)::text, 'null') || ',"parties":' || (SELECT concat('[', string_agg(('{"acronym":' || coalesce(to_json(t7.acronym)::text, 'null') || '}'), ',' ORDER BY s6.position), ']') FROM (SELECT s6.position AS position, s6.member AS member FROM (SELECT l5.organization_id AS member, l5.position AS position 
FROM agreement_party AS l5 
WHERE l5.agreement_id = t3.id) s6) s6 LEFT JOIN organization t7 ON t7.id = s6.member) || '}'), ',' ORDER BY it2.k0 ASC, it2.k1 ASC), ']') AS answer_1 FROM (SELECT it2.k0 AS k0, it2.k1 AS k1, it2.id AS id FROM (SELECT * FROM page1 ORDER BY k0 ASC, k1 ASC LIMIT CAST(:p4 AS BIGINT)) it2) it2 LEFT JOIN agreement t3 ON t3.id = it2.id
-- answer: {"agreements":{"nodes":<1>}}
-- :p0 = 2010
-- :p1 = 2020
-- :p2 = 'isct'
-- :p3 = 11
-- :p4 = 10
-- :p5 = 10
