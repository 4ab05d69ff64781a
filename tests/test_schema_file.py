"""schema.graphql is generated, never edited: it must equal what the code serves."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_schema_file_equals_the_exported_schema():
    exported = subprocess.run(
        [sys.executable, "-m", "service", "export-schema"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert exported == (ROOT / "schema.graphql").read_text(encoding="utf-8"), (
        "schema.graphql is stale: run `make schema` and commit it"
    )


async def test_served_schema_equals_the_schema_file(gql):
    """What introspection shows clients over HTTP is the checked-in contract."""
    from graphql import (
        build_client_schema,
        build_schema,
        get_introspection_query,
        lexicographic_sort_schema,
        print_schema,
    )

    body = await gql(get_introspection_query(descriptions=True, specified_by_url=True))
    served = print_schema(lexicographic_sort_schema(build_client_schema(body["data"])))
    on_file = print_schema(
        lexicographic_sort_schema(
            build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
        )
    )
    assert served == on_file
