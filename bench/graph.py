"""The graph questions (docs/graph.md) through the whole GraphQL stack, against the one SQL
statement each sends: `python -m bench.graph [--engines sqlite,postgresql]
[--sizes 1000,10000,100000] [--seconds 60]`, the last step of `make bench`.

Each question is answered by one statement (service/data/graph.py), so what the service
adds on top of it (HTTP, parsing, validation, Strawberry, building the answer's objects)
is the ratio of the request's time to that statement's, run alone with the same
parameters on a connection from the app's own engine. Per engine and synthetic size:

- the **hub**: the organization named by the most agreement parties, seats held there,
  seats held on its behalf and unit links (ties by slug, code-point order). In the
  synthetic data every seat is held on behalf of org-0, so org-0 is the hub, tied to most
  of the directory: the heaviest neighbourhood there is;
- the **target**: the body farthest from the hub within `maxHops: 4`, the first by slug
  among those, found with the service's own neighbourhood statement (the nearest body
  beyond distance k, for k from 3 down), so the path question walks as many levels as it
  is allowed to;
- `path(from: hub, to: target, maxHops: 4)` and `neighborhood(of: hub, hops: 2, first:
  100)`, asking only organizations' slugs and ties' kinds (anything more would be read by
  DataLoaders in statements of its own), POSTed through `httpx.ASGITransport` to
  `create_app(Settings(...))` as bench/workloads.py does;
- **rounds**: each question's request and its statement alone, taking turns to go first,
  so both see the same moment of a noisy shared machine; medians by pyperf (the samples go
  to `bench/results/graph.json`). Both answers are compared in every round (the paths'
  slugs; the neighbours' slugs and the kinds of the ties that reached them);
- **SQL statements per request**, counted by a `before_cursor_execute` listener on the
  app's engine (transaction control excepted): every request must send exactly one.

The app runs with its response cache off (the rounds repeat each request) and with the
request budget and PostgreSQL's statement timeout raised: at 100k a question can take longer
than the default 10 s, and the point is to measure it rather than the 503. Such a question
is flagged, and on PostgreSQL a slow statement is explained (`EXPLAIN ANALYZE`: which CTEs
its time went to). The section "## Graph questions" of RESULTS.md is replaced (or appended).
"""

import argparse
import asyncio
import gc
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyperf
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.datasets import ROOT, RUN, Cluster, Dataset, prepare_postgresql, prepare_sqlite
from bench.report import ENGINES, benchmark, ms, table, write_section
from bench.report import ratio as times
from bench.run import commit
from bench.workloads import Budget
from service.app import create_app
from service.config import Settings
from service.data import graph
from service.graphql.questions import PATHS
from tests import postgres

MAX_HOPS, HOPS, FIRST = 4, 2, 100
PATH_QUERY = (
    "query Path($from: String!, $to: String!) { path(from: $from, to: $to, maxHops: 4) "
    "{ organizations { slug } ties { kind } } }"
)
NEIGHBORHOOD_QUERY = (
    "query Near($of: String!) { neighborhood(of: $of, hops: 2, first: 100) "
    "{ edges { node { organization { slug } via { kind } } } } }"
)
QUESTIONS = ("path", "neighborhood")
FULL = Budget(reps=30, min_reps=3, seconds=60, warmup=1)  # per engine and size
QUICK = Budget(reps=10, min_reps=3, seconds=10, warmup=1)
DEFAULT_BUDGET_S = Settings.model_fields["request_timeout_s"].default  # the service's own
SETTINGS: dict[str, Any] = {
    "response_cache_bytes": 0,
    "request_timeout_s": 600.0,
    "statement_timeout_ms": 0,
}
SLOW_S = 1.0  # a statement this slow is explained (PostgreSQL) and listed
SECTION = "## Graph questions"
# Every direct link an organization has, counted once per record that makes it.
DEGREE = """SELECT o.slug, count(*) AS n FROM (
  SELECT organization_id AS id FROM agreement_party
  UNION ALL SELECT organization_id FROM representation WHERE organization_id <> on_behalf_of_id
  UNION ALL SELECT on_behalf_of_id FROM representation WHERE organization_id <> on_behalf_of_id
  UNION ALL SELECT parent_id FROM organization WHERE parent_id IS NOT NULL
  UNION ALL SELECT id FROM organization WHERE parent_id IS NOT NULL
) t JOIN organization o ON o.id = t.id GROUP BY o.id, o.slug ORDER BY n DESC, {slug} LIMIT 1"""
KIND = graph.TIE_COLUMNS[0]  # the column naming a tie's kind in the statements' rows
LAST = "\U0010ffff"  # sorts after every slug, byte- and code-point-wise


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def hub(conn: AsyncConnection) -> tuple[str, int]:
    """The best-connected organization (see the module's docstring) and its link count."""
    postgresql = conn.dialect.name == "postgresql"
    text = DEGREE.format(slug='o.slug COLLATE "C"' if postgresql else "o.slug")
    slug, links = (await conn.execute(sa.text(text))).one()
    return str(slug), int(links)


async def farthest(conn: AsyncConnection, source: str) -> tuple[str, int]:
    """The body farthest from `source` within MAX_HOPS ties, the first by slug: the
    nearest beyond distance k (keyset paging past every slug at k), for k from the top."""
    for beyond in range(MAX_HOPS - 1, -1, -1):
        found = await graph.neighborhood(
            conn, graph.Question(), source, hops=MAX_HOPS, limit=1, after=(beyond, LAST)
        )
        if found.rows:
            return str(found.rows[0].slug), int(found.rows[0].distance)
    raise RuntimeError(f"{source} has no neighbour at all")


class Statements:
    """The statements an engine sends (BEGIN, COMMIT and ROLLBACK excepted), as the
    driver's cursor receives them: a question must cost one, whatever the stack does."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        self.last = ""
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_cursor)

    def _on_cursor(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.count += 1
            self.last = statement


@dataclass(frozen=True)
class Question:
    """One question: its GraphQL request, the statement its resolver sends (same parameters)
    and how to read the same answer out of either."""

    name: str
    query: str
    variables: dict[str, Any]
    statement: sa.TextClause
    parameters: dict[str, Any]
    from_body: Callable[[dict[str, Any]], Any]
    from_rows: Callable[[Sequence[Any]], Any]


def questions(dialect: str, source: str, target: str) -> list[Question]:
    """`path` and `neighborhood` as the resolvers ask them (service/graphql/questions.py:
    `first` paths by default, a page of `first + 1` neighbours to know if there is more),
    with the parameters built by the question itself, as service/data/graph.py does."""
    everything = graph.Question()

    def paths_of(rows: Sequence[Any]) -> list[list[str]]:
        found: dict[int, list[str]] = {}
        for row in rows:
            if row.path_no is not None:
                found.setdefault(row.path_no, []).append(row.slug)
        return [found[number] for number in sorted(found)]

    def neighbours_of(rows: Sequence[Any]) -> list[list[str]]:
        page = [row for row in rows if row.id is not None][:FIRST]
        return [[row.slug, graph.TieKind(getattr(row, KIND)).name] for row in page]

    return [
        Question(
            "path",
            PATH_QUERY,
            {"from": source, "to": target},
            graph.path_statement(dialect, everything, MAX_HOPS),
            everything.parameters(source=source, target=target, first=PATHS, max_hops=MAX_HOPS),
            lambda body: [[o["slug"] for o in p["organizations"]] for p in body["path"]],
            paths_of,
        ),
        Question(
            "neighborhood",
            NEIGHBORHOOD_QUERY,
            {"of": source},
            graph.neighborhood_statement(dialect, everything, after=False),
            everything.parameters(source=source, hops=HOPS, limit=FIRST + 1),
            lambda body: [
                [e["node"]["organization"]["slug"], e["node"]["via"]["kind"]]
                for e in body["neighborhood"]["edges"]
            ],
            neighbours_of,
        ),
    ]


@dataclass
class Figures:
    """One question's samples (seconds) on both sides, and what the requests cost."""

    graphql: list[float] = field(default_factory=list)
    alone: list[float] = field(default_factory=list)
    statements: set[int] = field(default_factory=set)
    answer_size: int = 0
    sent: str = ""  # the statement the request sent, as the driver received it
    differences: list[str] = field(default_factory=list)


async def ask(
    client: httpx.AsyncClient, counter: Statements, q: Question
) -> tuple[float, int, Any]:
    """POST the question: its time, the statements it sent, its answer (errors raise)."""
    counter.count = 0
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": q.query, "variables": q.variables})
    seconds = time.perf_counter() - started
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{q.name}: HTTP {response.status_code}: {json.dumps(body)[:500]}")
    return seconds, counter.count, q.from_body(body["data"])


async def alone(engine: AsyncEngine, q: Question) -> tuple[float, Any]:
    """The question's statement on a connection of the app's engine, as the resolver runs
    it (connection checked out, executed, every row fetched): its time and its answer."""
    started = time.perf_counter()
    async with engine.connect() as conn:
        rows = (await conn.execute(q.statement, q.parameters)).all()
    return time.perf_counter() - started, q.from_rows(rows)


async def explain(engine: AsyncEngine, q: Question) -> list[str]:
    """PostgreSQL's EXPLAIN ANALYZE of the statement: its CTEs by the time spent producing
    their rows (inclusive of the CTEs they read, so the dominant one stands out)."""
    text = sa.text("EXPLAIN (ANALYZE, FORMAT JSON) " + q.statement.text)
    async with engine.connect() as conn:
        plan = (await conn.execute(text, q.parameters)).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    ctes: dict[str, tuple[float, int]] = {}

    def walk(node: dict[str, Any]) -> None:
        name = node.get("Subplan Name", "")
        if name.startswith("CTE "):
            loops = node.get("Actual Loops", 1)
            ms = node.get("Actual Total Time", 0.0) * loops
            ctes[name[4:]] = (ms, int(node.get("Actual Rows", 0) * loops))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    total = plan[0].get("Execution Time", 0.0)
    top = sorted(ctes.items(), key=lambda item: -item[1][0])[:4]
    return [f"execution {total:.0f} ms"] + [
        f"CTE {name}: {ms:.0f} ms, {rows:,} rows" for name, (ms, rows) in top
    ]


async def measure(url: str, budget: Budget) -> dict[str, Any]:
    """One engine and size: hub and target, warm-up, then the rounds."""
    app = create_app(Settings(database_url=url, **SETTINGS))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=900
        ) as client:
            engine: AsyncEngine = app.state.engine
            counter = Statements(engine)
            async with engine.connect() as conn:
                source, links = await hub(conn)
                target, distance = await farthest(conn, source)
            say(f"  hub {source} ({links} links), target {target} at distance {distance}")
            asked = questions(engine.dialect.name, source, target)
            figures = {q.name: Figures() for q in asked}

            async def pair(q: Question, graphql_first: bool) -> tuple[float, float]:
                f = figures[q.name]
                if not graphql_first:
                    low, by_statement = await alone(engine, q)
                seconds, sent, answer = await ask(client, counter, q)
                f.sent = counter.last  # the request's own statement, as the driver got it
                if graphql_first:
                    low, by_statement = await alone(engine, q)
                f.statements.add(sent)
                f.answer_size = len(answer)
                if by_statement != answer:
                    a, b = json.dumps(answer)[:300], json.dumps(by_statement)[:300]
                    f.differences.append(f"GraphQL {a} vs the statement {b}")
                return seconds, low

            for _ in range(budget.warmup):
                for q in asked:
                    await pair(q, True)
                    if figures[q.name].sent != str(q.statement.compile(dialect=engine.dialect)):
                        figures[q.name].differences.append(
                            "the request sent another statement than the one timed alone"
                        )
            gc.collect()
            rounds, spent = 0, 0.0
            while budget.more(rounds, spent):
                started = time.perf_counter()
                for q in asked:
                    seconds, low = await pair(q, rounds % 2 == 0)
                    figures[q.name].graphql.append(seconds)
                    figures[q.name].alone.append(low)
                spent += time.perf_counter() - started
                rounds += 1
            say(f"  {rounds} rounds in {spent:.1f} s")
            plans = {}
            if engine.dialect.name == "postgresql":
                for q in asked:
                    if sorted(figures[q.name].alone)[len(figures[q.name].alone) // 2] >= SLOW_S:
                        plans[q.name] = await explain(engine, q)
    return {
        "hub": source,
        "hub_links": links,
        "target": target,
        "distance": distance,
        "rounds": rounds,
        "questions": {
            name: {k: v for k, v in vars(f).items() if k != "sent"}
            | {"statements": sorted(f.statements)}
            for name, f in figures.items()
        },
        "plans": plans,
    }


@contextmanager
def databases(engine: str) -> Iterator[Callable[[Dataset], str]]:
    """A database URL per dataset, from bench/datasets.py's cache (built there if need
    be). SQLite: a working copy of our own, so a bench.run at the same time keeps its."""
    if engine == "sqlite":

        def sqlite(dataset: Dataset) -> str:
            return prepare_sqlite(dataset, copy_prefix="graph-")

        try:
            yield sqlite
        finally:
            for copy in RUN.glob("graph-*.sqlite3*"):
                copy.unlink()
        return
    binaries = postgres.find_binaries()
    if binaries is None:
        raise RuntimeError("no initdb/pg_ctl found (Debian: apt-get install postgresql)")
    with postgres.running_server(binaries) as server:
        cluster = Cluster(server=server, binaries=binaries)
        yield lambda dataset: prepare_postgresql(cluster, dataset)


def median(name: str, samples: list[float]) -> float:
    return float(benchmark(name, samples).median())


def ratio(top: float | None, bottom: float | None) -> str:
    return times(None if top is None or not bottom else top / bottom)


def markdown(
    results: list[dict[str, Any]], notes: list[str], when: str, revision: str
) -> tuple[str, list[str]]:
    """The section: one row per engine and size, the growth of each statement with the
    directory, what was slow (and why, where PostgreSQL said), and any problem (also
    returned: they fail the run)."""
    rows: list[list[object]] = []
    growth: list[list[object]] = []
    slow: list[str] = []
    problems: list[str] = []
    medians: dict[tuple[str, str, int], float] = {}
    for r in results:
        engine, label = ENGINES[r["engine"]], r["label"]
        if "error" in r:
            problems.append(f"{engine} {label}: {r['error']}")
            continue
        cells: list[object] = [engine, label, f"{r['hub']} → {r['target']} ({r['distance']} ties)"]
        for name in QUESTIONS:
            f = r["questions"][name]
            g, s = median(name, f["graphql"]), median(name, f["alone"])
            medians[(r["engine"], name, r["size"])] = s
            cells += [ms(g), ms(s), ratio(g, s)]
            if f["statements"] != [1]:
                problems.append(f"{engine} {label} {name}: {f['statements']} statements, not 1")
            problems += [f"{engine} {label} {name}: {d}" for d in f["differences"][:1]]
            if s >= SLOW_S or g >= DEFAULT_BUDGET_S:
                refused = (
                    f"beyond the default {DEFAULT_BUDGET_S:g} s request budget (a 503 there)"
                    if g >= DEFAULT_BUDGET_S
                    else "within the default request budget"
                )
                plan = r["plans"].get(name)
                why = (
                    f"; EXPLAIN ANALYZE (a CTE's time includes those it reads): {', '.join(plan)}"
                    if plan
                    else ""
                )
                slow.append(f"- {engine} {label} `{name}`: {ms(s)} ms alone, {refused}{why}")
        statements = " / ".join(
            "/".join(map(str, r["questions"][n]["statements"])) for n in QUESTIONS
        )
        items = " / ".join(str(r["questions"][n]["answer_size"]) for n in QUESTIONS)
        rows.append([*cells, statements, items, r["rounds"]])
    labels = {r["size"]: r["label"] for r in results}
    sizes = sorted(labels)
    for engine in dict.fromkeys(r["engine"] for r in results):
        for name in QUESTIONS:
            found = [medians.get((engine, name, size)) for size in sizes]
            steps = [ratio(b, a) for a, b in itertools.pairwise(found)]
            growth.append([ENGINES[engine], name, *map(ms, found), *steps])
    steps_header = [f"{labels[b]} ÷ {labels[a]}" for a, b in itertools.pairwise(sizes)]
    growth_header = " | ".join(
        ["engine", "question", *(f"{labels[s]} ms" for s in sizes), *steps_header]
    )
    return "\n".join(
        [
            SECTION,
            "",
            f"`python -m bench.graph` ({when}, commit `{revision}`): `path(from: hub, to: "
            "target, maxHops: 4)` and `neighborhood(of: hub, hops: 2, first: 100)`, asking "
            "organizations' slugs and ties' kinds only, POSTed in-process (ASGI) to the app, "
            "and the one statement each sends run alone on the app's engine with the same "
            "parameters, taking turns in the same rounds; medians (pyperf), ratio = GraphQL ÷ "
            "statement alone. Hub: the organization with the most agreement parties, seats "
            "and units' links (org-0: every synthetic seat is held on its behalf); target: the "
            "body farthest from it within 4 ties, first by slug. Response cache off, request "
            "budget raised (bench/graph.py says why).",
            "",
            *table(
                "engine | size | hub → target | path ms (GraphQL) | path ms (statement alone) | "
                "path ratio | neighbourhood ms (GraphQL) | neighbourhood ms (statement alone) | "
                "neighbourhood ratio | statements per request (path / neighbourhood) | "
                "answer items (paths / neighbours) | rounds",
                rows,
            ),
            "The statement alone (median ms) as the directory grows, and its growth from one "
            "size to the next (the path's target is picked per size, by the rule above):",
            "",
            *table(growth_header, growth),
            *(["Slow:", "", *slow, ""] if slow else []),
            *(["Notes:", "", *(f"- {n}" for n in notes), ""] if notes else []),
            *(["**Problems:**", "", *(f"- {p}" for p in problems), ""] if problems else []),
        ]
    ), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.graph", description=__doc__)
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")  # beside a quick run's figures
    parser.add_argument("--engines", default=",".join(ENGINES), help="sqlite,postgresql")
    parser.add_argument("--sizes", default="1000" if quick else "1000,10000,100000")
    parser.add_argument("--seconds", type=float, help="rounds' budget per engine and size")
    parser.add_argument(
        "--results",
        type=Path,
        default=ROOT / "bench" / ("RESULTS.quick.md" if quick else "RESULTS.md"),
    )
    args = parser.parse_args(argv)
    budget = QUICK if quick else FULL
    if args.seconds is not None:
        budget = Budget(budget.reps, budget.min_reps, args.seconds, budget.warmup)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()[0]
    revision = commit()  # now: the service's modules are loaded as they are at the start
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    for engine in [e for e in args.engines.split(",") if e]:
        try:
            with databases(engine) as prepare:
                for size in sorted(int(s) for s in args.sizes.split(",")):
                    dataset = Dataset(size)
                    say(f"[{engine}] {dataset.label}: preparing the database")
                    url = prepare(dataset)
                    say(f"[{engine}] {dataset.label}: graph questions")
                    entry: dict[str, Any] = {"engine": engine, "size": size, "label": dataset.label}
                    try:
                        entry |= asyncio.run(measure(url, budget))
                    except Exception as error:  # a failure is this dataset's result
                        entry["error"] = f"{type(error).__name__}: {error}"
                        say(f"*** {entry['error']} ***")
                    results.append(entry)
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:
            notes.append(f"{ENGINES[engine]} was not benchmarked: {error}")
            say(f"*** {notes[-1]} ***")
    out = ROOT / "bench" / ("results.quick" if quick else "results")
    out.mkdir(exist_ok=True)
    benches = [
        benchmark(f"{ENGINES[r['engine']]} {name}@{r['label']} {side}", r["questions"][name][side])
        for r in results
        if "error" not in r
        for name in QUESTIONS
        for side in ("graphql", "alone")
    ]
    if benches:
        pyperf.BenchmarkSuite(benches).dump(str(out / "graph.json"), replace=True)
    loads = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    notes.append(f"Load average (1 min) on {os.cpu_count()} CPUs: {loads}; the machine is shared.")
    run = {"when": when, "revision": revision, "results": results, "notes": notes}
    (out / "graph-run.json").write_text(json.dumps(run) + "\n")  # the section renders from it
    section, problems = markdown(results, notes, when, revision)
    write_section(args.results, SECTION, section)
    print(section)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
