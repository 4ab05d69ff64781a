"""The in-process workloads W1-W6, measured on both execution paths against one database in
one process.

`bench.run` starts `python -m bench.workloads --engine E --dataset D --url URL --out FILE`
once per engine and dataset. Two apps are built by `create_app(Settings(...))` on the same
database: `compiled_queries=True` (the default: a query over the data compiles into one SQL
statement that builds the answer) and `compiled_queries=False` (Strawberry resolvers and
DataLoaders). Both lifespans are entered and requests go through `httpx.ASGITransport`, so
latency is the service's without a network. Every SQL statement each app's engine sends is
counted (BEGIN, COMMIT and ROLLBACK excepted, as in tests/conftest.py).

A repetition is a round: the compiled request, the floor statement where the workload has
one (bench/floor.py), then the resolver request, so the three see the same moment of a
noisy machine and the ratios between them hold even when the machine's speed does not.
The two paths' answers are compared in every round (parsed JSON, key order included): a
difference fails the workload. Peak RSS is the process's high-water mark, and the process
holds both apps, so it covers both paths.
"""

import argparse
import asyncio
import dataclasses
import gc
import itertools
import json
import resource
import sqlite3
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
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
PATHS = {"compiled": True, "resolver": False}  # name -> Settings.compiled_queries


@dataclass(frozen=True)
class Budget:
    """Repeat `reps` times, but once `min_reps` are done, not a repetition that would
    (at the mean pace so far) end past `seconds`; `warmup` untimed requests first.

    `elapsed` is the time this budget's own requests took, so a path that shares its
    rounds with a slower one is not cut short by the other's time."""

    reps: int
    min_reps: int
    seconds: float
    warmup: int

    def more(self, done: int, elapsed: float) -> bool:
        if done < self.min_reps:
            return True
        if done >= self.reps:
            return False
        return done == 0 or elapsed + elapsed / done <= self.seconds


@dataclass(frozen=True)
class Plan:
    standard: Budget  # W4 on both paths; W1 and W2 on the resolver path
    against_floor: Budget  # W1 and W2 on the compiled path and the floor (fast: more rounds)
    heavy: Budget  # W3 on the compiled path and its floor
    heavy_resolver: Budget  # W3 on the resolver path (seconds a request; warmed up by `heavy`)
    walks: Budget  # W5: repetitions are whole walks; warm-up is pages
    node_lookups: int  # W6: timed single node requests
    node_warmup: int


FULL = Plan(
    standard=Budget(reps=30, min_reps=10, seconds=90, warmup=3),
    against_floor=Budget(reps=100, min_reps=30, seconds=30, warmup=3),
    heavy=Budget(reps=10, min_reps=3, seconds=45, warmup=1),
    heavy_resolver=Budget(reps=3, min_reps=2, seconds=50, warmup=0),
    walks=Budget(reps=30, min_reps=1, seconds=25, warmup=3),
    node_lookups=100,
    node_warmup=5,
)
QUICK = Plan(
    standard=Budget(reps=10, min_reps=3, seconds=8, warmup=2),
    against_floor=Budget(reps=20, min_reps=5, seconds=8, warmup=2),
    heavy=Budget(reps=3, min_reps=1, seconds=10, warmup=1),
    heavy_resolver=Budget(reps=1, min_reps=1, seconds=30, warmup=0),
    walks=Budget(reps=5, min_reps=1, seconds=5, warmup=2),
    node_lookups=30,
    node_warmup=3,
)


class WorkloadError(Exception):
    """A request the workload needs failed; the workload is reported as failed."""


class StatementCounter:
    """Counts the statements one app sends, and those sent as SQL text.

    Transaction control (BEGIN...) is not a statement. The compiler's one statement is
    SQL text while the resolver path sends SQLAlchemy selects, so a request the compiled
    app answered with one text statement was answered by the compiled path, and any other
    shape means it fell back to the resolvers."""

    def __init__(self) -> None:
        self.count = 0
        self.texts = 0

    def reset(self) -> None:
        self.count = self.texts = 0

    def on_cursor(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.count += 1

    def on_execute(self, _conn: Any, clause: Any, *_args: Any) -> None:
        if isinstance(clause, sa.TextClause):
            self.texts += 1

    def listen(self, engine: AsyncEngine) -> None:
        event.listen(engine.sync_engine, "before_cursor_execute", self.on_cursor)
        event.listen(engine.sync_engine, "before_execute", self.on_execute)


@dataclass
class Target:
    """One app (lifespan entered), a client for it, and its statement counter."""

    engine: AsyncEngine
    client: httpx.AsyncClient
    counter: StatementCounter


@dataclass
class Pair:
    """The two apps on one database: the compiled path and the resolver path."""

    compiled: Target
    resolver: Target


@dataclass(frozen=True)
class Sample:
    ms: float
    statements: int
    size: int
    body: dict[str, Any]
    one_text_statement: bool  # on the compiled app: answered by the compiled path


@dataclass
class PathCheck:
    """The two paths' answers compared round by round, as parsed JSON with key order."""

    compared: int = 0
    differ: int = 0
    first_difference: str | None = None

    def compare(self, compiled: Sample, resolver: Sample, what: str) -> None:
        self.compared += 1
        left, right = canonical(compiled.body), canonical(resolver.body)
        if left != right:
            self.differ += 1
            self.first_difference = self.first_difference or f"{what}: {diff(left, right)}"

    def figures(self) -> dict[str, Any]:
        return {
            "compared": self.compared,
            "differ": self.differ,
            "equal": self.compared > 0 and self.differ == 0,
            "first_difference": self.first_difference,
        }


@dataclass
class Series:
    """The timed samples of one workload on both paths, and of its floor where it has one.

    The resolver path may have fewer samples: its own budget can end before the rounds do."""

    compiled: list[Sample] = field(default_factory=list)
    resolver: list[Sample] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    floor_size: int = 0
    floor_equal: bool | None = None
    check: PathCheck = field(default_factory=PathCheck)


def canonical(body: dict[str, Any]) -> str:
    """A response body as JSON text with its key order: both paths must agree on it, since
    clients may read it in order and PostgreSQL's JSON functions keep the order they are given."""
    return json.dumps(body)


def diff(
    left: str, right: str, context: int = 60, names: tuple[str, str] = ("compiled", "resolver")
) -> str:
    """Where two JSON texts part: enough either side to find it in the answer. `names` say
    whose each text is (the ablation compares apps other than the two paths)."""
    at = next((i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b), None)
    if at is None:
        at = min(len(left), len(right))
    start = max(0, at - context)
    return (
        f"at character {at}: {names[0]} …{left[start : at + context]}… "
        f"vs {names[1]} …{right[start : at + context]}…"
    )


def settings_for(url: str, compiled: bool, **overrides: Any) -> Settings:
    """Settings for one path; the path is always explicit, never left to the environment."""
    known = {k: v for k, v in overrides.items() if k in Settings.model_fields}
    return Settings(database_url=url, compiled_queries=compiled, **known)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Target]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        engine: AsyncEngine = app.state.engine
        counter = StatementCounter()
        counter.listen(engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=600
        ) as client:
            yield Target(engine=engine, client=client, counter=counter)


@asynccontextmanager
async def serving_pair(url: str, **overrides: Any) -> AsyncIterator[Pair]:
    """Both paths' apps on the same database, each with its own engine and counter."""
    async with AsyncExitStack() as stack:
        targets = {
            name: await stack.enter_async_context(serving(settings_for(url, flag, **overrides)))
            for name, flag in PATHS.items()
        }
        yield Pair(compiled=targets["compiled"], resolver=targets["resolver"])


async def request(target: Target, query: str, variables: dict[str, Any] | None = None) -> Sample:
    """POST one query; its latency, statements and size. GraphQL errors fail the workload."""
    target.counter.reset()
    started = time.perf_counter()
    response = await target.client.post("/graphql", json={"query": query, "variables": variables})
    elapsed = (time.perf_counter() - started) * 1000
    counter = target.counter
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise WorkloadError(f"HTTP {response.status_code}: {json.dumps(body)[:500]}")
    return Sample(
        ms=elapsed,
        statements=counter.count,
        size=len(response.content),
        body=body,
        one_text_statement=counter.count == 1 and counter.texts == 1,
    )


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


@dataclass
class Clock:
    """Seconds spent in one budget's timed requests."""

    seconds: float = 0.0

    def since(self, started: float) -> None:
        self.seconds += time.perf_counter() - started


async def warm_up(
    pair: Pair,
    query: str,
    variables: dict[str, Any] | None,
    rounds: int,
    floor: Floor | None,
    series: Series,
) -> None:
    """Untimed rounds on both paths; the floor's answer is checked when asked the same."""
    for _ in range(rounds):
        warm = await request(pair.compiled, query, variables)
        if floor is not None:
            _ms, text = await floor.run()
            _check_floor(series, text, warm)
        await request(pair.resolver, query, variables)


def _check_floor(series: Series, text: str, sample: Sample) -> None:
    """The floor's JSON against the service's `data`: one difference, in any round, stays."""
    equal = json.loads(text) == sample.body["data"]
    series.floor_equal = equal if series.floor_equal is None else series.floor_equal and equal


async def compiled_and_floor(
    target: Target, query: str, variables: dict[str, Any] | None, floor: Floor, series: Series
) -> Sample:
    """The compiled request and the floor, next to each other, taking turns to go first: the
    one right after the resolver's request (seconds of allocation on a large answer) would
    otherwise always be the same one. The floor's JSON is checked against the answer."""
    floor_first = len(series.compiled) % 2 == 1
    if floor_first:
        ms, text = await floor.run()
    sample = await request(target, query, variables)
    if not floor_first:
        ms, text = await floor.run()
    series.floor_ms.append(ms)
    series.floor_size = len(text.encode())
    _check_floor(series, text, sample)
    return sample


async def measure(
    pair: Pair,
    query: str,
    variables: dict[str, Any] | None,
    budget: Budget,
    floor: Floor | None = None,
    *,
    resolver_budget: Budget | None = None,
    warmup_variables: dict[str, Any] | None = None,
) -> Series:
    """Warm up, then time rounds: compiled request and floor (if any, in turns), then the
    resolver request.

    The rounds run on `budget` (compiled and floor time); the resolver joins each round
    while `resolver_budget` (its own time; `budget` unless given) allows."""
    series = Series()
    resolver_budget = resolver_budget or budget
    warm_floor = floor if warmup_variables is None else None
    warm_variables = warmup_variables or variables
    await warm_up(pair, query, warm_variables, budget.warmup, warm_floor, series)
    gc.collect()
    rounds, resolver = Clock(), Clock()
    while budget.more(len(series.compiled), rounds.seconds):
        started = time.perf_counter()
        if floor is None:
            sample = await request(pair.compiled, query, variables)
        else:
            sample = await compiled_and_floor(pair.compiled, query, variables, floor, series)
        series.compiled.append(sample)
        rounds.since(started)
        if resolver_budget.more(len(series.resolver), resolver.seconds):
            started = time.perf_counter()
            other = await request(pair.resolver, query, variables)
            resolver.since(started)
            series.resolver.append(other)
            series.check.compare(sample, other, "the answer")
            _keep_first_answer_only(series.resolver)
        _keep_first_answer_only(series.compiled)
    return series


def _keep_first_answer_only(samples: list[Sample]) -> None:
    """Once compared, a sample's parsed answer is dropped (the first is kept for the report):
    a hundred parsed W2 answers would hold ~150 MB, and peak RSS would measure the
    benchmark's own samples rather than the service."""
    if len(samples) > 1:
        samples[-1] = lean(samples[-1])


def lean(sample: Sample) -> Sample:
    """A sample without its parsed answer, once that has been compared."""
    return dataclasses.replace(sample, body={})


def rss_kib() -> int:
    """This process's peak resident set so far (ru_maxrss is KiB on Linux): both apps'."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def path_figures(samples: Sequence[Sample]) -> dict[str, Any]:
    """One path's latency, statements per request and median response size."""
    statements = [s.statements for s in samples]
    sizes = sorted(s.size for s in samples)
    return {
        "n": len(samples),
        "latency_ms": summary([s.ms for s in samples]),
        "samples_ms": [round(s.ms, 3) for s in samples],
        "statements": {"min": min(statements), "max": max(statements)},
        "bytes": sizes[len(sizes) // 2],
    }


def floor_figures(series: Series) -> dict[str, Any]:
    return {
        "n": len(series.floor_ms),
        "latency_ms": summary(series.floor_ms),
        "samples_ms": [round(ms, 3) for ms in series.floor_ms],
        "bytes": series.floor_size,
        "equal": series.floor_equal,
    }


def report(workload: str, title: str, series: Series, **extra: Any) -> dict[str, Any]:
    """One workload's figures. The top-level ones are the compiled path's (the service as
    it ships); `resolver` holds the resolver path's, `paths` their comparison."""
    compiled = path_figures(series.compiled)
    result: dict[str, Any] = {
        "workload": workload,
        "title": title,
        **compiled,
        "compiled_answered": sum(s.one_text_statement for s in series.compiled),
        "rss_kib": rss_kib(),
        "paths": series.check.figures(),
        **extra,
    }
    errors = []
    if series.resolver:
        resolver = path_figures(series.resolver)
        result["resolver"] = resolver
        result["resolver_ratio"] = (
            resolver["latency_ms"]["median"] / compiled["latency_ms"]["median"]
        )
    if series.check.differ:
        errors.append(
            f"the resolver path's JSON differs from the compiled path's in "
            f"{series.check.differ} of {series.check.compared} rounds"
        )
    if series.floor_ms:
        result["floor"] = floor = floor_figures(series)
        result["ratio"] = compiled["latency_ms"]["median"] / floor["latency_ms"]["median"]
        if not series.floor_equal:
            errors.append("the floor's JSON differs from the service's data")
    if errors:
        result["error"] = "; ".join(errors)
    return result


# --- the workloads ----------------------------------------------------------------------


async def w1(ctx: "Context") -> list[dict[str, Any]]:
    floor = Floor.of(ctx.pair.compiled, "frontend", {})
    series = await measure(
        ctx.pair,
        FRONTEND_QUERY,
        None,
        ctx.plan.against_floor,
        floor,
        resolver_budget=ctx.plan.standard,
    )
    return [report("W1", "frontend query", series)]


async def w2(ctx: "Context") -> list[dict[str, Any]]:
    variables = {"first": 100}
    floor = Floor.of(ctx.pair.compiled, "depth6", variables)
    series = await measure(
        ctx.pair,
        DEPTH_6_QUERY,
        variables,
        ctx.plan.against_floor,
        floor,
        resolver_budget=ctx.plan.standard,
    )
    return [report("W2", "depth-6, first: 100", series)]


async def w3(ctx: "Context") -> list[dict[str, Any]]:
    """first: 1000 on apps allowed to answer it; warmed up with a first: 100 request (a
    full first: 1000 warm-up would cost as much as a repetition). The resolver path takes
    seconds per request here, so it has a budget of its own, of fewer repetitions."""
    variables = {"first": 1000}
    async with serving_pair(ctx.url, **W3_OVERRIDES) as pair:
        floor = Floor.of(pair.compiled, "depth6", variables)
        await floor.run()  # the floor's own warm-up
        series = await measure(
            pair,
            DEPTH_6_QUERY,
            variables,
            ctx.plan.heavy,
            floor,
            resolver_budget=ctx.plan.heavy_resolver,
            warmup_variables={"first": 100},
        )
    overrides = {k: v for k, v in W3_OVERRIDES.items() if k in Settings.model_fields}
    return [report("W3", "depth-6, first: 1000", series, settings=overrides)]


async def w4(ctx: "Context") -> list[dict[str, Any]]:
    results = []
    for workload, terms in SEARCH_TERMS.items():
        variables = {"query": terms, "first": 20}
        series = await measure(ctx.pair, SEARCH_QUERY, variables, ctx.plan.standard)
        hits = len(series.compiled[0].body["data"]["search"])
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


async def timed_walk(target: Target, total: int, clock: Clock) -> tuple[list[Sample], float]:
    """One whole walk, checked to see every organization: its pages and its milliseconds."""
    started = time.perf_counter()
    pages, seen = await walk(target)
    clock.since(started)
    if seen != total:
        raise WorkloadError(f"a walk saw {seen} organizations, not {total}")
    return pages, (time.perf_counter() - started) * 1000


def compare_walks(check: PathCheck, compiled: list[Sample], resolver: list[Sample]) -> None:
    """Page by page (cursors included); a walk of another length is a difference too."""
    for number, (left, right) in enumerate(zip(compiled, resolver, strict=False), 1):
        check.compare(left, right, f"page {number}")
    if len(compiled) != len(resolver):
        check.compared += 1
        check.differ += 1
        check.first_difference = check.first_difference or (
            f"the compiled walk has {len(compiled)} pages, the resolver walk {len(resolver)}"
        )


async def w5(ctx: "Context") -> list[dict[str, Any]]:
    pair, budget = ctx.pair, ctx.plan.walks
    total = (await request(pair.compiled, COUNT_QUERY)).body["data"]["organizations"]["totalCount"]
    await walk(pair.compiled, pages=budget.warmup)
    await walk(pair.resolver, pages=budget.warmup)
    gc.collect()
    series, walk_ms, resolver_walk_ms = Series(), list[float](), list[float]()
    rounds, resolver = Clock(), Clock()
    while budget.more(len(walk_ms), rounds.seconds):
        pages, ms = await timed_walk(pair.compiled, total, rounds)
        series.compiled.extend(pages)
        walk_ms.append(ms)
        if budget.more(len(resolver_walk_ms), resolver.seconds):
            other, ms = await timed_walk(pair.resolver, total, resolver)
            series.resolver.extend(other)
            resolver_walk_ms.append(ms)
            compare_walks(series.check, pages, other)
    return [
        report(
            "W5",
            "page through all organizations (per page)",
            series,
            walks=len(walk_ms),
            pages_per_walk=len(series.compiled) // len(walk_ms),
            walk_ms=summary(walk_ms),
            resolver_walks=len(resolver_walk_ms),
            resolver_walk_ms=summary(resolver_walk_ms),
            organizations=total,
        )
    ]


async def node_ids(target: Target) -> list[str]:
    """Up to 100 IDs, round-robin over organizations, people and agreements."""
    data = (await request(target, IDS_QUERY)).body["data"]
    lists = [
        [node["id"] for node in data[key]["nodes"]]
        for key in ("organizations", "people", "agreements")
    ]
    mixed = itertools.chain.from_iterable(itertools.zip_longest(*lists))
    return [node_id for node_id in mixed if node_id is not None][:100]


async def lookup(target: Target, node_id: str) -> Sample:
    sample = await request(target, NODE_QUERY, {"id": node_id})
    if sample.body["data"]["node"] is None:
        raise WorkloadError(f"node({node_id!r}) is null")
    return sample


async def w6(ctx: "Context") -> list[dict[str, Any]]:
    pair = ctx.pair
    ids = await node_ids(pair.compiled)
    for node_id in ids[: ctx.plan.node_warmup]:
        await request(pair.compiled, NODE_QUERY, {"id": node_id})
        await request(pair.resolver, NODE_QUERY, {"id": node_id})
    gc.collect()
    series = Series()
    for number in range(ctx.plan.node_lookups):
        node_id = ids[number % len(ids)]
        sample = await lookup(pair.compiled, node_id)
        other = await lookup(pair.resolver, node_id)
        series.compiled.append(sample)
        series.resolver.append(other)
        series.check.compare(sample, other, f"node({node_id})")
    return [report("W6", "node(id:) lookup", series, distinct_ids=len(ids))]


Workload = Callable[["Context"], Awaitable[list[dict[str, Any]]]]
WORKLOADS: dict[str, Workload] = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6}
CURATED = ("W1", "W4", "W5", "W6")
SYNTHETIC = ("W2", "W4", "W5", "W6", "W3")  # W3 last: its RSS peak would mask the others'


@dataclass
class Context:
    url: str
    plan: Plan
    pair: Pair


async def run_one(name: str, ctx: Context) -> list[dict[str, Any]]:
    """One workload; a failure is its result, so it cannot hide the others'."""
    began = time.perf_counter()
    print(f"  {name} ...", end="", flush=True, file=sys.stderr)
    try:
        results = await WORKLOADS[name](ctx)
    except Exception as error:
        traceback.print_exc()
        results = [{"workload": name, "error": f"{type(error).__name__}: {error}"}]
    print(f" {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return results


async def run_all(url: str, dataset: str, plan: Plan, only: set[str] | None) -> dict[str, Any]:
    names = [n for n in (CURATED if dataset == "curated" else SYNTHETIC) if not only or n in only]
    results: list[dict[str, Any]] = []
    async with serving_pair(url) as pair:
        ctx = Context(url=url, plan=plan, pair=pair)
        started_rss = rss_kib()
        for name in names:
            results.extend(await run_one(name, ctx))
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
