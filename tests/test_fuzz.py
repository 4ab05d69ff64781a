"""Property-based fuzzing of the GraphQL endpoint, from the schema.

Documents come from hypothesis-graphql (valid queries, and queries with one schema violation),
from raw text, and from valid queries with a character changed; each is sent through the
ASGI app. Whatever the document: no 5xx but a clean 503 (TIMEOUT / SERVICE_UNAVAILABLE),
never an INTERNAL error, and a document graphql-core itself finds invalid is rejected with
an error and no data. Schemathesis' GraphQL mode runs its own checks against the same app.

Hypothesis drives synchronous functions, so each test builds one app on an event loop of its
own and sends every example through it (`LiveApp`); the run is derandomized (the same examples
every run) and keeps no example database.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import graphql
import httpx
import hypothesis_graphql
import pytest
import schemathesis
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi as schemathesis_asgi

from service.app import create_app
from service.config import Settings
from service.graphql.schema import schema_sdl
from tests.conftest import StatementCounter, serving
from tests.utils import dataset, global_id
from tests.utils.live import OnPrivateLoop

pytestmark = [pytest.mark.read_only, pytest.mark.slow]  # hundreds of examples per test

SDL = schema_sdl()
SCHEMA = graphql.build_schema(SDL)
LEAKS = ("Traceback", 'File "', "sqlalchemy", "sqlite", "asyncpg")
RETRYABLE = {"TIMEOUT", "SERVICE_UNAVAILABLE"}


FUZZ = hypothesis_settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    # one app per test function serves every example: that is the point of the fixture
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@dataclass(frozen=True)
class LiveApp:
    """An app with its lifespan entered on a private event loop, for synchronous callers."""

    app: OnPrivateLoop[tuple[httpx.AsyncClient, StatementCounter]]

    def send(self, method: str, payload: dict[str, Any]) -> httpx.Response:
        client = self.app.value[0]
        if method == "GET":
            params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
            return self.app.run(client.get("/graphql", params=params))
        return self.app.run(client.post("/graphql", json=payload))


@pytest.fixture
def live(database_url: str) -> Iterator[LiveApp]:
    with OnPrivateLoop(serving(Settings(database_url=database_url))) as app:
        yield LiveApp(app)


def locally_valid(document: str) -> bool:
    """Whether graphql-core parses the document and finds it valid against the schema."""
    try:
        parsed = graphql.parse(document)
    except graphql.GraphQLError:
        return False
    if graphql.validate(SCHEMA, parsed):
        return False
    operations = [d for d in parsed.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    return len(operations) == 1  # several would need an operationName


def check_harmless(response: httpx.Response) -> dict[str, Any] | None:
    """No 5xx but a retryable 503, no INTERNAL error, no leak; the JSON body if there is one."""
    text = response.text
    for leak in LEAKS:
        assert leak.lower() not in text.lower(), (leak, text[:2000])
    body = response.json() if response.headers.get("content-type", "").startswith(
        "application/json"
    ) else None  # fmt: skip
    codes = {
        (error.get("extensions") or {}).get("code") for error in (body or {}).get("errors") or ()
    }
    event(f"HTTP {response.status_code} {' '.join(sorted(map(str, codes))) or 'ok'}")
    assert "INTERNAL" not in codes, text[:2000]
    assert None not in codes, f"an error without extensions.code: {text[:2000]}"
    if response.status_code >= 500:
        assert response.status_code == 503, text[:2000]
        assert codes, text[:2000]
        assert codes <= RETRYABLE, text[:2000]
    return body


def check_rejected(response: httpx.Response) -> None:
    """An invalid document: refused outright (4xx) or answered with errors and no data."""
    body = check_harmless(response)
    if response.status_code >= 400:
        return
    assert body is not None, response.text
    assert body.get("errors"), body
    assert body.get("data") is None, body


def check_document(live: LiveApp, document: str) -> None:
    """Whatever the text: rejected if graphql-core finds it invalid, else harmless (an
    invalid-looking document it accepts after all is coercion at work)."""
    response = live.send("POST", {"query": document})
    if locally_valid(document):
        check_harmless(response)
    else:
        check_rejected(response)


@given(query=hypothesis_graphql.queries(SDL), method=st.sampled_from(["POST", "GET"]))
@FUZZ
def test_generated_valid_queries_are_answered_or_refused_cleanly(live, query, method):
    check_harmless(live.send(method, {"query": query}))


def _dataset_values() -> tuple[list[str], list[str]]:
    """Real slugs and global IDs of the curated dataset, so generated queries find data."""
    data = dataset()
    slugs, ids = [], []
    for type_name, key in (
        ("Organization", "organizations"), ("Agreement", "agreements"),
        ("Person", "people"), ("Initiative", "initiatives"),
    ):  # fmt: skip
        for item in data[key][:6]:
            slugs.append(item["slug"])
            ids.append(global_id(f"{type_name}:{item['slug']}"))
    return slugs, ids


SLUGS, IDS = _dataset_values()
REALISTIC = {
    "ID": st.one_of(
        st.sampled_from(IDS),
        st.text(max_size=12).map(lambda slug: global_id(f"Organization:{slug}")),
    ).map(hypothesis_graphql.nodes.String),
    "String": st.one_of(
        st.sampled_from([*SLUGS, "isct", "cell", "europe", "therapy", "fact jacie"]),
        st.text(max_size=20),
    ).map(hypothesis_graphql.nodes.String),
    "Int": st.one_of(st.integers(0, 5), st.integers(-2, 120), st.integers()).map(
        hypothesis_graphql.nodes.Int
    ),
}


@given(query=hypothesis_graphql.queries(SDL, custom_scalars=REALISTIC))
@FUZZ
def test_generated_queries_with_dataset_values_are_answered_or_refused_cleanly(live, query):
    """The same, with IDs, slugs, words and page sizes that mostly exist: the resolvers and
    their SQL run, instead of the argument checks refusing most queries."""
    check_harmless(live.send("POST", {"query": query}))


@given(query=hypothesis_graphql.queries(SDL, mode=hypothesis_graphql.Mode.NEGATIVE))
@FUZZ
def test_generated_invalid_queries_are_rejected(live, query):
    check_document(live, query)


@given(document=st.text(max_size=300))
@FUZZ
def test_random_text_is_rejected(live, document):
    check_document(live, document)


@st.composite
def mutated_queries(draw: st.DrawFn) -> str:
    """A valid query with one edit: a character deleted, inserted or replaced, or cut short."""
    query: str = draw(hypothesis_graphql.queries(SDL))
    position = draw(st.integers(0, len(query)))
    edit = draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
    if edit == "truncate":
        return query[:position]
    character: str = draw(st.sampled_from([*'{}()[]:$@!.,"\\#=|&', "...", "\x00", "é", " "]))
    if edit == "insert":
        return query[:position] + character + query[position:]
    tail = query[position + 1 :]
    return query[:position] + (character if edit == "replace" else "") + tail


@given(document=mutated_queries())
@FUZZ
def test_mutated_queries_are_rejected_or_answered_cleanly(live, document):
    check_document(live, document)


@given(
    payload=st.fixed_dictionaries(
        {},
        optional={
            "query": st.one_of(st.text(max_size=50), st.integers(), st.none(), st.just("{ }")),
            "variables": st.one_of(
                st.none(), st.text(max_size=20), st.lists(st.integers(), max_size=3),
                st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
            ),
            "operationName": st.one_of(st.none(), st.text(max_size=10), st.integers()),
            "extensions": st.one_of(
                st.none(), st.text(max_size=10),
                st.fixed_dictionaries({"persistedQuery": st.one_of(
                    st.none(), st.text(max_size=10),
                    st.fixed_dictionaries(
                        {"version": st.integers(0, 2), "sha256Hash": st.text(max_size=64)}
                    ),
                )}),
            ),
        },
    ),
)  # fmt: skip
@FUZZ
def test_malformed_request_envelopes_are_refused_cleanly(live, payload):
    """The JSON envelope around the document: wrong types and missing parts are the client's
    mistake (4xx or an error), never ours."""
    response = live.send("POST", payload)
    check_harmless(response)
    assert response.status_code < 500, response.text


# --- schemathesis ------------------------------------------------------------------------


@pytest.fixture
def admin_token(database_url: str) -> str:
    """An admin's token on the fuzzed database, so that the mutations are fuzzed past the
    sign-in check (an anonymous write is refused before its input is even looked at)."""
    created = subprocess.run(
        [sys.executable, "-m", "service", "token", "create", "--name", "fuzzer", "--role", "admin"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip()


@pytest.fixture
def schemathesis_schema(database_url: str) -> Iterator[Any]:
    """The app's schema as schemathesis loads it: by introspection over its ASGI interface
    (schemathesis runs the app's lifespan on an event loop thread of its own)."""
    app = create_app(Settings(database_url=database_url))
    try:
        yield schemathesis.graphql.from_asgi("/graphql", app)
    finally:
        schemathesis_asgi.shutdown_lifespans()


def test_schemathesis_graphql_mode(schemathesis_schema, admin_token):
    """Schemathesis generates a case per root field from the introspected schema (the
    mutations' random inputs included, sent as an admin), sends it through the ASGI app and
    applies its server-error check (HTTP 5xx, or a GraphQL error that reads as a server
    failure); INTERNAL and code-less errors are refused on top."""

    @given(case=schemathesis_schema.as_strategy())
    @hypothesis_settings(FUZZ, max_examples=100)
    def check(case):
        response = case.call(headers={"authorization": f"Bearer {admin_token}"})
        case.validate_response(response, checks=[not_a_server_error])
        body = response.json()
        codes = {(error.get("extensions") or {}).get("code") for error in body.get("errors") or ()}
        assert "INTERNAL" not in codes, response.text
        assert None not in codes, response.text

    check()
