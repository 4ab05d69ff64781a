"""The in-process workloads W1-W6, measured against one database in one process.

`bench.run` starts `python -m bench.workloads --engine E --dataset D --url URL --out FILE`
once per engine and dataset, so each process's peak RSS belongs to one configuration.
Requests go through `httpx.ASGITransport` to an app built by `create_app(Settings(...))`
with its lifespan entered; every SQL statement the app's engine sends is counted (BEGIN,
COMMIT and ROLLBACK excepted, as in tests/conftest.py). Where a workload has a floor
(bench/floor.py), each service request is followed by one floor statement on the same
engine, so both see the same moment of a noisy machine.
"""

import argparse
import asyncio
import gc
import itertools
import json
import resource
import sqlite3
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.floor import floor_params, floor_sql
from bench.stats import summary
from service.app import create_app
from service.config import Settings
from tests.queries import DEPTH_6_QUERY, FRONTEND_QUERY

SEARCH_QUERY = """
query Search($query: String!, $first: Int) { search(query: $query, first: $first) {
  __typename ... on Organization { slug name } ... on Person { slug name }
  ... on Agreement { title year } ... on Initiative { name kind } } }
"""
PAGE_QUERY = """
query Page($after: String) { organizations(first: 100, after: $after) {
  pageInfo { endCursor hasNextPage } nodes { slug name } } }
"""
COUNT_QUERY = "{ organizations(first: 0) { totalCount } }"
IDS_QUERY = """
{ organizations(first: 100) { nodes { id } } people(first: 100) { nodes { id } }
  agreements(first: 100) { nodes { id } } }
"""
NODE_QUERY = """
query Node($id: ID!) { node(id: $id) { id __typename
  ... on Organization { slug name } ... on Person { slug name }
  ... on Agreement { title year } } }
"""
SEARCH_TERMS = {"W4a": "cell therapy", "W4b": "regen"}
# W3 asks for first: 1000, which the API refuses by default (first/last take 0..100, the
# query-cost limit counts the objects a query could return, and a request gets 10 s): this
# is the benchmark's budget for it. Fields this version of Settings lacks are left out.
W3_OVERRIDES: dict[str, Any] = {
    "max_page_size": 1000,
    "max_cost": 10_000_000,
    "request_timeout_s": 600.0,
}


@dataclass(frozen=True)
class Budget:
    """Repeat `reps` times, but once `min_reps` are done, not a repetition that would
    (at the mean pace so far) end past `seconds`; `warmup` untimed requests first."""

    reps: int
    min_reps: int
    seconds: float
    warmup: int

    def more(self, done: int, started: float) -> bool:
        if done < self.min_reps:
            return True
        elapsed = time.perf_counter() - started
        return done < self.reps and elapsed + elapsed / done <= self.seconds


@dataclass(frozen=True)
class Plan:
    standard: Budget  # W1, W2, W4, and every floor (interleaved with its service request)
    heavy: Budget  # W3: one first: 1000 request takes seconds
    walks: Budget  # W5: repetitions are whole walks; warm-up is pages
    node_lookups: int  # W6: timed single node requests
    node_warmup: int


FULL = Plan(
    standard=Budget(reps=30, min_reps=10, seconds=90, warmup=3),
    heavy=Budget(reps=5, min_reps=3, seconds=45, warmup=1),
    walks=Budget(reps=30, min_reps=1, seconds=25, warmup=3),
    node_lookups=100,
    node_warmup=5,
)
QUICK = Plan(
    standard=Budget(reps=10, min_reps=3, seconds=8, warmup=2),
    heavy=Budget(reps=1, min_reps=1, seconds=30, warmup=1),
    walks=Budget(reps=5, min_reps=1, seconds=5, warmup=2),
    node_lookups=30,
    node_warmup=3,
)


class WorkloadError(Exception):
    """A request the workload needs failed; the workload is reported as failed."""


class StatementCounter:
    """Counts the statements sent; transaction control (BEGIN...) is not a statement."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.count += 1


@dataclass
class Target:
    """One app (lifespan entered), a client for it, and its statement counter."""

    engine: AsyncEngine
    client: httpx.AsyncClient
    counter: StatementCounter


@dataclass(frozen=True)
class Sample:
    ms: float
    statements: int
    size: int
    body: dict[str, Any]


@dataclass
class Series:
    """The timed samples of one workload, and of its floor where it has one."""

    service: list[Sample] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    floor_size: int = 0
    floor_equal: bool | None = None


def settings_for(url: str, **overrides: Any) -> Settings:
    known = {k: v for k, v in overrides.items() if k in Settings.model_fields}
    return Settings(database_url=url, **known)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Target]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        engine: AsyncEngine = app.state.engine
        counter = StatementCounter()
        event.listen(engine.sync_engine, "before_cursor_execute", counter)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=600
        ) as client:
            yield Target(engine=engine, client=client, counter=counter)


async def request(target: Target, query: str, variables: dict[str, Any] | None = None) -> Sample:
    """POST one query; its latency, statements and size. GraphQL errors fail the workload."""
    target.counter.count = 0
    started = time.perf_counter()
    response = await target.client.post("/graphql", json={"query": query, "variables": variables})
    elapsed = (time.perf_counter() - started) * 1000
    statements = target.counter.count
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise WorkloadError(f"HTTP {response.status_code}: {json.dumps(body)[:500]}")
    return Sample(ms=elapsed, statements=statements, size=len(response.content), body=body)


async def floor_once(
    engine: AsyncEngine, statement: sa.TextClause, params: dict[str, Any]
) -> tuple[float, str]:
    """Execute the floor statement and fetch its single text value."""
    started = time.perf_counter()
    async with engine.connect() as conn:
        text = (await conn.execute(statement, params)).scalar_one()
    return (time.perf_counter() - started) * 1000, str(text)


@dataclass(frozen=True)
class Floor:
    engine: AsyncEngine
    statement: sa.TextClause
    params: dict[str, Any]

    @classmethod
    def of(cls, target: Target, query: str, variables: dict[str, Any]) -> "Floor":
        sql = floor_sql(query, target.engine.dialect.name)
        return cls(target.engine, sa.text(sql), floor_params(query, variables))

    async def run(self) -> tuple[float, str]:
        return await floor_once(self.engine, self.statement, self.params)


async def measure(
    target: Target,
    query: str,
    variables: dict[str, Any] | None,
    budget: Budget,
    floor: Floor | None = None,
    warmup_variables: dict[str, Any] | None = None,
) -> Series:
    """Warm up, then time service requests (each followed by the floor, if any)."""
    series = Series()
    for _ in range(budget.warmup):
        warm = await request(target, query, warmup_variables or variables)
        if floor is not None and warmup_variables is None:
            _ms, text = await floor.run()
            series.floor_equal = json.loads(text) == warm.body["data"]
    gc.collect()
    started = time.perf_counter()
    while budget.more(len(series.service), started):
        sample = await request(target, query, variables)
        series.service.append(sample)
        if floor is not None:
            ms, text = await floor.run()
            series.floor_ms.append(ms)
            series.floor_size = len(text.encode())
            if series.floor_equal is None:
                series.floor_equal = json.loads(text) == sample.body["data"]
    return series


def rss_kib() -> int:
    """This process's peak resident set so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def report(workload: str, title: str, series: Series, **extra: Any) -> dict[str, Any]:
    samples = series.service
    statements = [s.statements for s in samples]
    sizes = sorted(s.size for s in samples)
    result: dict[str, Any] = {
        "workload": workload,
        "title": title,
        "n": len(samples),
        "latency_ms": summary([s.ms for s in samples]),
        "samples_ms": [round(s.ms, 3) for s in samples],
        "statements": {"min": min(statements), "max": max(statements)},
        "bytes": sizes[len(sizes) // 2],
        "rss_kib": rss_kib(),
        **extra,
    }
    if series.floor_ms:
        floor = summary(series.floor_ms)
        result["floor"] = {
            "n": len(series.floor_ms),
            "latency_ms": floor,
            "samples_ms": [round(ms, 3) for ms in series.floor_ms],
            "bytes": series.floor_size,
            "equal": series.floor_equal,
        }
        result["ratio"] = result["latency_ms"]["median"] / floor["median"]
        if not series.floor_equal:
            result["error"] = "the floor's JSON differs from the service's data"
    return result


# --- the workloads ----------------------------------------------------------------------


async def w1(ctx: "Context") -> list[dict[str, Any]]:
    floor = Floor.of(ctx.target, "frontend", {})
    series = await measure(ctx.target, FRONTEND_QUERY, None, ctx.plan.standard, floor)
    return [report("W1", "frontend query", series)]


async def w2(ctx: "Context") -> list[dict[str, Any]]:
    variables = {"first": 100}
    floor = Floor.of(ctx.target, "depth6", variables)
    series = await measure(ctx.target, DEPTH_6_QUERY, variables, ctx.plan.standard, floor)
    return [report("W2", "depth-6, first: 100", series)]


async def w3(ctx: "Context") -> list[dict[str, Any]]:
    """first: 1000 on an app allowed to answer it; warmed up with a first: 100 request
    (a full first: 1000 warm-up would cost as much as a repetition)."""
    variables = {"first": 1000}
    async with serving(settings_for(ctx.url, **W3_OVERRIDES)) as target:
        floor = Floor.of(target, "depth6", variables)
        await floor.run()  # the floor's own warm-up
        series = await measure(
            target, DEPTH_6_QUERY, variables, ctx.plan.heavy, floor, warmup_variables={"first": 100}
        )
    overrides = {k: v for k, v in W3_OVERRIDES.items() if k in Settings.model_fields}
    return [report("W3", "depth-6, first: 1000", series, settings=overrides)]


async def w4(ctx: "Context") -> list[dict[str, Any]]:
    results = []
    for workload, terms in SEARCH_TERMS.items():
        variables = {"query": terms, "first": 20}
        series = await measure(ctx.target, SEARCH_QUERY, variables, ctx.plan.standard)
        hits = len(series.service[0].body["data"]["search"])
        title = f'search "{terms}"' + (" (prefix)" if workload == "W4b" else "")
        results.append(report(workload, title, series, hits=hits))
    return results


async def walk(target: Target, pages: int | None = None) -> tuple[list[Sample], int]:
    """Page through the organizations 100 at a time: the pages, and the nodes seen."""
    samples: list[Sample] = []
    after: str | None = None
    seen = 0
    while pages is None or len(samples) < pages:
        sample = await request(target, PAGE_QUERY, {"after": after})
        samples.append(sample)
        connection = sample.body["data"]["organizations"]
        seen += len(connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    return samples, seen


async def w5(ctx: "Context") -> list[dict[str, Any]]:
    total = (await request(ctx.target, COUNT_QUERY)).body["data"]["organizations"]["totalCount"]
    budget = ctx.plan.walks
    await walk(ctx.target, pages=budget.warmup)
    gc.collect()
    series, walk_ms = Series(), list[float]()
    started = time.perf_counter()
    while budget.more(len(walk_ms), started):
        begun = time.perf_counter()
        pages, seen = await walk(ctx.target)
        walk_ms.append((time.perf_counter() - begun) * 1000)
        if seen != total:
            raise WorkloadError(f"a walk saw {seen} organizations, not {total}")
        series.service.extend(pages)
    return [
        report(
            "W5",
            "page through all organizations (per page)",
            series,
            walks=len(walk_ms),
            pages_per_walk=len(series.service) // len(walk_ms),
            walk_ms=summary(walk_ms),
            organizations=total,
        )
    ]


async def w6(ctx: "Context") -> list[dict[str, Any]]:
    data = (await request(ctx.target, IDS_QUERY)).body["data"]
    lists = [
        [node["id"] for node in data[key]["nodes"]]
        for key in ("organizations", "people", "agreements")
    ]
    mixed = itertools.chain.from_iterable(itertools.zip_longest(*lists))  # round-robin by type
    ids = [node_id for node_id in mixed if node_id is not None][:100]
    for node_id in ids[: ctx.plan.node_warmup]:
        await request(ctx.target, NODE_QUERY, {"id": node_id})
    gc.collect()
    series = Series()
    for number in range(ctx.plan.node_lookups):
        sample = await request(ctx.target, NODE_QUERY, {"id": ids[number % len(ids)]})
        if sample.body["data"]["node"] is None:
            raise WorkloadError(f"node({ids[number % len(ids)]!r}) is null")
        series.service.append(sample)
    return [report("W6", "node(id:) lookup", series, distinct_ids=len(ids))]


Workload = Callable[["Context"], Awaitable[list[dict[str, Any]]]]
WORKLOADS: dict[str, Workload] = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6}
CURATED = ("W1", "W4", "W5", "W6")
SYNTHETIC = ("W2", "W4", "W5", "W6", "W3")  # W3 last: its RSS peak would mask the others'


@dataclass
class Context:
    url: str
    plan: Plan
    target: Target


async def run_all(url: str, dataset: str, plan: Plan, only: set[str] | None) -> dict[str, Any]:
    names = CURATED if dataset == "curated" else SYNTHETIC
    results: list[dict[str, Any]] = []
    async with serving(settings_for(url)) as target:
        ctx = Context(url=url, plan=plan, target=target)
        started_rss = rss_kib()
        for name in names:
            if only and name not in only:
                continue
            began = time.perf_counter()
            print(f"  {name} ...", end="", flush=True, file=sys.stderr)
            try:
                results.extend(await WORKLOADS[name](ctx))
            except Exception as error:  # one failed workload must not hide the others
                traceback.print_exc()
                results.append({"workload": name, "error": f"{type(error).__name__}: {error}"})
            print(f" {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return {"rss_start_kib": started_rss, "rss_peak_kib": rss_kib(), "workloads": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workloads", description=__doc__)
    parser.add_argument("--engine", required=True)
    parser.add_argument("--dataset", required=True, help='"curated" or "synthetic-N"')
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated workloads (W1..W6)")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    started = time.perf_counter()
    result = asyncio.run(run_all(args.url, args.dataset, QUICK if args.quick else FULL, only))
    result.update(
        engine=args.engine,
        dataset=args.dataset,
        seconds=time.perf_counter() - started,
        sqlite_version=sqlite3.sqlite_version,
    )
    args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
