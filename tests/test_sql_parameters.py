"""A compiled statement depends on the document and its variables' shape, never on their
values: every value is bound, so the same query with other ids, slugs, page sizes, cursors
or search words runs the very same SQL text with other parameters, compiled once.

Observed through the public surface: the SQL text and parameters the app's engine sends,
`/metrics` (compiled_cache_hits_total and compiled_cache_misses_total), and answers equal
to the resolver path's (COMPILED_QUERIES=false). The rebinding itself is also checked
without a database: a statement compiled for some values and bound for others is exactly
the statement and parameters compiling those others gives, on both dialects.
"""

import gc
import json
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from graphql import FragmentDefinitionNode, get_operation_ast, parse
from graphql.execution.values import get_variable_values
from sqlalchemy import event, text

from service.app import create_app
from service.config import Settings
from service.graphql.compiler.dialects import Dialect
from service.graphql.compiler.plan import CompiledQuery, Mismatch, compile_operation
from service.graphql.core_schema import graphql_core_schema
from service.graphql.ids import encode_cursor, encode_id
from service.graphql.schema import build_schema
from tests.conftest import RECORDER
from tests.utils.statement_log import COMPILED_STATEMENT

# Text that would break a statement it was pasted into, or change its meaning.
DANGEROUS = [
    "o'brien",
    "'; DROP TABLE organization; --",
    'say "hi"',
    "back\\slash\\",
    "\\x27",
    "100%_off",
    "line\nbreak\ttab",
    "üñíçødé",
    "名前",
    "emoji 🧬",
    "$1",
    ":p0",
    "?",
    "' OR '1'='1",
]

NODE = (
    "query($id: ID!) { node(id: $id) { __typename id "
    "... on Organization { slug name acronym agreements { title } } "
    "... on Person { name } } }"
)
BY_SLUG = (
    "query($slug: String!) { organization(slug: $slug) { id slug name "
    "agreements(kind: MEMBERSHIP) { title } } }"
)
PAGES = (
    "query($n: Int, $cursor: String) { organizations(first: $n, after: $cursor) { "
    "totalCount edges { cursor node { slug } } pageInfo { hasNextPage endCursor } } }"
)
SEARCH = (
    "query($q: String!, $n: Int) { search(query: $q, first: $n) { __typename "
    "... on Organization { slug } ... on Person { name } ... on Agreement { title } "
    "... on Initiative { name } } }"
)


# --- the compiler alone: rebinding gives what compiling gives -----------------------------

SCHEMA = graphql_core_schema(build_schema(Settings()))


def compile_for(query: str, variables: dict[str, Any], dialect: str) -> CompiledQuery:
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return compile_operation(
        SCHEMA, Dialect(dialect), operation, fragments, coerced(query, variables),
        max_page_size=100,
    )  # fmt: skip


def coerced(query: str, variables: dict[str, Any]) -> Any:
    operation = get_operation_ast(parse(query))
    assert operation is not None
    values = get_variable_values(SCHEMA, operation.variable_definitions or (), variables)
    assert not isinstance(values, list), values
    return values


def org(slug: str) -> str:
    return encode_id("Organization", slug)


def by_name(*keys: Any) -> str:
    return encode_cursor("organizations:name:ASC", keys)


REBINDING = {
    "node": (
        NODE,
        [{"id": org("fact")}, {"id": org("isct")}, *({"id": org(t)} for t in DANGEROUS)],
    ),
    "nodes": (
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Person { name } } }",
        [
            {"ids": [org("fact"), encode_id("Person", "a")]},
            {"ids": [org("x'y"), encode_id("Person", "b\\c")]},
        ],
    ),
    "slug": (BY_SLUG, [{"slug": "fact"}, *({"slug": t} for t in DANGEROUS)]),
    "pages": (
        PAGES,
        [
            {"n": 5, "cursor": by_name("FACT", "fact")},
            {"n": 0, "cursor": by_name("O'Brien", "o-brien")},
            {"n": 100, "cursor": by_name("Zed \\ 'quoted'", "\\")},
        ],
    ),
    "backward": (
        "query($n: Int, $before: String, $order: OrganizationOrder) { organizations("
        "last: $n, before: $before, orderBy: $order) { nodes { slug } pageInfo "
        "{ hasPreviousPage startCursor } } }",
        [
            {
                "n": 3,
                "before": encode_cursor("organizations:founded_year:DESC", (1992, "A", "a")),
                "order": {"field": "FOUNDED_YEAR", "direction": "DESC"},
            },
            {
                "n": 7,
                "before": encode_cursor("organizations:founded_year:DESC", (-10000, "Z'", "z")),
                "order": {"field": "FOUNDED_YEAR", "direction": "DESC"},
            },
        ],
    ),
    "filters": (
        "query($f: OrganizationFilter, $p: PersonFilter, $a: AgreementFilter) { "
        "organizations(first: 3, filter: $f) { totalCount nodes { slug } } "
        "people(first: 2, filter: $p) { totalCount nodes { slug } } "
        "agreements(first: 4, filter: $a) { totalCount nodes { title } } }",
        [
            {
                "f": {"category": "PARTNER", "region": "Europe", "search": "cell"},
                "p": {"organization": "nasem", "search": "forum"},
                "a": {"yearFrom": 2000, "yearTo": 2020, "party": "isct", "kind": "MEMBERSHIP"},
            },
            {
                "f": {"category": "CO_FOUNDED", "region": "Asia'", "search": "obrien"},
                "p": {"organization": "x\\y", "search": "naïve"},
                "a": {"yearFrom": 1, "yearTo": 1, "party": "'", "kind": "LIAISON"},
            },
        ],
    ),
    "search": (SEARCH, [{"q": "cord", "n": 5}, {"q": "marrow", "n": 20}, {"q": "naïve", "n": 0}]),
    "relation filter": (
        'query($kind: AgreementKind) { organization(slug: "isct") { agreements(kind: $kind) '
        "{ title } } }",
        [{"kind": "MEMBERSHIP"}, {"kind": "LIAISON"}],
    ),
    "directives": (
        "query($slug: String!, $more: Boolean!) { organization(slug: $slug) { slug "
        "name @include(if: $more) } }",
        [{"slug": "fact", "more": True}, {"slug": "'", "more": True}],
    ),
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize("case", sorted(REBINDING))
def test_a_statement_bound_for_other_values_is_what_compiling_them_gives(
    case: str, dialect: str
) -> None:
    query, variables = REBINDING[case]
    first = compile_for(query, variables[0], dialect)
    for other in variables[1:]:
        fresh = compile_for(query, other, dialect)
        assert fresh.sql == first.sql, f"{case}: the text depends on the values {other}"
        assert first.bind(coerced(query, other)) == fresh.params, other
        assert fresh.params != first.params


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize(
    ("query", "first", "other"),
    [
        pytest.param(NODE, {"id": org("fact")}, {"id": encode_id("Person", "x")}, id="id-type"),
        pytest.param(
            PAGES, {"n": 5, "cursor": None}, {"n": 5, "cursor": by_name("A", "a")}, id="cursor"
        ),
        pytest.param(
            'query($kind: AgreementKind) { organization(slug: "isct") { '
            "agreements(kind: $kind) { title } } }",
            {"kind": "MEMBERSHIP"},
            {"kind": None},
            id="filter-left-out",
        ),
        pytest.param(
            'query($more: Boolean!) { organization(slug: "fact") { slug name '
            "@include(if: $more) } }",
            {"more": True},
            {"more": False},
            id="include",
        ),
    ],
)
def test_values_that_change_the_statement_are_told_apart(
    query: str, first: dict[str, Any], other: dict[str, Any], dialect: str
) -> None:
    compiled = compile_for(query, first, dialect)
    with pytest.raises(Mismatch):
        compiled.bind(coerced(query, other))


def test_more_search_words_need_another_statement_only_on_postgresql() -> None:
    one, two = {"q": "cord", "n": 5}, {"q": "cord blood", "n": 5}
    sqlite = compile_for(SEARCH, one, "sqlite")
    assert sqlite.bind(coerced(SEARCH, two)) == compile_for(SEARCH, two, "sqlite").params
    with pytest.raises(Mismatch):  # one to_tsquery per word
        compile_for(SEARCH, one, "postgresql").bind(coerced(SEARCH, two))


# --- over HTTP --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _collected() -> Iterator[None]:
    """Garbage collected before and after each test here, so that no test of this module
    shifts when the collector runs in the tests after it. tests/test_failures.py's time
    budget abandons thousands of resolver coroutines there, in reference cycles: collected
    inside a later test, each warns that it was never awaited, which fails that test (this
    module sorts after it and collects them, without those warnings, before it starts)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
        gc.collect()
    yield
    gc.collect()


@dataclass
class Sent:
    """The compiled statements an app's engine sent, with their parameters."""

    statements: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(self, _c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if COMPILED_STATEMENT.search(statement):
            self.statements.append((statement, parameters))


@dataclass
class App:
    client: httpx.AsyncClient
    sent: Sent
    application: Any

    async def post(self, query: str, variables: dict[str, Any]) -> httpx.Response:
        return await self.client.post("/graphql", json={"query": query, "variables": variables})

    async def cache(self) -> dict[str, float]:
        """compiled_cache_* and graphql_executions_total{path="compiled"} from /metrics."""
        found = {}
        for line in (await self.client.get("/metrics")).text.splitlines():
            name, _, value = line.partition(" ")
            if name.startswith("compiled_cache_") or name.startswith("graphql_executions_total"):
                found[name] = float(value)
        return found


@asynccontextmanager
async def running(database_url: str, *, compiled: bool) -> AsyncIterator[App]:
    application = create_app(Settings(database_url=database_url, compiled_queries=compiled))
    async with application.router.lifespan_context(application):
        sent = Sent()
        event.listen(application.state.engine.sync_engine, "before_cursor_execute", sent)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", event_hooks=RECORDER.hooks()
        ) as client:
            yield App(client, sent, application)


@asynccontextmanager
async def both(database_url: str) -> AsyncIterator[tuple[App, App]]:
    async with (
        running(database_url, compiled=True) as compiled,
        running(database_url, compiled=False) as resolvers,
    ):
        yield compiled, resolvers


async def same_answers(
    compiled: App, resolvers: App, query: str, requests: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Send every request to both apps; the answers must be identical. The compiled app's
    answers, parsed."""
    answers = []
    for variables in requests:
        ours, theirs = await compiled.post(query, variables), await resolvers.post(query, variables)
        assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json()), variables
        answers.append(ours.json())
    return answers


def one_text_many_parameters(sent: Sent, requests: int) -> None:
    assert len(sent.statements) == requests
    texts = {statement for statement, _ in sent.statements}
    assert len(texts) == 1, "the SQL text changed with the values"
    parameters = {json.dumps(list(values), default=str) for _, values in sent.statements}
    assert len(parameters) == requests, "each request's values are its own parameters"


@pytest.mark.dataset("synthetic:300")
async def test_node_over_200_distinct_ids_compiles_once(database_url: str) -> None:
    async with both(database_url) as (compiled, resolvers):
        async with compiled.application.state.engine.connect() as conn:
            rows = await conn.execute(text("SELECT slug FROM organization ORDER BY slug"))
            slugs = [row[0] for row in rows][:200]
        assert len(slugs) == 200
        requests = [{"id": org(slug)} for slug in slugs]
        answers = await same_answers(compiled, resolvers, NODE, requests)
        assert all(answer["data"]["node"]["slug"] for answer in answers)
        one_text_many_parameters(compiled.sent, 200)
        cache = await compiled.cache()
        assert cache["compiled_cache_misses_total"] == 1, cache
        assert cache["compiled_cache_hits_total"] == 199, cache
        assert cache["compiled_cache_entries"] == 1, cache
        assert cache['graphql_executions_total{path="compiled"}'] == 200, cache


async def test_slugs_dangerous_ones_included_are_bound(database_url: str) -> None:
    async with both(database_url) as (compiled, resolvers):
        slugs = ["fact", "isct", "nasem", *DANGEROUS, "FACT", " fact", "fact "]
        answers = await same_answers(compiled, resolvers, BY_SLUG, [{"slug": s} for s in slugs])
        assert answers[0]["data"]["organization"]["slug"] == "fact"
        assert all(a["data"]["organization"] is None for a in answers[3 : 3 + len(DANGEROUS)])
        one_text_many_parameters(compiled.sent, len(slugs))
        for (_, values), slug in zip(compiled.sent.statements, slugs, strict=True):
            assert slug in list(values), "the slug reaches the database as a parameter"
        assert (await compiled.cache())["compiled_cache_misses_total"] == 1


async def test_a_nul_character_is_still_the_resolvers_error(database_url: str) -> None:
    async with both(database_url) as (compiled, resolvers):
        requests = [{"slug": "fact"}, {"slug": "fa\x00ct"}, {"slug": "isct"}]
        answers = await same_answers(compiled, resolvers, BY_SLUG, requests)
        assert answers[1]["data"]["organization"] is None
        assert answers[1]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        # The refused value never reached SQL; the other two share one statement.
        one_text_many_parameters(compiled.sent, 2)
        assert answers[2]["data"]["organization"]["slug"] == "isct"


@pytest.mark.dataset("synthetic:300")
async def test_paging_with_any_size_and_cursor_compiles_twice(database_url: str) -> None:
    """The first page (no cursor) and the pages after one: two statements, whatever the
    sizes and cursors."""
    async with both(database_url) as (compiled, resolvers):
        cursor, walked, sizes = None, 0, [1, 2, 3, 5, 8, 13, 21, 34]
        for n in range(12):
            variables = {"n": sizes[n % len(sizes)], "cursor": cursor}
            (answer,) = await same_answers(compiled, resolvers, PAGES, [variables])
            page = answer["data"]["organizations"]
            walked += len(page["edges"])
            cursor = page["pageInfo"]["endCursor"]
        assert walked == sum(sizes[n % len(sizes)] for n in range(12))
        assert len({statement for statement, _ in compiled.sent.statements}) == 2
        cache = await compiled.cache()
        assert (cache["compiled_cache_misses_total"], cache["compiled_cache_hits_total"]) == (2, 10)
        # A cursor of another order, and a size past the maximum, are the resolvers' errors.
        wrong = encode_cursor("people:name", ("A", "a"))
        await same_answers(compiled, resolvers, PAGES, [{"n": 2, "cursor": wrong}])
        await same_answers(compiled, resolvers, PAGES, [{"n": 101, "cursor": cursor}])


async def test_search_words_are_bound(database_url: str) -> None:
    async with both(database_url) as (compiled, resolvers):
        words = ["cord", "blood", "marrow", "cell", "gene", "Marrow", "naïve", "ISCT"]
        requests = [{"q": word, "n": n + 1} for n, word in enumerate(words)]
        answers = await same_answers(compiled, resolvers, SEARCH, requests)
        assert answers[0]["data"]["search"], "a search that finds nothing proves little"
        one_text_many_parameters(compiled.sent, len(words))
        # Words beyond ASCII are bound too (SQLAlchemy may type them Unicode, which its
        # cache key tells apart: then a second statement, of the same text); no word at
        # all is the resolvers' error.
        others = [{"q": "名前", "n": 3}, {"q": "\\", "n": 3}, {"q": "x\x00y", "n": 3}]
        await same_answers(compiled, resolvers, SEARCH, others)
        for statement, _values in compiled.sent.statements:
            assert "名前" not in statement
            assert "cord" not in statement
        assert "名前" in list(compiled.sent.statements[-2][1])


async def test_cache_stays_within_its_size(database_url: str) -> None:
    settings = Settings(database_url=database_url, compiled_cache_size=2)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for n in range(5):  # five documents
                query = f'{{ organization(slug: "fact") {{ slug a{n}: name }} }}'
                response = await client.post("/graphql", json={"query": query})
                assert response.json()["data"]["organization"]["slug"] == "fact"
            metrics = (await client.get("/metrics")).text
    assert "compiled_cache_entries 2.0" in metrics
    assert "compiled_cache_misses_total 5.0" in metrics
