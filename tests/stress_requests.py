"""Run many large nested requests in a row against a fresh app, in its own process, so a
crash of the interpreter (a SIGSEGV was once seen in this stack, on the resolver path) fails
the caller instead of taking the test runner or the benchmark down with it.

Usage: python -m tests.stress_requests DATABASE_URL REQUESTS FIRST [compiled|resolvers]

The last argument picks the execution path (`Settings(compiled_queries=...)`; default
compiled). Each request's SQL statements are counted on the app's engine to prove the path
that answered is the one asked for: a compiled request is exactly one statement, a resolver
request more than one. A `first` beyond the default page size gets the benchmark's W3
budget, without which the API refuses it.

Stdout has one `ok N: S SQL statement(s), T ms` line per answered request (flushed, so a
parent can count the answers even when the process dies), then a summary line. A failure is
described on stderr and exits 1.
"""

import asyncio
import sys
import time
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.workloads import W3_OVERRIDES
from service.app import create_app
from service.config import Settings
from tests.queries import DEPTH_6_QUERY

PATHS = {"compiled": True, "resolvers": False}  # argument -> Settings.compiled_queries
PATH_NAMES = {"compiled": "compiled", "resolvers": "resolver"}  # argument -> report name
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


class Failure(Exception):
    """A request that was not answered in full, or not by the path the run asked for."""


class StatementCounter:
    """The SQL statements an engine sends, transaction control excepted (as the service's
    own per-request count does), so one request's count is the difference around it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_cursor)

    def _on_cursor(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() not in TRANSACTION_CONTROL:
            self.count += 1

    def take(self) -> int:
        """The statements since the last call."""
        count, self.count = self.count, 0
        return count


def settings_for(database: str, first: int, path: str) -> Settings:
    """The default settings on the asked path; where `first` is beyond the default page size,
    the benchmark's W3 budget (page size, query cost, time), which W3 needs to be answered.
    The response cache is off: the run repeats one request to exercise the path that builds
    the answer, which a cache hit would skip."""
    base: dict[str, Any] = {
        "database_url": database,
        "compiled_queries": PATHS[path],
        "response_cache_bytes": 0,
    }
    settings = Settings(**base)
    if first <= settings.max_page_size:
        return settings
    overrides = {k: v for k, v in W3_OVERRIDES.items() if k in Settings.model_fields}
    return Settings(**base, **overrides)


def check_answer(response: httpx.Response, first: int) -> None:
    """A 200 with no errors and `first` organizations: anything less is a failed request."""
    try:
        body = response.json()
    except ValueError:
        raise Failure(f"{response.status_code}, not JSON: {response.text[:500]}") from None
    if response.status_code != 200 or "errors" in body:
        raise Failure(f"{response.status_code} {str(body)[:2000]}")
    nodes = len(body["data"]["organizations"]["nodes"])
    if nodes != first:
        raise Failure(f"short answer: {nodes} organizations, not {first}")


def check_path(path: str, statements: int) -> None:
    """The compiled path answers with its one statement; more means it fell back to the
    resolvers, and the resolver path cannot answer a depth-6 query with one."""
    if path == "compiled" and statements != 1:
        raise Failure(
            f"{statements} SQL statements; the compiled path answers with exactly 1 "
            "(did it fall back to the resolvers?)"
        )
    if path == "resolvers" and statements <= 1:
        raise Failure(f"{statements} SQL statement(s); the resolver path sends more than 1")


def _spread(counts: list[int]) -> str:
    low, high = min(counts), max(counts)
    return f"{low}" if low == high else f"{low}-{high}"


async def main(database: str, requests: int, first: int, path: str = "compiled") -> int:
    app = create_app(settings_for(database, first, path))
    payload = {"query": DEPTH_6_QUERY, "variables": {"first": first}}
    counts: list[int] = []
    async with app.router.lifespan_context(app):
        counter = StatementCounter(app.state.engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stress") as client:
            for number in range(requests):
                counter.take()
                started = time.perf_counter()
                response = await client.post("/graphql", json=payload)
                took = (time.perf_counter() - started) * 1000
                statements = counter.take()
                try:
                    check_answer(response, first)
                    check_path(path, statements)
                except Failure as failure:
                    print(f"request {number}: {failure}", file=sys.stderr)
                    return 1
                counts.append(statements)
                print(f"ok {number}: {statements} SQL statement(s), {took:.0f} ms", flush=True)
    spread = _spread(counts) if counts else "no"
    print(
        f"{requests} requests of first:{first} answered on the {PATH_NAMES[path]} path "
        f"({spread} SQL statement(s) per request)"
    )
    return 0


def cli(argv: list[str]) -> int:
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] not in PATHS):
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[3] if len(argv) == 4 else "compiled"
    return asyncio.run(main(argv[0], int(argv[1]), int(argv[2]), path))


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
