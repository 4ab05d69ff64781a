"""The SQL the compiler writes for representative queries, stored per dialect in
tests/sql_snapshots/, so a reviewer sees in a diff what SQL a change produces, with the
answer's text it writes around the statement's columns (`-- answer:`).

A change that alters the SQL fails here until the snapshots are rewritten with
`UPDATE_SQL_SNAPSHOTS=1 make check` (or the same variable on pytest); the diff of
tests/sql_snapshots/ is then part of the change under review.
"""

import os
from pathlib import Path
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, get_operation_ast, parse
from graphql.execution.values import get_variable_values

from service.config import Settings
from service.graphql.compiler.dialects import Dialect
from service.graphql.compiler.plan import compile_operation
from service.graphql.core_schema import graphql_core_schema
from service.graphql.schema import build_schema
from tests.queries import DEPTH_6_QUERY, FRONTEND_QUERY

SNAPSHOTS = Path(__file__).parent / "sql_snapshots"
ORG_ID = "T3JnYW5pemF0aW9uOmZhY3Q"  # Organization:fact
CURSOR = "WyJvcmdhbml6YXRpb25zOm5hbWU6QVNDIiwiRkFDVCIsImZhY3QiXQ"  # after FACT, by name

QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "frontend": (FRONTEND_QUERY, {}),
    "depth6": (DEPTH_6_QUERY, {"first": 100}),
    "organization_by_slug": (
        '{ organization(slug: "nasem") { id name parent { slug } units { slug } '
        "cofounders { slug } cofounded { slug } sources { document quote } } }",
        {},
    ),
    "agreements_of_a_kind": (
        '{ organization(slug: "isct") { agreements(kind: MEMORANDUM_OF_UNDERSTANDING) '
        "{ title year source { quote } establishes { slug } } } }",
        {},
    ),
    "filtered_connection": (
        f'query($region: String) {{ organizations(first: 5, after: "{CURSOR}", filter: '
        "{category: PARTNER, region: $region, agreementKind: MEMBERSHIP}) "
        "{ totalCount pageInfo { hasNextPage endCursor } edges { cursor node { slug } } } }",
        {"region": "Europe"},
    ),
    "ordered_backward": (
        "{ organizations(last: 3, orderBy: {field: FOUNDED_YEAR, direction: DESC}) "
        "{ pageInfo { hasPreviousPage startCursor } nodes { slug foundedYear } } }",
        {},
    ),
    "people_at_a_body": (
        '{ people(first: 10, filter: {organization: "nasem", search: "forum"}) '
        "{ totalCount nodes { slug representations { role designation onBehalfOf { slug } } } } }",
        {},
    ),
    "agreements_by_year": (
        '{ agreements(first: 10, filter: {yearFrom: 2010, yearTo: 2020, party: "isct"}) '
        "{ nodes { title kind parties { acronym } } } }",
        {},
    ),
    "search": (
        '{ search(query: "cord blood", first: 5) { __typename ... on Organization { slug } '
        "... on Initiative { name } ... on Person { name } ... on Agreement { title } } }",
        {},
    ),
    "nodes_and_aliases": (
        f'{{ a: node(id: "{ORG_ID}") {{ ... on Organization {{ slug }} }} '
        f'b: nodes(ids: ["{ORG_ID}"]) {{ id __typename }} '
        'c: person(slug: "patrick-hanley") { initiatives: representations { organization '
        "{ initiatives { name organizations { slug } } } } } }",
        {},
    ),
}


def compiled_sql(query: str, variables: dict[str, Any], dialect: str) -> str:
    schema = graphql_core_schema(build_schema(Settings()))
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
    assert not isinstance(coerced, list), coerced
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    compiled = compile_operation(
        schema, Dialect(dialect), operation, fragments, coerced, max_page_size=100
    )
    lines = [compiled.sql, f"-- answer: {answer_layout(compiled.layout.texts)}"]
    lines += [f"-- :{name} = {value!r}" for name, value in compiled.params.items()]
    return "\n".join(lines) + "\n"


def answer_layout(texts: tuple[str, ...]) -> str:
    """The answer's text around the statement's columns, each column as <1>, <2>, ..."""
    return texts[0] + "".join(f"<{n}>{text}" for n, text in enumerate(texts[1:], start=1))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_compiled_sql_matches_its_stored_snapshot(name: str, dialect: str) -> None:
    query, variables = QUERIES[name]
    found = compiled_sql(query, variables, dialect)
    path = SNAPSHOTS / f"{name}.{dialect}.sql"
    if os.environ.get("UPDATE_SQL_SNAPSHOTS"):
        path.write_text(found, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SQL_SNAPSHOTS=1"
    assert found == path.read_text(encoding="utf-8"), (
        f"the SQL for {name} on {dialect} changed: review it, then rewrite the snapshots "
        "with UPDATE_SQL_SNAPSHOTS=1"
    )


def test_every_snapshot_on_disk_belongs_to_a_query() -> None:
    expected = {f"{name}.{d}.sql" for name in QUERIES for d in ("sqlite", "postgresql")}
    assert {path.name for path in SNAPSHOTS.glob("*.sql")} <= expected
