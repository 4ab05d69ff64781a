"""Live updates against a real server: `python -m bench.live [--engines sqlite,postgresql]
[--changes 30] [--rounds 10]`, a step of `make bench` (issue 16's targets).

Per engine, on a working copy of the curated dataset, against `python -m service serve` (one
process, limits at their defaults) on loopback, with the `websockets` client speaking
graphql-transport-ws from this one asyncio process (its CPU time is reported beside each
figure, to show it is not what is measured):

- **one query**: 1,000 `live` subscriptions to the same query and variables, 20 on each of
  50 connections (MAX_SUBSCRIPTIONS is 20), then N edits of the record it shows, one at a
  time: for each, the executions it cost (the delta of `live_query_executions_total`, read
  after the last subscriber's message and a pause), and the time to the last (and first) of
  the 1,000 messages from the edit's HTTP response (commit came before it: a lower bound)
  and from the change's `at` (set in the edit's transaction before commit: an upper bound);
- **ten queries**: the same 1,000 subscriptions over 10 distinct (query, variables), 100 each,
  and N edits of one of the ten records: executions per edit (one per distinct query, the
  nine unchanged answers re-run and not sent), and the messages (the 100 subscribers of the
  edited record's answer, none of the others);
- **memory per idle subscriber**: the server's VmRSS (/proc/PID/status) before, with 50
  connections, with 1,000 subscriptions on them (on one fresh server), and on another, with
  1,000 connections and one subscription on each, 2 s after each step;
- **queries beside 1,000 subscriptions**: rounds of sequential HTTP requests (the partners
  page's query and a small one), with and without 1,000 idle subscriptions connected, the
  two states taking turns to go first: each round's median with ÷ without, their median and
  range.

Any failure (a subscriber that misses an answer, a message where none was due, an edit
refused) is listed under Problems and the command exits 1. Samples go to
`bench/results/live.json` (pyperf), everything else to `live-run.json`; the section "## Live
updates" of RESULTS.md is replaced.
"""

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pyperf
from websockets.asyncio.client import ClientConnection, connect

from bench.datasets import curated_copies
from bench.editing import RECORDS, EditFailed, Editor, issue_token
from bench.load import LOOPBACK, ROOT, SMALL_QUERY, partners_query, serve
from bench.proc import family_kib
from bench.report import ENGINES, TIMES, benchmark, ms, table, write_section
from bench.run import commit

SECTION = "## Live updates"
LIVE = (
    "subscription Live($query: String!, $variables: JSON) "
    "{ live(query: $query, variables: $variables) }"
)
WATCHED = "query Watched($slug: String!) { organization(slug: $slug) { slug description version } }"
CHANGE_AT = "query At($id: ID!) { node(id: $id) { ... on Change { at } } }"
PROTOCOL = "graphql-transport-ws"
SUBSCRIBERS, PER_SOCKET, QUERIES = 1_000, 20, 10
SOCKETS = SUBSCRIBERS // PER_SOCKET
ONE_RECORD = "fact"
SETTLE_S = 0.5  # after the last message, before executions are read: late re-runs show
RSS_SETTLE_S = 2.0
PAUSE_S = 1.0  # before each state's requests
WAIT_S = 30.0  # longest wait for a change's messages


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class LiveFailed(Exception):
    """A subscriber missed an answer, or got one it should not have."""


class Socket:
    """One graphql-transport-ws connection: its subscriptions' messages, timed on arrival."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages = 0
        self.marker: str | None = None  # the text an awaited answer holds
        self.awaited = 0
        self.arrived: list[float] = []  # time.time() of each awaited message
        self.unexpected = 0
        self.watching: dict[str, int] = {}  # subscriptions per record shown
        self.errors: list[str] = []
        self.all_in = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str) -> "Socket":
        ws = await connect(url, subprotocols=[PROTOCOL], max_size=2**22, ping_interval=None)  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await ws.recv())
        if ack.get("type") != "connection_ack":
            raise LiveFailed(f"no connection_ack: {ack}")
        return cls(ws)

    async def subscribe(self, sid: str, slug: str) -> None:
        self.watching[slug] = self.watching.get(slug, 0) + 1
        variables = {"query": WATCHED, "variables": {"slug": slug}}
        payload = {"query": LIVE, "variables": variables}
        await self.ws.send(json.dumps({"id": sid, "type": "subscribe", "payload": payload}))

    def expect(self, marker: str | None, count: int) -> None:
        self.marker, self.awaited, self.arrived = marker, count, []
        self.all_in = asyncio.Event()
        if count == 0:
            self.all_in.set()

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                now = time.time()
                text = raw if isinstance(raw, str) else raw.decode()
                kind = json.loads(text).get("type")
                if kind == "ping":
                    await self.ws.send('{"type":"pong"}')
                elif kind == "next":
                    self.messages += 1
                    if self.marker is not None and self.marker in text:
                        self.arrived.append(now)
                        if len(self.arrived) >= self.awaited:
                            self.all_in.set()
                    elif self.marker is not None:
                        self.unexpected += 1
                elif kind in ("error", "complete"):
                    self.errors.append(text[:300])

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def subscribers(
    ws_url: str, sockets: int, per_socket: int, slug_of: Callable[[int], str]
) -> AsyncIterator[list[Socket]]:
    """`sockets` connections with `per_socket` live subscriptions each (subscription n asks
    for `slug_of(n)`), every first answer received."""
    opened: list[Socket] = []
    try:
        for start in range(0, sockets, 100):  # a hundred handshakes at a time
            batch = range(start, min(sockets, start + 100))
            opened += await asyncio.gather(*(Socket.open(ws_url) for _ in batch))
        for s, socket in enumerate(opened):
            socket.expect("", per_socket)  # every message holds ""
            for j in range(per_socket):
                await socket.subscribe(str(j), slug_of(s * per_socket + j))
        await _all_in(opened, "first answers")
        for socket in opened:
            socket.expect(None, 0)
        yield opened
    finally:
        await asyncio.gather(*(socket.close() for socket in opened), return_exceptions=True)


async def _all_in(sockets: list[Socket], what: str) -> None:
    try:
        async with asyncio.timeout(WAIT_S):
            await asyncio.gather(*(socket.all_in.wait() for socket in sockets))
    except TimeoutError:
        got = sum(len(s.arrived) for s in sockets)
        want = sum(s.awaited for s in sockets)
        errors = [e for s in sockets for e in s.errors][:3]
        raise LiveFailed(f"{what}: {got} of {want} messages after {WAIT_S:g} s {errors}") from None


async def executions(client: httpx.AsyncClient) -> int:
    page = (await client.get("/metrics")).text
    for line in page.splitlines():
        if line.startswith("live_query_executions_total "):
            return int(float(line.split()[1]))
    raise LiveFailed("no live_query_executions_total on /metrics")


async def changed_at(editor: Editor, change_id: str) -> float | None:
    response = await editor.client.post(
        "/graphql",
        json={"query": CHANGE_AT, "variables": {"id": change_id}},
        headers={"authorization": f"Bearer {editor.token}"},
    )
    node = (response.json().get("data") or {}).get("node") or {}
    return datetime.fromisoformat(node["at"]).timestamp() if "at" in node else None


async def changes(
    base: str, token: str, sockets: list[Socket], slug: str, watchers: int, count: int, tag: str
) -> dict[str, Any]:
    """`count` edits of `slug`, one at a time, each awaited by `watchers` subscribers."""
    rows: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        editor = Editor(client, token)
        version = await editor.read(slug)
        for k in range(count):
            marker = f"live bench {tag} change {k} {time.time_ns()}"
            for socket in sockets:
                socket.expect(marker, socket.watching.get(slug, 0))
            before = await executions(client)
            cpu = time.process_time()
            sent = time.time()
            payload = await editor.update(slug, version, marker)
            answered = time.time()
            if payload["userErrors"]:
                raise EditFailed(f"refused: {payload['userErrors']}")
            version = payload["organization"]["version"]
            await _all_in(sockets, f"{tag} change {k}")
            arrivals = [t for s in sockets for t in s.arrived]
            cpu = time.process_time() - cpu
            await asyncio.sleep(SETTLE_S)
            at = await changed_at(editor, payload["changeId"])
            rows.append(
                {
                    "executions": await executions(client) - before,
                    "messages": len(arrivals),
                    "unexpected": sum(s.unexpected for s in sockets),
                    "from_response_last": max(arrivals) - answered,
                    "from_response_first": min(arrivals) - answered,
                    "from_at_last": None if at is None else max(arrivals) - at,
                    "edit": answered - sent,
                    "client_cpu": cpu,
                    "wall": max(arrivals) - sent,
                }
            )
    return {"watchers": watchers, "changes": rows}


def rss_kib(pid: int) -> int:
    """VmRSS of the server process and its descendants, in KiB."""
    return sum(family_kib(pid, "VmRSS"))


async def settled_rss(pid: int) -> int:
    await asyncio.sleep(RSS_SETTLE_S)
    return rss_kib(pid)


async def warm(ws_url: str) -> None:
    """One subscription, answered and closed: what the first one allocates is not counted."""
    async with subscribers(ws_url, 1, 1, lambda _n: ONE_RECORD):
        pass


async def memory(ws_url: str, pid: int, sockets: int, per_socket: int) -> dict[str, int]:
    await warm(ws_url)
    found = {"sockets": sockets, "per_socket": per_socket, "none": await settled_rss(pid)}
    opened = [await Socket.open(ws_url) for _ in range(sockets)]
    try:
        found["connected"] = await settled_rss(pid)
        for socket in opened:
            socket.expect("", per_socket)
            for j in range(per_socket):
                await socket.subscribe(str(j), ONE_RECORD)
        await _all_in(opened, "memory subscriptions")
        found["subscribed"] = await settled_rss(pid)
    finally:
        await asyncio.gather(*(s.close() for s in opened), return_exceptions=True)
    return found


async def query_rounds(base: str, ws_url: str, rounds: int, requests: int) -> dict[str, Any]:
    """Each round: `requests` of each query without subscribers and with 1,000, in turn."""
    fresh = iter(range(10**9))
    bodies: dict[str, Callable[[], dict[str, Any]]] = {
        "partners-page": lambda: {"query": partners_query(), "operationName": "PartnersPage"},
        "small": lambda: {"query": SMALL_QUERY, "variables": {"slug": ONE_RECORD}},
        "small-uncached": lambda: {"query": SMALL_QUERY, "variables": {"slug": f"x{next(fresh)}"}},
    }
    samples: dict[str, dict[str, list[float]]] = {k: {"without": [], "with": []} for k in bodies}
    ratios: dict[str, list[float]] = {kind: [] for kind in bodies}

    async def burst(client: httpx.AsyncClient, state: str, into: dict[str, Any]) -> None:
        await asyncio.sleep(PAUSE_S)  # what connecting left to do is done
        for _ in range(requests):
            for kind, body in bodies.items():
                started = time.perf_counter()
                response = await client.post("/graphql", json=body())
                elapsed = time.perf_counter() - started
                if response.status_code != 200 or "errors" in response.json():
                    raise LiveFailed(f"{kind}: {response.status_code} {response.text[:200]}")
                into[kind][state].append(elapsed)

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for body in bodies.values():  # warm: compiled statements, parsed documents
            for _ in range(5):
                await client.post("/graphql", json=body())
        for r in range(rounds):
            this: dict[str, dict[str, list[float]]] = {
                k: {"without": [], "with": []} for k in bodies
            }
            for state in ("without", "with") if r % 2 == 0 else ("with", "without"):
                if state == "without":
                    await burst(client, state, this)
                    continue
                async with subscribers(ws_url, SOCKETS, PER_SOCKET, lambda _n: ONE_RECORD):
                    await burst(client, state, this)
            for kind, found in this.items():
                for state in ("without", "with"):
                    samples[kind][state] += found[state]
                ratios[kind].append(
                    statistics.median(found["with"]) / statistics.median(found["without"])
                )
    return {"requests": requests, "rounds": rounds, "samples": samples, "ratios": ratios}


async def measure_async(base: str, token: str, args: argparse.Namespace) -> dict[str, Any]:
    ws_url = base.replace("http://", "ws://") + "/graphql"
    result: dict[str, Any] = {}
    sockets = SUBSCRIBERS // PER_SOCKET
    say(f"  one query: {SUBSCRIBERS} subscribers on {sockets} connections")
    one = lambda _n: ONE_RECORD  # noqa: E731
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        before = await executions(client)
        started = time.perf_counter()
        async with subscribers(ws_url, sockets, PER_SOCKET, one) as opened:
            subscribed = time.perf_counter() - started
            first = await executions(client) - before
            result["one query"] = await changes(base, token, opened, ONE_RECORD, SUBSCRIBERS,
                                                args.changes, "one")  # fmt: skip
        result["one query"] |= {"subscribe_s": subscribed, "first_executions": first}
        say(f"  ten queries: {SUBSCRIBERS} subscribers, {QUERIES} distinct")
        ten = lambda n: RECORDS[n % QUERIES]  # noqa: E731
        before = await executions(client)
        async with subscribers(ws_url, sockets, PER_SOCKET, ten) as opened:
            first = await executions(client) - before
            result["ten queries"] = await changes(
                base, token, opened, RECORDS[0], SUBSCRIBERS // QUERIES, args.changes, "ten"
            )
        result["ten queries"]["first_executions"] = first
    say("  queries with and without 1,000 subscribers")
    result["queries"] = await query_rounds(base, ws_url, args.rounds, args.requests)
    return result


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    token = asyncio.run(issue_token(url))
    command = [sys.executable, "-m", "service", "serve", "--host", LOOPBACK, "--port", "{port}"]
    env = {"DATABASE_URL": url}
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="live-") as workdir:
        with serve(command, env, Path(workdir) / "server.log") as (base, _pid):
            result |= asyncio.run(measure_async(base, token, args))
        result["memory"] = []
        for n, (sockets, per_socket) in enumerate(((SOCKETS, PER_SOCKET), (SUBSCRIBERS, 1))):
            say(f"  memory: {sockets} connections x {per_socket}")
            with serve(command, env, Path(workdir) / f"memory-{n}.log") as (base, pid):
                ws_url = base.replace("http://", "ws://") + "/graphql"
                result["memory"].append(asyncio.run(memory(ws_url, pid, sockets, per_socket)))
    return result


def p50_p99(name: str, samples: list[float]) -> tuple[float | None, float | None]:
    """Median and p99; by hand, since a time from the edit's response can be negative (a
    subscriber reached before the editor), which pyperf refuses."""
    if not samples:
        return None, None
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))
    ]


def spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}-{high}"


def change_rows(label: str, r: dict[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for name, distinct in (("one query", 1), ("ten queries", QUERIES)):
        c = r[name]["changes"]
        last = p50_p99("last", [x["from_response_last"] for x in c])
        ats = [x["from_at_last"] for x in c if x["from_at_last"] is not None]
        at = p50_p99("at", ats)
        first = p50_p99("first", [x["from_response_first"] for x in c])
        cpu = statistics.median(x["client_cpu"] / x["wall"] for x in c)
        rows.append([label, f"{SUBSCRIBERS:,} on {distinct} quer{'y' if distinct == 1 else 'ies'}",
                     len(c), r[name]["first_executions"], spread([x["executions"] for x in c]),
                     f"{spread([x['messages'] for x in c])} ({sum(x['unexpected'] for x in c)})",
                     f"{ms(first[0])} / {ms(last[0])} / {ms(last[1])}",
                     f"{ms(at[0])} / {ms(at[1])}", f"{cpu:.0%}"])  # fmt: skip
    return rows


def memory_rows(label: str, r: dict[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for m in r["memory"]:
        connections = (m["connected"] - m["none"]) / m["sockets"]
        subscriptions = (m["subscribed"] - m["connected"]) / (m["sockets"] * m["per_socket"])
        whole = (m["subscribed"] - m["none"]) / (m["sockets"] * m["per_socket"])
        rows.append([label, f"{m['sockets']:,} {TIMES} {m['per_socket']}", f"{m['none']:,}",
                     f"{m['connected']:,}", f"{m['subscribed']:,}", f"{connections:.1f}",
                     f"{subscriptions:.1f}", f"{whole:.1f}"])  # fmt: skip
    return rows


def query_rows(label: str, r: dict[str, Any]) -> list[list[object]]:
    q, rows = r["queries"], list[list[object]]()
    for kind, ratios in q["ratios"].items():
        without = p50_p99("without", q["samples"][kind]["without"])
        with_ = p50_p99("with", q["samples"][kind]["with"])
        low, high = min(ratios), max(ratios)
        verdict = "**met**" if statistics.median(ratios) <= 1.2 else "**NOT met**"
        rows.append([label, kind, len(ratios), len(q["samples"][kind]["with"]),
                     f"{ms(without[0])} ({ms(without[1])})", f"{ms(with_[0])} ({ms(with_[1])})",
                     f"{statistics.median(ratios):.2f}{TIMES} ({low:.2f}-{high:.2f})",
                     verdict])  # fmt: skip
    return rows


def markdown(results: list[dict[str, Any]], args: argparse.Namespace, when: str) -> str:
    changes_, memory_, queries_, problems = [], [], [], []
    for r in results:
        label = ENGINES[r["engine"]]
        if "error" in r:
            problems.append(f"- {label}: {r['error']}")
            continue
        changes_ += change_rows(label, r)
        memory_ += memory_rows(label, r)
        queries_ += query_rows(label, r)
    lines = [
        SECTION,
        "",
        f"`python -m bench.live` ({when}, commit `{commit()}`): `live` subscriptions over "
        "graphql-transport-ws against a real server (`python -m service serve`, one process, "
        "loopback, the curated dataset, limits at their defaults), from one asyncio process "
        f"with the `websockets` client; {SUBSCRIBERS:,} subscriptions are {PER_SOCKET} on each "
        f"of {SUBSCRIBERS // PER_SOCKET} connections.",
        "",
        "Problems: " + ("none." if not problems else ""),
        *problems,
        "",
        f"**Changes.** {args.changes} edits (`updateOrganization`) one at a time, of the record "
        f"the one query shows, then of one of the ten records. Executions: the delta of "
        "`live_query_executions_total` for the first subscriptions, and per edit (read "
        f"{SETTLE_S:g} s after the last message). Messages: the subscribers that got the "
        "edit's answer (in brackets, messages no subscriber should have got). Times in ms to "
        "the first subscriber's message / the last's (p50) / the last's (p99), from the "
        "edit's HTTP response (commit came before it, so a lower bound), and to the last "
        "from the change's `at` (taken in the edit's transaction before commit: an upper "
        "bound). Client CPU: the load generator's CPU time over the edit's wall time (well "
        "under 100%: it is not the bottleneck).",
        "",
        *table(
            "engine | subscribers | edits | executions, first answers | executions per edit | "
            "messages per edit (unexpected) | from response: first p50 / last p50 / last p99 ms "
            "| from `at`: last p50 / p99 ms | client CPU",
            changes_,
        ),
        "**Memory per idle subscriber**: the server's VmRSS (KiB) after one subscription came "
        f"and went (none), with the connections open (connection_ack), and with their "
        f"subscriptions answered, each {RSS_SETTLE_S:g} s after the step, on a fresh server "
        "per layout; KiB per connection, per subscription on open connections, and both "
        "together per subscriber.",
        "",
        *table(
            f"engine | connections {TIMES} subscriptions | none KiB | connected KiB | "
            "subscribed KiB | KiB per connection | KiB per subscription | "
            "KiB per subscriber, all told",
            memory_,
        ),
        f"**Queries beside {SUBSCRIBERS:,} idle subscriptions** (target: within 1.2{TIMES}): "
        "rounds "
        f"of {args.requests} sequential requests of each query over HTTP (keep-alive), without "
        f"and then with {SUBSCRIBERS:,} subscriptions connected (the order turning each round); "
        "the latency's median (p99) in ms over all rounds, and the median of the rounds' "
        "ratios (with ÷ without), with their range.",
        "",
        *table(
            "engine | query | rounds | requests per state | without ms | with ms | "
            f"with ÷ without | within 1.2{TIMES}",
            queries_,
        ),
        f"Load average (1 min) on {os.cpu_count()} CPUs after the run: "
        f"{os.getloadavg()[0]:.1f}; the machine is shared.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__)
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    parser.add_argument("--engines", default=",".join(ENGINES), help="sqlite,postgresql")
    parser.add_argument("--changes", type=int, default=10 if quick else 30)
    parser.add_argument("--rounds", type=int, default=4 if quick else 10)
    parser.add_argument("--requests", type=int, default=20 if quick else 50)
    parser.add_argument(
        "--results",
        type=Path,
        default=ROOT / "bench" / ("RESULTS.quick.md" if quick else "RESULTS.md"),
    )
    args = parser.parse_args(argv)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results: list[dict[str, Any]] = []
    for engine in [e for e in args.engines.split(",") if e]:
        say(f"[{engine}] live updates")
        entry: dict[str, Any] = {"engine": engine}
        try:
            with curated_copies(engine, "live-") as prepare:
                entry |= measure(prepare(), args)
            entry |= judge(entry)
        except (LiveFailed, EditFailed, OSError, RuntimeError, subprocess.SubprocessError) as error:
            entry["error"] = f"{type(error).__name__}: {error}"
            say(f"*** {entry['error']} ***")
        results.append(entry)
    out = ROOT / "bench" / ("results.quick" if quick else "results")
    out.mkdir(exist_ok=True)
    benches = [
        benchmark(f"{ENGINES[r['engine']]} {name}", samples)
        for r in results
        if "error" not in r
        for name, samples in [
            *(
                (f"{q} edit sent to last subscriber", [c["wall"] for c in r[q]["changes"]])
                for q in ("one query", "ten queries")
            ),
            *(
                (f"{kind} {state} subscribers", r["queries"]["samples"][kind][state])
                for kind in r["queries"]["samples"]
                for state in ("without", "with")
            ),
        ]
        if samples
    ]
    (out / "live-run.json").write_text(json.dumps(results) + "\n")
    if benches:
        pyperf.BenchmarkSuite(benches).dump(str(out / "live.json"), replace=True)
    section = markdown(results, args, when)
    write_section(args.results, SECTION, section)
    print(section)
    return 1 if any("error" in r for r in results) else 0


def judge(entry: dict[str, Any]) -> dict[str, Any]:
    """The counts the targets fix, as problems: one execution per distinct query per edit,
    every subscriber of the edited answer reached, nobody else."""
    problems = []
    for name, distinct in (("one query", 1), ("ten queries", QUERIES)):
        found = entry[name]
        for k, c in enumerate(found["changes"]):
            if c["executions"] != distinct or c["unexpected"]:
                problems.append(f"{name} edit {k}: {c['executions']} executions, "
                                f"{c['unexpected']} unexpected messages")  # fmt: skip
        if found["first_executions"] != distinct:
            problems.append(f"{name}: {found['first_executions']} executions for first answers")
    return {"error": "; ".join(problems)} if problems else {}


if __name__ == "__main__":
    sys.exit(main())
