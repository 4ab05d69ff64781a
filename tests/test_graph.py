"""`path`, `neighborhood` and `asOf` (docs/graph.md) checked against networkx.

The service answers each graph question with one recursive SQL statement. Here the same rows
are read with plain SELECTs, the ties are built in Python as docs/graph.md words them, and
networkx does the search (tests/utils/graph_reference.py). Every answer is compared whole:
the paths and their order, each step's tie and what it names, each neighbour's distance and
`via`, counts and pages. Expected answers are never written out by hand, except for what
the source page plainly states (EBMT reaches FACT through ISCT in two steps, NASEM is tied
to ISCT by its Forum's membership...), which checks the reference itself.

The curated directory gives readable cases; seeded random questions over synthetic
directories (hubs, units, people with two seats, dated and undated facts) cover the rest.
"""

import itertools
import json
import random
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import pytest

from tests.conftest import RECORDER, GraphQL
from tests.utils import bad_user_inputs, ok
from tests.utils.graph_reference import KINDS, Network, Rows, read_rows, standing_agreements

pytestmark = pytest.mark.read_only

TIE = "kind from { slug } to { slug } agreement { slug } person { slug } seats { slug }"
PATH = f"length organizations {{ slug }} ties {{ {TIE} }}"
NEIGHBORHOOD = f"""totalCount
  edges {{ cursor node {{ distance organization {{ slug }} via {{ {TIE} }} }} }}
  pageInfo {{ hasNextPage endCursor }}"""
BATCH = 10  # questions per request at most, as aliases: well under the alias limit
# The most weight (see `weight`) one request carries: the selections above cost about 28
# objects per unit for a path and 60 for a neighbourhood, against a MAX_COST of 50,000.
BUDGET = {"path": 1400, "neighborhood": 700}
YEARS = (1995, 1997, 2004, 2016, 2030)
VIA_SUBSETS: tuple[tuple[str, ...], ...] = (
    KINDS,
    ("AGREEMENT",),
    ("AGREEMENT", "CO_FOUNDING"),
    ("UNIT",),
    ("SHARED_PERSON",),
    ("SEAT",),
    ("SHARED_PERSON", "SEAT"),
    ("AGREEMENT", "UNIT", "SHARED_PERSON"),
    ("CO_FOUNDING", "UNIT", "SEAT"),
)
ENUM_ARGUMENTS = ("via", "agreementKinds")


def literal(name: str, value: Any) -> str:
    """An argument value written into the document (enum lists bare, the rest as JSON)."""
    if name in ENUM_ARGUMENTS:
        return "[" + ", ".join(value) + "]"
    return json.dumps(value)


def call(field: str, arguments: dict[str, Any]) -> str:
    written = ", ".join(f"{name}: {literal(name, value)}" for name, value in arguments.items())
    return f"{field}({written})" if written else field


class Reference:
    """The reference answers for one database, one networkx graph per (via, kinds, year)."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.network = cache(self._network)

    def _network(
        self, via: tuple[str, ...], kinds: tuple[str, ...] | None, as_of: int | None
    ) -> Network:
        return Network(self.rows, via, kinds, as_of)

    def of(self, question: dict[str, Any]) -> Network:
        kinds = question.get("agreementKinds")
        return self.network(
            tuple(question.get("via", KINDS)),
            None if kinds is None else tuple(kinds),
            question.get("asOf"),
        )

    def paths(self, question: dict[str, Any]) -> list[Any]:
        """What `path` must answer for these arguments (the defaults of docs/graph.md)."""
        return self.of(question).paths(
            question["from"], question["to"], question.get("maxHops", 4), question.get("first", 10)
        )

    def neighbours(self, question: dict[str, Any]) -> list[dict[str, Any]]:
        """Every neighbour `neighborhood` must list, over all its pages."""
        return self.of(question).neighborhood(question["of"], question.get("hops", 2))

    def page(self, question: dict[str, Any]) -> dict[str, Any]:
        """The first page `neighborhood` must answer, less the opaque cursors."""
        every = self.neighbours(question)
        first = question.get("first", 100)
        return {
            "totalCount": len(every),
            "nodes": every[:first],
            "hasNextPage": len(every) > first,
        }


@pytest.fixture
async def reference(database_url: str) -> Reference:
    """The reference over the rows of the database the app under test reads."""
    return Reference(await read_rows(database_url))


@pytest.fixture
def synthetic_gql(gql: GraphQL) -> GraphQL:
    """`gql`, unrecorded: the session replay (tests/test_differential.py) sends what it
    records again on the curated directory, where synthetic slugs name nothing, so these
    requests would only compare refusals there."""

    async def run(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        with RECORDER.paused():
            return await gql(query, variables)

    return run


def weight(field: str, question: dict[str, Any]) -> int:
    """What the cost model counts a question as, up to a factor (docs/graph.md, Limits)."""
    if field == "path":
        return int(question.get("first", 10)) * (int(question.get("maxHops", 4)) + 1)
    return int(question.get("first", 100))


def batches(field: str, questions: Sequence[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """The questions in order, grouped so each request stays under the alias and cost
    limits: at most BATCH questions, and at most BUDGET[field] of weight (or one)."""
    batch: list[dict[str, Any]] = []
    for question in questions:
        full = len(batch) == BATCH
        if batch and (full or sum(weight(field, q) for q in [*batch, question]) > BUDGET[field]):
            yield batch
            batch = []
        batch.append(question)
    if batch:
        yield batch


async def ask(gql: GraphQL, field: str, selection: str, questions: Sequence[dict[str, Any]]):
    """Each question's answer, several questions per request (one alias each)."""
    answers: list[Any] = []
    for batch in batches(field, questions):
        fields = "\n".join(
            f"q{i}: {call(field, question)} {{ {selection} }}" for i, question in enumerate(batch)
        )
        data = ok(await gql(f"{{ {fields} }}"))
        answers.extend(data[f"q{i}"] for i in range(len(batch)))
    return answers


async def ask_paths(gql: GraphQL, questions: Sequence[dict[str, Any]]) -> list[Any]:
    return await ask(gql, "path", PATH, questions)


async def ask_pages(gql: GraphQL, questions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each question's first page, in the shape `Reference.page` gives (cursors checked
    here: one per edge, distinct, the last one `endCursor`)."""
    pages = []
    for connection in await ask(gql, "neighborhood", NEIGHBORHOOD, questions):
        cursors = [edge["cursor"] for edge in connection["edges"]]
        assert len(set(cursors)) == len(cursors), connection
        assert connection["pageInfo"]["endCursor"] == (cursors[-1] if cursors else None)
        pages.append(
            {
                "totalCount": connection["totalCount"],
                "nodes": [edge["node"] for edge in connection["edges"]],
                "hasNextPage": connection["pageInfo"]["hasNextPage"],
            }
        )
    return pages


async def check_paths(gql: GraphQL, reference: Reference, questions: list[dict[str, Any]]):
    """Every question's paths equal the reference's, compared one question at a time so a
    failure names the question."""
    for question, got in zip(questions, await ask_paths(gql, questions), strict=True):
        assert got == reference.paths(question), question


async def check_pages(gql: GraphQL, reference: Reference, questions: list[dict[str, Any]]):
    for question, got in zip(questions, await ask_pages(gql, questions), strict=True):
        assert got == reference.page(question), question


async def walk(gql: GraphQL, question: dict[str, Any], size: int) -> list[dict[str, Any]]:
    """Every page of a neighbourhood, `size` at a time, each found by the cursor the page
    before gave; totalCount the same on every page."""
    nodes: list[dict[str, Any]] = []
    totals = set()
    after: str | None = None
    for _ in range(1000):
        arguments = {**question, "first": size} | ({"after": after} if after else {})
        (connection,) = await ask(gql, "neighborhood", NEIGHBORHOOD, [arguments])
        totals.add(connection["totalCount"])
        nodes.extend(edge["node"] for edge in connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            assert len(totals) == 1, totals
            assert totals == {len(nodes)}, (totals, len(nodes))
            return nodes
        assert len(connection["edges"]) == size, connection
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("paging does not end")


def slugs(reference: Reference) -> list[str]:
    return sorted(o.slug for o in reference.rows.organizations.values())


# --- the source page's own statements -------------------------------------------------------


async def test_ebmt_reaches_fact_through_isct_in_two_hops(gql: GraphQL, reference: Reference):
    """The page's example: EBMT and FACT are connected through ISCT (EBMT's collaboration
    with ISCT, then ISCT's co-founding of FACT), and by nothing shorter."""
    question = {"from": "ebmt", "to": "fact", "maxHops": 4}
    (got,) = await ask_paths(gql, [question])
    assert got == reference.paths(question)
    assert {p["length"] for p in got} == {2}
    assert ["ebmt", "isct", "fact"] in [[o["slug"] for o in p["organizations"]] for p in got]


async def test_a_unit_ties_its_parent(gql: GraphQL, reference: Reference):
    """NASEM is tied to ISCT by its Forum's membership (rolled up, still naming the Forum's
    agreement), and to the Forum itself by a UNIT tie; ISCT's own units are one UNIT step
    from ISCT."""
    questions = [
        {"from": "nasem", "to": "isct"},
        {"from": "isct", "to": "nasem"},
        {"from": "nasem", "to": "isct", "via": ["AGREEMENT"]},
        {"from": "nasem", "to": "isct", "via": ["SEAT"]},
        {"from": "nasem", "to": "nasem-forum-on-regenerative-medicine"},
        {"from": "nasem-forum-on-regenerative-medicine", "to": "nasem", "via": ["UNIT"]},
        {"from": "isct-europe", "to": "isct", "via": ["UNIT"]},
        {"from": "isct", "to": "isct-commercialization-committee", "via": ["UNIT"]},
        {"from": "ctlag", "to": "iccbba", "via": ["UNIT"]},
        {"from": "iccbba", "to": "isct", "via": ["SEAT"]},
    ]
    got = await ask_paths(gql, questions)
    for question, answer in zip(questions, got, strict=True):
        assert answer == reference.paths(question), question
        assert [p["length"] for p in answer] == [1], question
    (membership,) = got[2]
    assert membership["ties"][0]["agreement"] == {"slug": "isct-nasem-forum-membership"}
    assert got[5][0]["ties"][0]["kind"] == "UNIT"


async def test_seats_on_isct_commercialization_committee(gql: GraphQL, reference: Reference):
    """CARM and FIRM each hold a seat on ISCT's Commercialization Committee: a SEAT tie to
    the committee, rolled up to ISCT, naming the seat and its holder."""
    questions = [
        {"from": org, "to": to, "via": ["SEAT"]}
        for org in ("carm", "firm")
        for to in ("isct-commercialization-committee", "isct")
    ] + [{"from": "isct", "to": org, "via": ["SEAT"]} for org in ("carm", "firm")]
    got = await ask_paths(gql, questions)
    for question, answer in zip(questions, got, strict=True):
        assert answer == reference.paths(question), question
        assert [p["length"] for p in answer] == [1], question
    holders = {"carm": "antonio-lee", "firm": "yoshie-tsurumaki"}
    for question, answer in zip(questions, got, strict=True):
        org = question["from"] if question["from"] != "isct" else question["to"]
        assert answer[0]["ties"][0]["person"] == {"slug": holders[org]}, question
        assert len(answer[0]["ties"][0]["seats"]) == 1, question


async def test_people_with_two_seats_tie_their_bodies(gql: GraphQL, reference: Reference):
    """Patrick Hanley sits at FACT and at NASEM's Forum (so FACT is also tied to NASEM,
    rolled up); Fermín Sánchez-Guijo at JACIE and WBMT. The seats come from's side first,
    so they swap with the direction."""
    pairs = [
        ("fact", "nasem-forum-on-regenerative-medicine", "patrick-hanley"),
        ("fact", "nasem", "patrick-hanley"),
        ("jacie", "wbmt", "fermin-sanchez-guijo"),
    ]
    questions = [
        {"from": a, "to": b, "via": ["SHARED_PERSON"]}
        for x, y, _ in pairs
        for a, b in ((x, y), (y, x))
    ]
    got = await ask_paths(gql, questions)
    for question, answer in zip(questions, got, strict=True):
        assert answer == reference.paths(question), question
    for (_, _, person), forward, backward in zip(pairs, got[::2], got[1::2], strict=True):
        (one,), (other,) = forward, backward
        assert one["length"] == 1
        assert one["ties"][0]["person"] == other["ties"][0]["person"] == {"slug": person}
        assert one["ties"][0]["seats"] == other["ties"][0]["seats"][::-1]
        assert len(one["ties"][0]["seats"]) == 2


async def test_several_ties_between_two_bodies_are_one_step(gql: GraphQL, reference: Reference):
    """ISCT and EBMT share a co-founding agreement, a collaboration and an MOU: one path of
    one step, naming the tie that sorts first; `agreementKinds` and `via` change which."""
    questions: list[dict[str, Any]] = [
        {"from": "isct", "to": "ebmt"},
        {"from": "ebmt", "to": "isct"},
        {"from": "isct", "to": "ebmt", "agreementKinds": ["MEMORANDUM_OF_UNDERSTANDING"]},
        {"from": "isct", "to": "ebmt", "agreementKinds": ["CO_FOUNDING"]},
        {"from": "isct", "to": "ebmt", "agreementKinds": ["COLLABORATION", "CO_FOUNDING"]},
        {"from": "isct", "to": "ebmt", "asOf": 2016},
        {"from": "isct", "to": "fact"},
        {"from": "isct", "to": "fact", "via": ["SEAT"]},
        {"from": "isct", "to": "carm"},
        {"from": "isct", "to": "carm", "asOf": 2016},
        {"from": "isct", "to": "carm", "agreementKinds": ["MEMBERSHIP"]},
    ]
    got = await ask_paths(gql, questions)
    for question, answer in zip(questions, got, strict=True):
        assert answer == reference.paths(question), question
        assert [p["length"] for p in answer] == [1], question


async def test_no_connection_is_an_empty_list(gql: GraphQL, reference: Reference):
    """Unrelated bodies have no UNIT path; `maxHops` below the distance leaves nothing;
    `maxHops: 0` finds nothing between two bodies; a body reaches itself in zero ties."""
    questions: list[dict[str, Any]] = [
        {"from": "ebmt", "to": "fact", "via": ["UNIT"]},
        {"from": "ebmt", "to": "fact", "maxHops": 1},
        {"from": "ebmt", "to": "fact", "maxHops": 0},
        {"from": "isct", "to": "fact", "maxHops": 0},
        {"from": "cytotherapy", "to": "fact", "via": ["SEAT", "SHARED_PERSON"]},
        {"from": "isct", "to": "isct"},
        {"from": "isct", "to": "isct", "maxHops": 0},
        {"from": "cytotherapy", "to": "cytotherapy", "via": ["UNIT"]},
    ]
    got = await ask_paths(gql, questions)
    for question, answer in zip(questions, got, strict=True):
        assert answer == reference.paths(question), question
    assert got[:5] == [[]] * 5
    for same in got[5:]:
        assert [(p["length"], len(p["ties"])) for p in same] == [(0, 0)]


async def test_cycles_do_not_lengthen_or_repeat(gql: GraphQL, reference: Reference):
    """ISCT, ASTCT and FACT form a triangle (a collaboration and two co-foundings), and
    most bodies reach each other both directly and through ISCT: the walk must stop at the
    first arrival, list each body once, and never revisit one inside a path."""
    questions: list[dict[str, Any]] = [
        {"from": "astct", "to": "fact", "maxHops": 6, "first": 100},
        {"from": "astct", "to": "fact", "via": ["AGREEMENT", "CO_FOUNDING"], "maxHops": 6},
        {"from": "fact", "to": "jacie", "maxHops": 6, "first": 100},
        {"from": "cytotherapy", "to": "ctlag", "maxHops": 6, "first": 100},
    ]
    for question, answer in zip(questions, await ask_paths(gql, questions), strict=True):
        assert answer == reference.paths(question), question
        for path in answer:
            visited = [o["slug"] for o in path["organizations"]]
            assert len(set(visited)) == len(visited), path
    every = [{"of": slug, "hops": 6} for slug in ("fact", "astct", "isct", "cytotherapy")]
    for question, page in zip(every, await ask_pages(gql, every), strict=True):
        assert page == reference.page(question), question
        listed = [n["organization"]["slug"] for n in page["nodes"]]
        assert len(set(listed)) == len(listed)
        assert question["of"] not in listed


async def test_every_curated_pair(gql: GraphQL, reference: Reference):
    """Every ordered pair of curated bodies, all ties: the paths both ways (the ties' sides
    and the seats' order depend on the direction)."""
    questions = [
        {"from": a, "to": b, "maxHops": 6} for a, b in itertools.permutations(slugs(reference), 2)
    ]
    await check_paths(gql, reference, questions)


async def test_curated_pairs_by_kind_of_tie(gql: GraphQL, reference: Reference):
    """A seeded sample of curated pairs under each `via` subset and some `agreementKinds`:
    restricting the ties changes lengths, paths and which tie a step names."""
    rng = random.Random(1)
    pairs = list(itertools.permutations(slugs(reference), 2))
    kinds = (None, ["COLLABORATION"], ["MEMORANDUM_OF_UNDERSTANDING", "MEMBERSHIP"])
    questions = []
    for via in VIA_SUBSETS[1:]:
        for a, b in rng.sample(pairs, 12):
            question: dict[str, Any] = {"from": a, "to": b, "via": list(via), "maxHops": 6}
            agreement_kinds = rng.choice(kinds)
            if agreement_kinds is not None and "AGREEMENT" in via:
                question["agreementKinds"] = agreement_kinds
            questions.append(question)
    await check_paths(gql, reference, questions)


async def test_first_limits_the_sorted_paths(gql: GraphQL, reference: Reference):
    """`first` keeps the first paths in slug order, whatever their number."""
    counts = {
        (a, b): len(reference.of({}).path_sequences(a, b, 6))
        for a, b in itertools.permutations(slugs(reference), 2)
    }
    (a, b), most = max(counts.items(), key=lambda item: (item[1], item[0]))
    assert most >= 2, "the curated directory has a pair with several shortest paths"
    questions = [{"from": a, "to": b, "maxHops": 6, "first": n} for n in (0, 1, most, 100)]
    await check_paths(gql, reference, questions)


# --- neighbourhoods -------------------------------------------------------------------------


async def test_every_curated_neighborhood(gql: GraphQL, reference: Reference):
    """Every curated body's neighbourhood at 0 to 3 hops: who, how far, and by which tie."""
    questions = [{"of": slug, "hops": hops} for slug in slugs(reference) for hops in (0, 1, 2, 3)]
    await check_pages(gql, reference, questions)


async def test_curated_neighborhoods_by_kind_of_tie(gql: GraphQL, reference: Reference):
    """Neighbourhoods of the bodies with units, people and seats, under each `via` subset,
    some `agreementKinds`, and the default hops."""
    bodies = ("isct", "fact", "nasem", "nasem-forum-on-regenerative-medicine", "carm", "jacie")
    questions: list[dict[str, Any]] = [
        {"of": of, "hops": 6, "via": list(via)} for of in bodies for via in VIA_SUBSETS
    ]
    questions += [{"of": of} for of in bodies]  # hops 2 and first 100, the defaults
    questions += [
        {"of": "isct", "hops": 1, "via": ["AGREEMENT"], "agreementKinds": [kind]}
        for kind in ("CO_FOUNDING", "COLLABORATION", "MEMBERSHIP", "PARTICIPATION")
    ]
    await check_pages(gql, reference, questions)


async def test_neighborhood_pages_reassemble_the_whole(gql: GraphQL, reference: Reference):
    """Paging forward, page after page, lists every neighbour once, in order."""
    for question in ({"of": "isct", "hops": 2}, {"of": "fact", "hops": 3, "via": ["SEAT"]}):
        whole = reference.neighbours(question)
        assert len(whole) > 3
        for size in (1, 3, 7):
            assert await walk(gql, question, size) == whole, (question, size)
    first_pages = [{"of": "isct", "hops": 2, "first": n} for n in (0, 5)]
    for question, page in zip(first_pages, await ask_pages(gql, first_pages), strict=True):
        assert page == reference.page(question), question
        assert page["hasNextPage"]


# --- asOf -----------------------------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
async def test_the_network_as_of_a_year(gql: GraphQL, reference: Reference, year: int):
    """The network at the end of the year: paths and neighbourhoods over what stood then
    (undated facts stand every year)."""
    rng = random.Random(year)
    pairs = rng.sample(list(itertools.permutations(slugs(reference), 2)), 40)
    pairs += [("ebmt", "fact"), ("fact", "jacie"), ("isct", "jacie"), ("ctlag", "fact")]
    questions: list[dict[str, Any]] = [
        {"from": a, "to": b, "asOf": year, "maxHops": 6, "first": 100} for a, b in pairs
    ]
    questions += [
        {"from": "isct", "to": "ebmt", "asOf": year, "via": ["AGREEMENT"]},
        {"from": "isct", "to": "carm", "asOf": year, "via": ["AGREEMENT"]},
    ]
    await check_paths(gql, reference, questions)
    neighbourhoods = [
        {"of": slug, "hops": 2, "asOf": year}
        for slug in ("isct", "fact", "jacie", "ebmt", "ctlag", "iccbba", "astct")
    ]
    await check_pages(gql, reference, neighbourhoods)


async def test_a_body_not_yet_founded_has_no_paths(gql: GraphQL, reference: Reference):
    """FACT was founded in 1996: in 1995 it has no paths (not even to itself) and no
    neighbours, and the agreement that established it does not stand."""
    questions = [
        {"from": "fact", "to": "isct", "asOf": 1995},
        {"from": "isct", "to": "fact", "asOf": 1995},
        {"from": "ebmt", "to": "fact", "asOf": 1995},
    ]
    questions.append({"from": "fact", "to": "fact", "asOf": 1995})
    got = await ask_paths(gql, questions)
    assert got == [reference.paths(q) for q in questions] == [[], [], [], []]
    (page,) = await ask_pages(gql, [{"of": "fact", "asOf": 1995}])
    assert page == {"totalCount": 0, "nodes": [], "hasNextPage": False}
    (reached,) = await ask_paths(gql, [{"from": "isct", "to": "fact", "asOf": 1996}])
    assert reached == reference.paths({"from": "isct", "to": "fact", "asOf": 1996})
    assert [p["length"] for p in reached] == [1]


def standing(reference: Reference, year: int) -> tuple[set[str], set[str]]:
    """The slugs of the organizations and agreements that stand at the end of the year."""
    rows = reference.rows
    orgs = set(reference.network(KINDS, None, year).graph.nodes)
    agreements = {rows.agreements[i].slug for i in standing_agreements(rows, year)}
    return orgs, agreements


async def every_node(gql: GraphQL, root: str, fields: str, year: int) -> tuple[list[Any], int]:
    """Every node of `organizations(asOf:)` or `agreements(asOf:)`, page after page, and
    the totalCount (the same on every page)."""
    query = f"""query($year: Int!, $after: String) {{
      {root}(asOf: $year, first: 100, after: $after) {{
        totalCount edges {{ node {{ {fields} }} }} pageInfo {{ hasNextPage endCursor }}
      }}
    }}"""
    nodes: list[Any] = []
    totals = set()
    after = None
    while True:
        connection = ok(await gql(query, {"year": year, "after": after}))[root]
        totals.add(connection["totalCount"])
        nodes.extend(edge["node"] for edge in connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            (total,) = totals
            return nodes, total
        after = connection["pageInfo"]["endCursor"]


async def check_lists(gql: GraphQL, reference: Reference, year: int, owners: Iterable[str]):
    """`organizations(asOf:)`, `agreements(asOf:)` and each owner's
    `Organization.agreements(asOf:)` (its own and its units', oldest first, undated last)
    list what stood at the end of the year, and nothing else."""
    orgs, agreements = standing(reference, year)
    listed, total = await every_node(gql, "organizations", "slug", year)
    assert sorted(n["slug"] for n in listed) == sorted(orgs)
    assert total == len(orgs)
    listed, total = await every_node(gql, "agreements", "slug", year)
    assert sorted(n["slug"] for n in listed) == sorted(agreements)
    assert total == len(agreements)
    rows = reference.rows
    for owner in owners:
        owner_id = rows.organization_id(owner)
        scope = {i for i, o in rows.organizations.items() if owner_id in (i, o.parent_id)}
        own = {a.slug for a in rows.agreements.values() if scope & set(a.parties)}
        body = ok(
            await gql(
                "query($slug: String!, $year: Int!) {"
                " organization(slug: $slug) { agreements(asOf: $year) { slug year } } }",
                {"slug": owner, "year": year},
            )
        )
        listed = body["organization"]["agreements"]
        assert sorted(a["slug"] for a in listed) == sorted(own & agreements), owner
        years = [(a["year"] is None, a["year"] or 0) for a in listed]
        assert years == sorted(years), owner


@pytest.mark.parametrize("year", YEARS)
async def test_lists_as_of_a_year(gql: GraphQL, reference: Reference, year: int):
    """The curated lists leave out what did not stand yet: FACT before 1996, JACIE before
    1998, CTLAG before 2004, and the agreements made later or naming them."""
    await check_lists(gql, reference, year, ("isct", "nasem", "ebmt", "iccbba", "fact"))


@pytest.mark.dataset("synthetic:200")
@pytest.mark.parametrize("year", [1960, 1995, 2005, 2015])
async def test_synthetic_lists_as_of_a_year(
    synthetic_gql: GraphQL, reference: Reference, year: int
):
    """Synthetic agreements are often undated while a party was founded late: the lists
    leave such an agreement out until every party stands (undated does not mean always)."""
    rows = reference.rows
    later = {i for i, o in rows.organizations.items() if (o.founded_year or 0) > year}
    assert any(a.year is None and later & set(a.parties) for a in rows.agreements.values())
    rng = random.Random(year)
    await check_lists(synthetic_gql, reference, year, rng.sample(slugs(reference), 8))


async def test_a_unit_founded_later_ties_its_parent_only_from_then(
    gql: GraphQL, reference: Reference
):
    """ICCBBA is tied to ISCT through CTLAG, its unit founded in 2004, whose seat is held on
    ISCT's behalf: the rolled-up tie stands only when the unit it rolled up from does."""
    questions = [{"from": "iccbba", "to": "isct", "asOf": year} for year in YEARS]
    questions += [{"from": "iccbba", "to": "isct"}, {"from": "iccbba", "to": "ctlag"}]
    got = await ask_paths(gql, questions)
    for question, answer in zip(questions, got, strict=True):
        assert answer == reference.paths(question), question
    by_year = dict(zip(YEARS, got, strict=False))
    assert by_year[1997] == []
    assert [p["length"] for p in by_year[2004]] == [1]
    assert by_year[2004][0]["ties"][0]["kind"] == "SEAT"
    pages = [{"of": "iccbba", "hops": 1, "asOf": year} for year in YEARS]
    for question, page in zip(pages, await ask_pages(gql, pages), strict=True):
        assert page == reference.page(question), question


# --- bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "arguments", "named"),
    [
        ("path", {"from": "no-such-body", "to": "isct"}, "from"),
        ("path", {"from": "isct", "to": "no-such-body"}, "to"),
        ("path", {"from": "isct", "to": "fact", "maxHops": 7}, "maxHops"),
        ("path", {"from": "isct", "to": "fact", "maxHops": -1}, "maxHops"),
        ("path", {"from": "isct", "to": "fact", "first": 101}, "first"),
        ("path", {"from": "isct", "to": "fact", "first": -1}, "first"),
        ("path", {"from": "isct", "to": "fact", "via": []}, "via"),
        ("neighborhood", {"of": "no-such-body"}, "of"),
        ("neighborhood", {"of": "isct", "hops": 7}, "hops"),
        ("neighborhood", {"of": "isct", "hops": -1}, "hops"),
        ("neighborhood", {"of": "isct", "first": 101}, "first"),
        ("neighborhood", {"of": "isct", "first": -1}, "first"),
        ("neighborhood", {"of": "isct", "via": []}, "via"),
    ],
)
async def test_bad_arguments(gql: GraphQL, field: str, arguments: dict[str, Any], named: str):
    """A question out of bounds is refused before it runs, naming the argument."""
    selection = PATH if field == "path" else NEIGHBORHOOD
    body = await gql(f"{{ {call(field, arguments)} {{ {selection} }} }}")
    (error,) = bad_user_inputs(body)
    assert named in error["message"], error


# --- synthetic directories: seeded random questions -----------------------------------------


SYNTHETIC_YEARS = (None, None, 1995, 2005, 2015, 2020)
AGREEMENT_KIND_CHOICES = (
    None,
    None,
    None,
    ("CO_FOUNDING",),
    ("MEMORANDUM_OF_UNDERSTANDING", "COLLABORATION"),
    ("MEMBERSHIP", "LIAISON", "AFFILIATION", "PARTICIPATION"),
)
SYNTHETIC = [
    pytest.param(60, marks=pytest.mark.dataset("synthetic:60")),
    pytest.param(200, marks=pytest.mark.dataset("synthetic:200")),
]


def random_network(rng: random.Random) -> dict[str, Any]:
    """The arguments that choose the network a question sees: a `via` subset, sometimes
    `agreementKinds` (when AGREEMENT ties are followed), sometimes a year."""
    arguments: dict[str, Any] = {}
    via = rng.choice(VIA_SUBSETS)
    if via != KINDS:
        arguments["via"] = list(via)
    kinds = rng.choice(AGREEMENT_KIND_CHOICES)
    if kinds is not None and "AGREEMENT" in via:
        arguments["agreementKinds"] = list(kinds)
    if (year := rng.choice(SYNTHETIC_YEARS)) is not None:
        arguments["asOf"] = year
    return arguments


def random_paths(reference: Reference, rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Random path questions: any two bodies (now and then the same one), any network,
    any hop limit and page size."""
    names = slugs(reference)
    questions = []
    for _ in range(count):
        a = rng.choice(names)
        b = a if rng.random() < 0.03 else rng.choice(names)
        questions.append(
            {
                "from": a,
                "to": b,
                **random_network(rng),
                "maxHops": rng.choice((0, 1, 2, 3, 4, 5, 6, 6, 6)),
                "first": rng.choice((1, 3, 10, 100)),
            }
        )
    return questions


@pytest.mark.parametrize("size", SYNTHETIC)
async def test_synthetic_paths(synthetic_gql: GraphQL, reference: Reference, size: int):
    """Random questions over a synthetic directory; every answer equals networkx's. The
    questions are checked to reach what they are meant to: long paths, several paths per
    question, pages cut short by `first`, and misses."""
    assert len(reference.rows.organizations) == size
    rng = random.Random(size)
    questions = random_paths(reference, rng, 200)
    # Far pairs in the sparse agreement graph: long paths, several of them, and misses.
    network = reference.network(("AGREEMENT",), None, None)
    far = [
        (a, b)
        for a in sorted(network.graph.nodes)[:20]
        for b, d in network.distances(a, 9).items()
        if d >= 4
    ]
    questions += [
        {"from": a, "to": b, "via": ["AGREEMENT"], "maxHops": 6, "first": 100}
        for a, b in rng.sample(far, min(40, len(far)))
    ]
    # The defaults (maxHops 4, first 10) where more than ten shortest paths exist (off the
    # SEAT hub every synthetic seat is held for, which makes most paths short and few).
    no_seats = ["AGREEMENT", "CO_FOUNDING", "UNIT", "SHARED_PERSON"]
    network = reference.network(tuple(no_seats), None, None)
    pairs = (rng.sample(slugs(reference), 2) for _ in range(5000))
    crowded = itertools.islice(
        (
            {"from": a, "to": b, "via": no_seats}
            for a, b in pairs
            if len(network.path_sequences(a, b, 4)) > 10
        ),
        5,
    )
    crowded_questions = list(crowded)
    assert len(crowded_questions) == 5, "five pairs have more than ten shortest paths"
    questions += crowded_questions
    expected = [reference.paths(q) for q in questions]
    lengths = {p["length"] for answer in expected for p in answer}
    assert {0, 1, 2, 3, 4} <= lengths, lengths
    assert sum(1 for answer in expected if len(answer) >= 2) >= 20
    assert sum(1 for answer in expected if not answer) >= 20
    assert sum(
        1
        for q, answer in zip(questions, expected, strict=True)
        if answer
        and len(reference.of(q).path_sequences(q["from"], q["to"], 6)) > q.get("first", 10)
    ), "some answer is cut short by `first`"
    await check_paths(synthetic_gql, reference, questions)


def nearer_choices(reference: Reference, question: dict[str, Any]) -> int:
    """How many neighbours have more than one body one step nearer (where `via` must pick
    the one whose slug sorts first)."""
    network = reference.of(question)
    distances = {**network.distances(question["of"], question.get("hops", 2)), question["of"]: 0}
    return sum(
        1
        for node in reference.neighbours(question)
        if sum(
            1
            for n in network.graph[node["organization"]["slug"]]
            if distances.get(n) == node["distance"] - 1
        )
        > 1
    )


@pytest.mark.parametrize("size", SYNTHETIC)
async def test_synthetic_neighborhoods(synthetic_gql: GraphQL, reference: Reference, size: int):
    """Random neighbourhoods over a synthetic directory, and one walked page by page."""
    rng = random.Random(size + 1)
    names = slugs(reference)
    questions = [
        {
            "of": rng.choice(names),
            "hops": rng.choice((0, 1, 2, 3, 6)),
            **random_network(rng),
            "first": rng.choice((1, 10, 100)),
        }
        for _ in range(60)
    ]
    assert sum(nearer_choices(reference, q) for q in questions) >= 20
    assert sum(1 for q in questions if reference.page(q)["hasNextPage"]) >= 5
    await check_pages(synthetic_gql, reference, questions)
    walked = {"of": "org-1", "hops": 3, "via": ["AGREEMENT", "UNIT", "SHARED_PERSON"]}
    whole = reference.neighbours(walked)
    assert len(whole) > 20
    assert await walk(synthetic_gql, walked, 9) == whole
