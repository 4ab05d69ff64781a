"""What one edit through the API costs as the directory grows: `python -m bench.edit_scale
[--engines sqlite,postgresql] [--sizes 1000,10000,100000] [--rounds 5] [--full]`.

Per engine and size, on a working copy of the benchmark's cached database
(bench/datasets.py), in process (GraphQL over ASGI, as the tests send it), as an editor:
  - `year`: updateOrganization moving the founding year of the best-connected body other
    than the hub every seat is held for (org-0): the one party to the most agreements;
  - `agreement`: createAgreement, a CO_FOUNDING of three bodies (two of them that one).
Each is timed over `--rounds` edits (median, min, max) with the SQL statements it sent.
`--full` times the same edits refreshing every tie and search document instead (what each
edit did before it refreshed only what it changes).
"""

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import event

from bench.datasets import Cluster, Dataset, prepare_postgresql, prepare_sqlite
from service.app import create_app
from service.auth.principal import Role
from service.auth.tokens import issue
from service.config import Settings
from service.data.engine import for_writes
from service.graphql.ids import encode_id
from tests import postgres

NOTE = {"editorialNote": "A benchmark's edit."}
UPDATE = """mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
  organization { version } userErrors { message } } }"""
CREATE = """mutation($input: CreateAgreementInput!) { createAgreement(input: $input) {
  agreement { id } userErrors { message } } }"""
BUSIEST = """SELECT o.slug FROM organization o JOIN agreement_party p ON p.organization_id = o.id
WHERE o.slug <> 'org-0' GROUP BY o.id, o.slug ORDER BY count(*) DESC, o.id LIMIT 2"""
VERSION = "SELECT version FROM organization WHERE slug = :slug"


def _full_refresh() -> None:
    """Make every edit refresh everything, as before."""
    from service.data import loader
    from service.editing import transaction

    def everything(conn: Any, step: Callable[[str], None], **_scope: Any) -> Any:
        return loader.refresh_derived(conn, step)

    setattr(transaction, "refresh_derived", everything)  # noqa: B010


async def _measure(url: str, rounds: int) -> dict[str, list[tuple[float, int]]]:
    # The old path took longer than a request's default budget (10 s) at 100,000 bodies.
    settings = Settings(
        database_url=url, response_cache_bytes=0, request_timeout_s=600, statement_timeout_ms=0
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        engine = app.state.engine
        async with for_writes(engine).begin() as conn:
            token = await issue(conn, name="bench", role=Role.EDITOR)
            busiest, second = [r[0] for r in await conn.execute(sa.text(BUSIEST))]
            version = (await conn.execute(sa.text(VERSION), {"slug": busiest})).scalar_one()
        statements: list[str] = []

        def sent(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(for_writes(engine).sync_engine, "before_cursor_execute", sent)
        headers = {"authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        found: dict[str, list[tuple[float, int]]] = {"year": [], "agreement": []}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def send(name: str, query: str, given: dict[str, Any]) -> dict[str, Any]:
                statements.clear()
                start = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": query, "variables": {"input": given}},
                    headers=headers,
                )  # fmt: skip
                found[name].append((time.perf_counter() - start, len(statements)))
                body: dict[str, Any] = response.json()
                assert "errors" not in body, body
                return body

            for n in range(rounds):
                body = await send("year", UPDATE, {
                    "id": encode_id("Organization", busiest), "expectedVersion": version,
                    "foundedYear": 1901 + n, "evidence": NOTE,
                })  # fmt: skip
                version = body["data"]["updateOrganization"]["organization"]["version"]
                await send("agreement", CREATE, {
                    "slug": f"bench-co-founding-{n}-{time.monotonic_ns()}", "kind": "CO_FOUNDING",
                    "title": "A benchmark's co-founding", "year": 2001,
                    "parties": [busiest, f"org-{n + 1}"], "establishes": second, "evidence": NOTE,
                })  # fmt: skip
    return found


def _line(engine: str, size: int, name: str, samples: list[tuple[float, int]]) -> str:
    times = [t * 1000 for t, _ in samples]
    counts = sorted({c for _, c in samples})
    return (
        f"| {engine} | {size:,} | {name} | {statistics.median(times):,.1f} | "
        f"{min(times):,.1f} | {max(times):,.1f} | {'/'.join(map(str, counts))} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.edit_scale", description=__doc__)
    parser.add_argument("--engines", default="sqlite", help="sqlite,postgresql")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="refresh everything per edit")
    args = parser.parse_args(argv)
    if args.full:
        _full_refresh()
    print("| engine | organizations | edit | median ms | min ms | max ms | statements |")
    print("| --- | ---: | --- | ---: | ---: | ---: | --- |")
    sizes = [int(s) for s in args.sizes.split(",")]
    for engine in args.engines.split(","):
        if engine == "sqlite":
            for size in sizes:
                url = prepare_sqlite(Dataset(size), copy_prefix="edit-scale-")
                for name, samples in asyncio.run(_measure(url, args.rounds)).items():
                    print(_line(engine, size, name, samples), flush=True)
            continue
        binaries = postgres.find_binaries()
        assert binaries is not None, "no PostgreSQL binaries found"
        with postgres.running_server(binaries) as server:
            cluster = Cluster(server=server, binaries=binaries)
            for size in sizes:
                url = prepare_postgresql(cluster, Dataset(size))
                for name, samples in asyncio.run(_measure(url, args.rounds)).items():
                    print(_line(engine, size, name, samples), flush=True)


if __name__ == "__main__":
    main()
