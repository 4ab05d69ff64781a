"""The in-process workloads W1-W6 on both execution paths, against one database, in one
process: `python -m bench.workloads --dataset D --url URL --out FILE [--quick]`.

Two apps are built by `create_app(Settings(...))` on the same database,
`compiled_queries=True` (one SQL statement builds the answer) and `False` (Strawberry
resolvers and DataLoaders), and called through `httpx.ASGITransport`: latency is the
service's without a network. Each app's engine counts the SQL statements it sends
(BEGIN, COMMIT and ROLLBACK excepted).

A repetition is a round: the compiled request and the floor statement (bench/floor.py,
W1-W3), taking turns to go first, then the resolver request, so all three see the same
moment of a noisy machine. Every round compares the two paths' answers (parsed JSON, key
order kept) and the floor's JSON with the service's `data`. The samples go out raw; pyperf
computes the statistics (bench/report.py).
"""

import argparse
import asyncio
import contextlib
import functools
import gc
import itertools
import json
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.floor import FLOOR, floor_answer, floor_sql
from bench.floor import techniques as written
from bench.proc import status_kib
from service.app import create_app
from service.config import Settings
from tests.queries import DEPTH_6_QUERY, FRONTEND_QUERY
from tests.utils.statement_log import COMPILED_STATEMENT

SEARCH_QUERY = """
query Search($query: String!, $first: Int) { search(query: $query, first: $first) {
  __typename ... on Organization { slug name } ... on Person { slug name }
  ... on Agreement { title year } ... on Initiative { name kind } } }
"""
PAGE_QUERY = """
query Page($after: String) { organizations(first: 100, after: $after) {
  pageInfo { endCursor hasNextPage } nodes { slug name } } }
"""
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
# W3 asks for first: 1000, which the API refuses by default (page size, query cost, time):
# this is the benchmark's budget for it (tests/stress_requests.py uses it too).
W3_OVERRIDES: dict[str, Any] = {
    "max_page_size": 1000,
    "max_cost": 10_000_000,
    "request_timeout_s": 600.0,
}
PATHS = {"compiled": True, "resolver": False}  # name -> Settings.compiled_queries


@dataclass(frozen=True)
class Budget:
    """Up to `reps` repetitions, at least `min_reps`, and no more once (at the pace so far)
    the next would end past `seconds` of this budget's own time; `warmup` untimed first."""

    reps: int
    min_reps: int
    seconds: float
    warmup: int

    def more(self, done: int, elapsed: float) -> bool:
        if done < self.min_reps:
            return True
        return done < self.reps and elapsed + elapsed / done <= self.seconds


@dataclass(frozen=True)
class Plan:
    against_floor: Budget  # W1, W2: compiled request and floor (fast: many rounds)
    standard: Budget  # W4 on both paths; W1 and W2 on the resolver path
    heavy: Budget  # W3: compiled request and floor
    heavy_resolver: Budget  # W3 on the resolver path (seconds a request)
    walks: Budget  # W5: whole walks through the organizations; warm-up is pages
    lookups: int  # W6: single node(id:) requests on each path


FULL = Plan(
    against_floor=Budget(reps=100, min_reps=30, seconds=30, warmup=3),
    standard=Budget(reps=30, min_reps=10, seconds=90, warmup=3),
    heavy=Budget(reps=10, min_reps=3, seconds=45, warmup=1),
    heavy_resolver=Budget(reps=3, min_reps=2, seconds=50, warmup=0),
    walks=Budget(reps=30, min_reps=1, seconds=25, warmup=3),
    lookups=100,
)
QUICK = Plan(
    against_floor=Budget(reps=20, min_reps=5, seconds=8, warmup=2),
    standard=Budget(reps=10, min_reps=3, seconds=8, warmup=2),
    heavy=Budget(reps=3, min_reps=1, seconds=10, warmup=1),
    heavy_resolver=Budget(reps=1, min_reps=1, seconds=30, warmup=0),
    walks=Budget(reps=5, min_reps=1, seconds=5, warmup=2),
    lookups=30,
)


class WorkloadError(Exception):
    """A request the workload needs failed; the workload is reported as failed."""


class Counter:
    """The statements one app sends, and how many were a compiled answer's (the statement
    that selects the answer's JSON object, tests/utils/statement_log.py), as the driver
    receives them: a request answered by exactly one, and nothing else, was answered by the
    compiled path."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = self.texts = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_cursor)

    def _on_cursor(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.count += statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK")
        self.texts += bool(COMPILED_STATEMENT.search(statement))


@dataclass
class App:
    engine: AsyncEngine
    client: httpx.AsyncClient
    counter: Counter


@dataclass(frozen=True)
class Answer:
    seconds: float
    statements: int
    size: int
    body: dict[str, Any]
    compiled: bool  # one SQL text statement: the compiled path answered


@dataclass
class Series:
    """A workload's samples on both paths and the floor (seconds, statement counts, answer
    size, answers given by one SQL text statement), and what their answers agreed on."""

    paths: dict[str, dict[str, Any]] = field(default_factory=dict)
    compared: int = 0
    differences: list[str] = field(default_factory=list)

    def add(self, path: str, answer: Answer) -> None:
        new = {"seconds": [], "statements": [], "answered_compiled": 0}
        figures = self.paths.setdefault(path, new)
        figures["seconds"].append(answer.seconds)
        figures["statements"] = sorted({*figures["statements"], answer.statements})
        figures["bytes"] = answer.size
        figures["answered_compiled"] += answer.compiled

    def seconds(self, path: str) -> list[float]:
        return self.paths.get(path, {}).get("seconds", [])

    def compare(self, left: Any, right: Any, what: str) -> None:
        """Two answers as JSON text with key order: clients may read them in order."""
        self.compared += 1
        a, b = json.dumps(left), json.dumps(right)
        if a != b:
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), 0)
            start = max(0, at - 40)
            self.differences.append(f"{what} at {at}: {a[start : at + 60]} vs {b[start : at + 60]}")

    def result(self, workload: str, title: str, **extra: Any) -> dict[str, Any]:
        result = {"workload": workload, "title": title, "compared": self.compared, **extra}
        result["rss_kib"] = rss_kib()
        result |= self.paths
        if self.differences:
            result["error"] = (
                f"answers differ in {len(self.differences)} of {self.compared} comparisons; "
                f"the first: {self.differences[0]}"
            )
        return result


def rss_kib() -> int:
    """This process's peak resident set so far (KiB): it holds both apps. The kernel's VmHWM,
    not `ru_maxrss`: Linux carries a process's `ru_maxrss` over from before its exec, so a
    child of a large parent reported the parent's size (every PostgreSQL run read 256 MiB,
    the bench.run parent's, whatever it held itself)."""
    return status_kib("self", "VmHWM")


@asynccontextmanager
async def serving(url: str, **overrides: Any) -> AsyncIterator[dict[str, App]]:
    """Both paths' apps on the same database, lifespans entered; the path is always
    explicit, never left to the environment. A response cache (RESPONSE_CACHE_BYTES, where
    the service has one) is off: the rounds repeat each request, and what they measure is
    the execution path, not a cache's replay of its answer."""
    settings = {"response_cache_bytes": 0, **overrides}
    known = {k: v for k, v in settings.items() if k in Settings.model_fields}
    async with AsyncExitStack() as stack:
        apps = {}
        for name, compiled in PATHS.items():
            app = create_app(Settings(database_url=url, compiled_queries=compiled, **known))
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600)
            await stack.enter_async_context(client)
            apps[name] = App(app.state.engine, client, Counter(app.state.engine))
        yield apps


async def request(app: App, query: str, variables: dict[str, Any] | None = None) -> Answer:
    """POST one query; its time, statements and size. GraphQL errors fail the workload."""
    app.counter.count = app.counter.texts = 0
    started = time.perf_counter()
    response = await app.client.post("/graphql", json={"query": query, "variables": variables})
    seconds = time.perf_counter() - started
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise WorkloadError(f"HTTP {response.status_code}: {json.dumps(body)[:500]}")
    statements, texts = app.counter.count, app.counter.texts
    return Answer(seconds, statements, len(response.content), body, statements == texts == 1)


Floor = Callable[[], Awaitable[Answer]]


async def empty_trip(app: App) -> Answer:
    """An empty request through the same app and client (`GET /healthz`): what a request
    costs around its answer, for the target of floor + an empty round trip."""
    started = time.perf_counter()
    response = await app.client.get("/healthz")
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise WorkloadError(f"/healthz answered HTTP {response.status_code}")
    return Answer(seconds, 0, len(response.content), {}, False)


def floor_of(app: App, query: str, params: dict[str, Any]) -> Floor:
    """The floor statement on the compiled app's engine: its time and its answer."""
    statement = sa.text(floor_sql(query, app.engine.dialect.name))

    async def run() -> Answer:
        started = time.perf_counter()
        async with app.engine.connect() as conn:
            text = floor_answer(query, tuple((await conn.execute(statement, params)).one()))
        seconds = time.perf_counter() - started
        return Answer(seconds, 1, len(text.encode()), {"data": json.loads(text)}, True)

    return run


async def measure(
    apps: dict[str, App],
    query: str,
    variables: dict[str, Any] | None,
    budget: Budget,
    floor: Floor | None = None,
    resolver_budget: Budget | None = None,
    warmup_variables: dict[str, Any] | None = None,
) -> Series:
    """Warm up, then rounds: the compiled request and the floor (taking turns to go first:
    the one right after the resolver's allocation-heavy request would otherwise always be
    the same), then the resolver request while its own budget allows."""
    for app in [*apps.values()] * budget.warmup:
        await request(app, query, warmup_variables or variables)
    if floor is not None:
        await floor()
    gc.collect()
    series, resolver_budget = Series(), resolver_budget or budget
    spent = {"compiled": 0.0, "resolver": 0.0}
    while budget.more(len(series.seconds("compiled")), spent["compiled"]):
        started = time.perf_counter()
        floor_first = len(series.seconds("compiled")) % 2 == 1
        low = await floor() if floor is not None and floor_first else None
        answer = await request(apps["compiled"], query, variables)
        if floor is not None and not floor_first:
            low = await floor()
        spent["compiled"] += time.perf_counter() - started
        series.add("compiled", answer)
        if low is not None:
            series.add("floor", low)
            series.add("empty", await empty_trip(apps["compiled"]))
            series.compare(low.body["data"], answer.body["data"], "the floor vs the service")
        if resolver_budget.more(len(series.seconds("resolver")), spent["resolver"]):
            other = await request(apps["resolver"], query, variables)
            spent["resolver"] += other.seconds
            series.add("resolver", other)
            series.compare(answer.body, other.body, "compiled vs resolver")
    return series


# --- the workloads ----------------------------------------------------------------------


@dataclass
class Context:
    url: str
    plan: Plan
    apps: dict[str, App]


PARTNERS = {"category": "PARTNER", "first": 100}  # the frontend query's page
FLOORED = {  # workload: title, query, its variables, the floor statement and its parameters
    "W1": ("frontend query", FRONTEND_QUERY, None, "frontend", PARTNERS),
    "W2": ("depth-6, first: 100", DEPTH_6_QUERY, {"first": 100}, "depth6", {"first": 100}),
    "W3": ("depth-6, first: 1000", DEPTH_6_QUERY, {"first": 1000}, "depth6", {"first": 1000}),
}


async def floored(ctx: Context, workload: str) -> list[dict[str, Any]]:
    """W1-W3, in rounds with the floor. W3 runs on apps allowed to answer first: 1000,
    warmed up with first: 100 (a first: 1000 warm-up would cost as much as a round), and
    its resolver path has a budget of its own: a request takes seconds there."""
    title, query, variables, floor, params = FLOORED[workload]
    plan, heavy = ctx.plan, workload == "W3"
    budgets = (plan.heavy, plan.heavy_resolver) if heavy else (plan.against_floor, plan.standard)
    apps = serving(ctx.url, **W3_OVERRIDES) if heavy else contextlib.nullcontext(ctx.apps)
    async with apps as apps:
        run_floor = floor_of(apps["compiled"], floor, params)
        warmup = {"first": 100} if heavy else None
        series = await measure(apps, query, variables, budgets[0], run_floor, budgets[1], warmup)
        techniques = await survey(apps["compiled"], query, variables, floor, params, budgets[0])
    technique = FLOOR[apps_engine(ctx), floor]
    return [series.result(workload, title, techniques=techniques, floor_technique=technique)]


def apps_engine(ctx: Context) -> str:
    return ctx.apps["compiled"].engine.dialect.name


async def survey(
    app: App,
    query: str,
    variables: dict[str, Any] | None,
    floor: str,
    params: dict[str, Any],
    budget: Budget,
) -> dict[str, Any]:
    """The floor's techniques (bench/floor.py) and the service's own statement (as the
    compiled app sent it, replayed on its engine), in rounds, each round in a turned order:
    each one's samples, its bytes, and whether its JSON equals the service's `data`."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            sent.append((statement, parameters))

    event.listen(app.engine.sync_engine, "before_cursor_execute", keep)
    try:
        data = (await request(app, query, variables)).body["data"]
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", keep)
    dialect = app.engine.dialect.name
    statements: dict[str, tuple[Any, Any]] = {
        f"floor: {name}": (sa.text(floor_sql(floor, dialect, name)), params)
        for name in written(floor, dialect)
    }
    if len(sent) == 1:  # the compiled path's one statement, as the driver received it
        statements["the service's statement"] = sent[0]

    async def run(statement: Any, parameters: Any) -> tuple[float, str]:
        started = time.perf_counter()
        async with app.engine.connect() as conn:
            if isinstance(statement, str):
                result = await conn.exec_driver_sql(statement, parameters)
            else:
                result = await conn.execute(statement, parameters)
            # the service's statement selects the same values as the floor's (another count
            # of columns raises; other values show below as not the same JSON)
            text = floor_answer(floor, tuple(result.one()))
        return time.perf_counter() - started, text

    found: dict[str, Any] = {}
    for name, (statement, parameters) in statements.items():  # a warm-up, and the answers
        _, text = await run(statement, parameters)
        answer = json.loads(text)
        same = json.dumps(answer.get("data", answer)) == json.dumps(data)
        found[name] = {"seconds": [], "bytes": len(text.encode()), "same": same}
    gc.collect()
    names, spent = list(found), 0.0
    while budget.more(len(found[names[0]]["seconds"]), spent):
        turn = len(found[names[0]]["seconds"]) % len(names)
        for name in names[turn:] + names[:turn]:
            seconds, _ = await run(*statements[name])
            found[name]["seconds"].append(seconds)
            spent += seconds
    return found


async def w4(ctx: Context) -> list[dict[str, Any]]:
    results = []
    for workload, terms in SEARCH_TERMS.items():
        variables = {"query": terms, "first": 20}
        series = await measure(ctx.apps, SEARCH_QUERY, variables, ctx.plan.standard)
        title = f'search "{terms}"' + (" (prefix)" if workload == "W4b" else "")
        results.append(series.result(workload, title))
    return results


async def w5(ctx: Context) -> list[dict[str, Any]]:
    """Walks through every organization, 100 a page, following endCursor; each page is asked
    of both paths in turn and the answers compared (cursors included). The first walk warms
    up, untimed."""
    budget, series, walks = ctx.plan.walks, Series(), -1
    while budget.more(max(walks, 0), sum(series.seconds("compiled"))):
        after: str | None = None
        while True:
            variables = {"after": after}
            answer, other = [await request(a, PAGE_QUERY, variables) for a in ctx.apps.values()]
            if walks >= 0:
                series.add("compiled", answer)
                series.add("resolver", other)
                series.compare(answer.body, other.body, f"the page after {after}")
            page = answer.body["data"]["organizations"]["pageInfo"]
            if not page["hasNextPage"]:
                break
            after = page["endCursor"]
        walks += 1
        if walks == 0:  # after the warm-up
            gc.collect()
    per_walk = len(series.seconds("compiled")) // walks
    return [series.result("W5", "page through all organizations", pages_per_walk=per_walk)]


async def w6(ctx: Context) -> list[dict[str, Any]]:
    """Single node(id:) lookups, cycling through organizations, people and agreements."""
    data = (await request(ctx.apps["compiled"], IDS_QUERY)).body["data"]
    lists = [[node["id"] for node in connection["nodes"]] for connection in data.values()]
    ids = [i for i in itertools.chain(*itertools.zip_longest(*lists)) if i is not None][:100]
    series = Series()
    for number in range(-ctx.plan.standard.warmup, ctx.plan.lookups):
        variables = {"id": ids[number % len(ids)]}
        answer, other = [await request(app, NODE_QUERY, variables) for app in ctx.apps.values()]
        if answer.body["data"]["node"] is None:
            raise WorkloadError(f"node({variables['id']!r}) is null")
        if number >= 0:  # after the warm-up
            series.add("compiled", answer)
            series.add("resolver", other)
            series.compare(answer.body, other.body, f"node({variables['id']})")
    return [series.result("W6", "node(id:) lookup")]


WORKLOADS: dict[str, Callable[[Context], Awaitable[list[dict[str, Any]]]]] = {
    **{name: functools.partial(floored, workload=name) for name in FLOORED},
    **{"W4": w4, "W5": w5, "W6": w6},
}
CURATED = ("W1", "W4", "W5", "W6")
SYNTHETIC = ("W2", "W4", "W5", "W6", "W3")  # W3 last: its RSS peak would mask the others'


async def run_all(url: str, dataset: str, plan: Plan, only: set[str] | None) -> dict[str, Any]:
    names = [n for n in (CURATED if dataset == "curated" else SYNTHETIC) if not only or n in only]
    results: list[dict[str, Any]] = []
    async with serving(url) as apps:
        for name in names:
            began = time.perf_counter()
            print(f"  {name} ...", end="", flush=True, file=sys.stderr)
            try:  # a failure is the workload's result: it cannot hide the others'
                results.extend(await WORKLOADS[name](Context(url, plan, apps)))
            except Exception as error:
                traceback.print_exc(limit=-3)
                results.append({"workload": name, "error": f"{type(error).__name__}: {error}"})
            print(f" {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return {"rss_peak_kib": rss_kib(), "workloads": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workloads", description=__doc__)
    parser.add_argument("--dataset", required=True, help='"curated" or "synthetic-N"')
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated workloads (W1..W6)")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    plan = QUICK if args.quick else FULL
    args.out.write_text(json.dumps(asyncio.run(run_all(args.url, args.dataset, plan, only))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
