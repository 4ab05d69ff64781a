"""The queries the README and docs/ show a reader run as written, without errors: a
documented example that drifted from the schema would teach the wrong API."""

import re
from pathlib import Path

import pytest

from service.auth.principal import Role
from service.auth.tokens import issue
from tests.conftest import without_cost

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)


def _examples() -> list[object]:
    found = []
    for document in DOCUMENTS:
        for n, block in enumerate(BLOCK.findall(document.read_text(encoding="utf-8"))):
            if block.lstrip().startswith(("{", "query", "mutation")):  # not SDL sketches
                found.append(pytest.param(block, id=f"{document.name}-{n}"))
    return found


EXAMPLES = _examples()


def test_the_docs_have_examples_to_check():
    assert len(EXAMPLES) >= 3, "the docs' GraphQL examples were not found"


@pytest.mark.parametrize("query", EXAMPLES)
async def test_a_documented_query_runs_as_written(app, client, query):
    """Sent as an admin on a fresh copy of the curated directory: the audit trail's examples
    (docs/audit.md) need the editor role, the editing examples (docs/editing.md) make their
    edits, and a token changes nothing a public field answers."""
    async with app.state.engine.begin() as conn:
        token = await issue(conn, name="docs-reader", role=Role.ADMIN)
    response = await client.post(
        "/graphql", json={"query": query}, headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body = without_cost(response.json())
    assert "errors" not in body, body["errors"]
    assert body["data"]
    assert all(value is not None for value in body["data"].values())
    if query.lstrip().startswith("mutation"):  # each edit was made, not refused
        for name, payload in body["data"].items():
            assert payload["userErrors"] == [], (name, payload["userErrors"])
