"""RESULTS.md from a run's results. pyperf computes every statistic (median, p90) from the
samples, and its `compare_to` command writes the comparison tables; what is ours is which
figures stand side by side, and the targets, each judged from the run's own figures."""

import statistics
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyperf

from bench.floor import TECHNIQUES

ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
WORKLOADS = ("W1", "W2", "W3", "W4a", "W4b", "W5", "W6")
PATHS = ("compiled", "resolver", "floor", "empty")  # empty: GET /healthz beside the floor
FLOOR_LIMITS = (3.0, 1.5)  # W1-W3 on the compiled path, times the floor: target, stretch
STATEMENT_LIMIT = 1.15  # the service's own statement, times the floor statement (same rounds)
REQUEST_LIMIT = 1.3  # the whole compiled request, times the floor + an empty round trip
GROWTH_LIMIT = 1.3  # W2@100k within this of W2@1k
SIZE_JUDGED = ("W2", "W3", "W5", "W6")  # requests whose shape does not follow the data
STABILITY_TARGET = 200  # consecutive W3 requests at 1,000 organizations
MEMORY_LIMIT_MIB = 250  # the server's peak RSS serving W3 at 100k, compiled path (bench/memory.py)
NONE, TIMES = "\u2013", "\u00d7"


def ms(seconds: float | None) -> str:
    """Seconds as milliseconds for a table, a dash when unmeasured."""
    return NONE if seconds is None else f"{seconds * 1000:,.1f}"


def benchmark(name: str, seconds: Sequence[float], **metadata: Any) -> pyperf.Benchmark:
    run = pyperf.Run(
        seconds, metadata={"name": name, "unit": "second", **metadata}, collect_metadata=False
    )
    return pyperf.Benchmark([run])


class Row:
    """One workload on one engine and dataset: its entry and each path's pyperf benchmark."""

    def __init__(self, engine: str, label: str, entry: dict[str, Any]) -> None:
        self.engine, self.label, self.entry = engine, label, entry
        self.workload = entry["workload"]
        self.name = f"{ENGINES[engine]} {self.workload}@{label}"
        self.b = {
            path: benchmark(self.name, entry[path]["seconds"], bytes=entry[path]["bytes"])
            for path in PATHS
            if path in entry
        }

    def over(self, top: str, bottom: str) -> float | None:
        if top in self.b and bottom in self.b:
            return float(self.b[top].median() / self.b[bottom].median())
        return None

    def over_floor_and_trip(self) -> float | None:
        """The compiled request's median over the floor's plus an empty request's, each
        measured in the same rounds through the same client."""
        if not all(path in self.b for path in ("compiled", "floor", "empty")):
            return None
        below = self.b["floor"].median() + self.b["empty"].median()
        return float(self.b["compiled"].median() / below)

    def statement_over_floor(self) -> float | None:
        """The service's own statement over the floor's (bench/floor.py FLOOR), replayed in
        the same survey rounds."""
        survey = self.entry.get("techniques") or {}
        floor = survey.get(f"floor: {self.entry.get('floor_technique')}")
        service = survey.get("the service's statement")
        if not floor or not service or not floor["seconds"] or not service["seconds"]:
            return None
        return float(statistics.median(service["seconds"]) / statistics.median(floor["seconds"]))

    def statements(self) -> str:
        counts = [self.entry.get(path, {}).get("statements") for path in PATHS[:2]]
        return " / ".join(",".join(map(str, c)) if c else NONE for c in counts)

    def ms(self, path: str, p: float = 50) -> str:
        if path not in self.b:
            return NONE
        value = self.b[path].percentile(p) * 1000
        return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def rows(results: dict[str, Any]) -> list[Row]:
    return [
        Row(run["engine"], run["label"], entry)
        for run in results["runs"]
        for entry in run.get("workloads", [])
    ]


def suites(results: dict[str, Any]) -> dict[str, pyperf.BenchmarkSuite]:
    """One pyperf suite per path: `python -m pyperf stats|hist|compare_to` read them."""
    found = {path: [row.b[path] for row in rows(results) if path in row.b] for path in PATHS}
    return {path: pyperf.BenchmarkSuite(benches) for path, benches in found.items() if benches}


def table(header: str, body: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table; `header` is its first row without the outer pipes."""
    lines = [f"| {header} |", "|" + " --- |" * (header.count("|") + 1)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in body]
    return [*lines, ""]


def write_section(results_md: Path, heading: str, section: str) -> None:
    """Replace (or append) the section under `heading` in RESULTS.md; the rest is the other
    benches'."""
    text = results_md.read_text() if results_md.exists() else "# Benchmark results\n"
    before, found, rest = text.partition(heading)
    after = rest[rest.find("\n## ") + 1 :] if found and "\n## " in rest else ""
    results_md.write_text(before.rstrip("\n") + "\n\n" + section + ("\n" + after if after else ""))


def verdict(met: bool) -> str:
    return "**met**" if met else "**NOT met**"


def ratio(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}{TIMES}"


def targets(found: list[Row], stability: list[dict[str, Any]]) -> list[str]:
    lines = []
    floors = [(r, row.name) for row in found if (r := row.over("compiled", "floor"))]
    if floors:
        worst, where = max(floors)
        for limit in FLOOR_LIMITS:
            lines.append(
                f"- W1-W3 (compiled path) within {limit:g}{TIMES} the floor: "
                f"{verdict(worst <= limit)}; worst {where} at {ratio(worst)}"
            )
    for what, of, limit in (
        ("statement", Row.statement_over_floor, STATEMENT_LIMIT),
        ("whole request", Row.over_floor_and_trip, REQUEST_LIMIT),
    ):
        judged = [(r, row.name) for row in found if (r := of(row)) is not None]
        if judged:
            worst, where = max(judged)
            versus = "the floor statement" if what == "statement" else "the floor + /healthz"
            lines.append(
                f"- W1-W3 compiled {what} within {limit:g}{TIMES} {versus}: "
                f"{verdict(worst <= limit)}; worst {where} at {ratio(worst)}, best "
                f"{ratio(min(judged)[0])}"
            )
    sizes = sorted({row.label for row in found if row.label != "curated"})
    by_size: dict[tuple[str, str], set[str]] = {}
    for row in found:
        if row.workload in SIZE_JUDGED and row.label != "curated":
            by_size.setdefault((row.engine, row.workload), set()).add(row.statements())
    varying = [f"{ENGINES[e]} {w}" for (e, w), counts in by_size.items() if len(counts) > 1]
    judged = verdict(not varying) + " " + ", ".join(varying) if len(sizes) > 1 else "not judged"
    lines.append(
        f"- SQL statements per request independent of the directory's size "
        f"({', '.join(SIZE_JUDGED)}; sizes {', '.join(sizes) or NONE}): {judged}"
    )
    for engine in ENGINES:
        w2 = {
            (r.label, p): r.b[p]
            for r in found
            if r.engine == engine and r.workload == "W2"
            for p in r.b
        }
        if ("100k", "compiled") in w2 and ("1k", "compiled") in w2:
            grew = w2["100k", "compiled"].median() / w2["1k", "compiled"].median()
            floor = w2["100k", "floor"].median() / w2["1k", "floor"].median()
            lines.append(
                f"- W2@100k within {GROWTH_LIMIT}{TIMES} of W2@1k, {ENGINES[engine]}: "
                f"{verdict(grew <= GROWTH_LIMIT)} at {ratio(grew)} (the floor "
                f"{ratio(floor)})"
            )
    if stability:
        full = all(s["requests"] >= STABILITY_TARGET for s in stability if s["path"] == "compiled")
        judged = verdict(not any(s["error"] for s in stability)) if full else "not judged"
        lines.append(
            f"- {STABILITY_TARGET} consecutive W3 requests at 1k without a crash: "
            f"{judged} (see Stability)"
        )
    return lines


HTTP_TARGETS = {"small-uncached": 0.6, "partners-page": 0.85}  # requests/s over /healthz's
HTTP_KINDS = {
    "healthz": "`GET /healthz`",
    "small-uncached": "`organization(slug:) { name acronym }` by POST, a slug never sent "
    "before on every request (no cache can answer; it finds no organization)",
    "small-slugs": "the same query over the dataset's slugs in turn (each found; repeated)",
    "partners-page": "the partners page's query (service/http/static/partners.js), the "
    "same every request, gzip accepted as a browser does",
    "W2": "depth-6 query, `organizations(first: 100)`, the same every request, on a server "
    "with the response cache off (RESPONSE_CACHE_BYTES=0), so each request runs the query",
}


def _servers(http: list[dict[str, Any]]) -> dict[tuple[str, str, str, int], dict[str, Any]]:
    """Each server's entries by request kind: (engine, dataset, path, workers) -> kind."""
    found: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    for h in http:
        if "rps" in h:
            key = (h["engine"], h["label"], h["path"], h["workers"])
            found.setdefault(key, {})[h["request"]] = h
    return found


def _over(top: dict[str, Any] | None, bottom: dict[str, Any] | None) -> float | None:
    return top["rps"] / bottom["rps"] if top and bottom and bottom["rps"] else None


def http_targets(http: list[dict[str, Any]]) -> list[str]:
    """Requests/s against /healthz's on the same server, in the same run (the issue's
    targets); the partners page's query repeats, so the server's response cache answers it."""
    lines = []
    for kind, limit in HTTP_TARGETS.items():
        ratios = [
            (r, f"{ENGINES[e]}, {w} worker{'s' * (w > 1)}")
            for (e, _label, _path, w), by in _servers(http).items()
            if (r := _over(by.get(kind), by.get("healthz"))) is not None
        ]
        if not ratios:
            continue
        worst = min(r for r, _ in ratios)
        shown = ", ".join(f"{where} {ratio(r)}" for r, where in ratios)
        judged = verdict(worst >= limit)
        lines.append(
            f"- {kind} at {limit:g}{TIMES} /healthz's requests/s or more (autocannon, one "
            f"server): {judged}; {shown}"
        )
    return lines


def _kib_mib(kib: int | None) -> str:
    return NONE if kib is None else f"{kib / 1024:,.0f}"


def memory_targets(memory: list[dict[str, Any]]) -> list[str]:
    """The server's peak RSS (VmHWM) serving W3 on the compiled path, per engine, judged
    at 100k only (a quick run's smaller dataset is shown, not judged)."""
    lines = []
    for m in memory:
        if m["path"] != "compiled":
            continue
        where = f"{ENGINES[m['engine']]} W3@{m['label']}"
        if "concurrent_kib" not in m:
            lines.append(f"- {where} server peak RSS ≤ {MEMORY_LIMIT_MIB} MiB: not measured")
            continue
        peak = m["concurrent_kib"]["VmHWM"] / 1024
        judged = verdict(peak <= MEMORY_LIMIT_MIB) if m["label"] == "100k" else "not judged"
        lines.append(
            f"- {where}, compiled path, server peak RSS ≤ {MEMORY_LIMIT_MIB} MiB: {judged} at "
            f"{peak:,.0f} MiB (4 requests at once; one at a time "
            f"{m['sequential_kib']['VmHWM'] / 1024:,.0f} MiB; anonymous memory at most "
            f"{m['concurrent_kib'].get('peak_RssAnon', 0) / 1024:,.0f} MiB; see Memory)"
        )
    return lines


def memory_section(memory: list[dict[str, Any]]) -> list[str]:
    header = "engine | dataset | path | requests | answer bytes (gzip) | ms a request / a round "
    header += "at once | RSS at start | idle RSS (anon) | peak RSS, seq | peak RSS, at once | "
    header += "peak anon | peak file | peak PSS | result"
    body = []
    for m in memory:
        if "concurrent_kib" not in m:
            body.append([ENGINES[m["engine"]], m["label"], m["path"], *[NONE] * 10, m["error"]])
            continue
        idle, seq, both = m["idle_kib"], m["sequential_kib"], m["concurrent_kib"]
        body.append(
            [ENGINES[m["engine"]], m["label"], m["path"],
             f"{m['requests']} ({m['concurrency']} at once)",
             f"{m['bytes']:,} ({m['gzip_bytes']:,})",
             f"{m['sequential_s'] * 1000:,.0f} / {m['concurrent_s'] * 1000:,.0f}",
             _kib_mib(m["started_kib"]["VmRSS"]),
             f"{_kib_mib(idle['VmRSS'])} ({_kib_mib(idle.get('RssAnon'))})",
             _kib_mib(seq["VmHWM"]), _kib_mib(both["VmHWM"]),
             _kib_mib(both.get("peak_RssAnon")), _kib_mib(both.get("peak_RssFile")),
             _kib_mib(both.get("peak_Pss")), m.get("error", "ok")]
        )  # fmt: skip
    return [
        "## Memory",
        "",
        "`python -m service serve` (one process) serving W3 (depth-6, `first: 1000`; "
        "MAX_PAGE_SIZE, MAX_COST and REQUEST_TIMEOUT_S raised as for W3 in-process, every other "
        "setting at its default), one fresh server per path (bench/memory.py): one untimed "
        "request, the idle RSS a second later, then requests one at a time (seq), then 4 at "
        "once (the resolver path: 2); each request asks a `first` of its own (1000, 999, "
        "...), so the response cache answers none of them. MiB; peak RSS is the kernel's "
        "VmHWM after each phase; peak anon, file and PSS are the largest RssAnon, RssFile "
        "and Pss (smaps_rollup) sampled every 20 ms. RssFile holds the program's own files "
        "and, when SQLITE_MMAP_MIB is above its default of 0, the SQLite file's pages mapped "
        "by the connections: page cache, reclaimable, unlike RssAnon; each connection maps "
        "the file on its own, so a page four connections read counts four times in RSS, "
        f"once in PSS. Target: the compiled path's peak RSS \u2264 "
        f"{MEMORY_LIMIT_MIB} MiB at 100k; "
        "the resolver path is shown for comparison.",
        "",
        *memory_targets(memory),
        "",
        *table(header, body),
    ]


def _mib(h: dict[str, Any]) -> object:
    return round(h["server_rss_kib"] / 1024, 1) if "server_rss_kib" in h else ""


def over_http(http: list[dict[str, Any]]) -> list[str]:
    keys = ("engine", "label", "path", "workers", "request", "connections", "rps", "p50_ms")
    keys += ("p90_ms", "p99_ms", "errors", "client_cores", "busiest_worker_share")
    keys += ("server_rss_mib", "error")
    body = [[ENGINES[h["engine"]], *(h.get(k, "") for k in keys[1:-2]), _mib(h), h.get("error", "")]
            for h in http]  # fmt: skip
    servers = _servers(http)
    kinds = list(dict.fromkeys(h["request"] for h in http if h["request"] != "healthz"))
    ratios = [
        [ENGINES[e], label, path, w, *(ratio(_over(by.get(k), by.get("healthz"))) for k in kinds)]
        for (e, label, path, w), by in servers.items()
        if "healthz" in by
    ]
    scaling = [
        [ENGINES[e], label, path, kind, by[kind]["rps"], two[kind]["rps"],
         ratio(_over(two[kind], by[kind]))]
        for (e, label, path, w), by in servers.items()
        if w == 1 and (two := servers.get((e, label, path, 2)))
        for kind in by
        if kind in two
    ]  # fmt: skip
    legend = "; ".join(f"**{kind}**: {what}" for kind, what in HTTP_KINDS.items())
    return [
        "## Over HTTP",
        "",
        "autocannon (bench/autocannon.mjs) against `python -m service serve --workers N` on "
        "loopback: each request kind in turn against one server, the same connections, "
        "warm-up and window; requests/s is autocannon's mean of its per-second samples, "
        "latencies its percentiles (whole ms). The load generator runs on the same two cores "
        f"as the server: client_cores is the CPU it used over its wall time (bench/load.py). "
        "With 2 workers, busiest_worker_share is the busiest worker's share of the workers' "
        "CPU during the run: each worker accepts on a socket of its own (SO_REUSEPORT, "
        "service/workers.py) and the kernel spreads autocannon's 20 connections over them by "
        "a hash of their addresses, so a share near 0.5 says both workers did the run's "
        "work, and one far from it that the hash did not split the connections evenly. "
        f"{legend}.",
        "",
        *table(" | ".join(keys), body),
        "Requests/s over `/healthz`'s on the same server (targets: small-uncached "
        f"{HTTP_TARGETS['small-uncached']:g}{TIMES}, partners-page "
        f"{HTTP_TARGETS['partners-page']:g}{TIMES}, answered by the response cache):",
        "",
        *table(" | ".join(["engine", "dataset", "path", "workers", *kinds]), ratios),
        "From 1 to 2 workers (requests/s):",
        "",
        *table("engine | dataset | path | request | 1 worker | 2 workers | 2 ÷ 1", scaling),
    ]


def _bound(bare: list[dict[str, Any]], http: list[dict[str, Any]]) -> list[list[object]]:
    """Per engine: the bare stack's /healthz and small-uncached requests/s, the small query's
    cost over /healthz there (µs a request), the service's own /healthz (one worker), and
    the most small-uncached ÷ /healthz a service could reach on top of that /healthz if
    its own work for the query cost nothing: 1 / (1 + cost * its /healthz requests/s)."""
    rows = []
    for engine in ENGINES:
        floor = {b["request"]: b for b in bare if b["engine"] == engine and "rps" in b}
        service = _servers(http).get((engine, "curated", "compiled", 1), {})
        if not {"healthz", "small-uncached"} <= floor.keys() or "healthz" not in service:
            continue
        healthz, small = floor["healthz"]["rps"], floor["small-uncached"]["rps"]
        cost_s = 1 / small - 1 / healthz
        served = service["healthz"]["rps"]
        reached = _over(service.get("small-uncached"), service["healthz"])
        rows.append(
            [ENGINES[engine], f"{healthz:,.0f}", f"{small:,.0f}", f"{cost_s * 1e6:,.0f}",
             f"{served:,.0f}", ratio(1 / (1 + cost_s * served)), ratio(reached)]
        )  # fmt: skip
    return rows


def bare_floor(bare: list[dict[str, Any]], http: list[dict[str, Any]]) -> list[str]:
    rows = _bound(bare, http)
    if not rows:
        return []
    header = "engine | bare /healthz req/s | bare small-uncached req/s | the small query "
    header += "over /healthz, bare (µs a request) | the service's /healthz req/s | the most a "
    header += "service could reach | the service's small-uncached ÷ /healthz"
    return [
        "### The stack's own floor for the small query",
        "",
        "bench/bare.py: a bare ASGI app under the same uvicorn (one process), with no "
        "middleware, GraphQL or SQLAlchemy, answers `/healthz` and the small uncached query "
        "from one statement on a pooled driver connection (aiosqlite, asyncpg), measured as "
        "the service is (20 connections, same window), just after it. What the small query "
        "costs there over `/healthz` is the database round trip through the stack's async "
        "driver; a service whose own work for the query cost nothing would still pay it on "
        "top of its own `/healthz`, so its small-uncached ÷ `/healthz` could be at most "
        "1 / (1 + that cost * its `/healthz` requests/s). The load generator shares the two "
        "cores in both, so these are per-request costs of the whole machine, not the "
        "server's alone.",
        "",
        *table(header, rows),
    ]


def bare_targets(bare: list[dict[str, Any]], http: list[dict[str, Any]]) -> list[str]:
    rows = _bound(bare, http)
    shown = ", ".join(f"{row[0]} {row[5]}" for row in rows)
    return (
        [f"- small-uncached: the most this stack allows (see The stack's own floor): {shown}"]
        if rows
        else []
    )


SURVEY_LEGEND = {
    "sqlite": "**json**: json_object/json_group_array over one CTE per level, with json() "
    "around every value read back from a subquery or a CTE (the floor until now: SQLite "
    "re-parses each level's text at every level above it); **text**: the JSON built as "
    "text with json_quote(), `||` and group_concat over the same CTEs, nothing parsed; "
    "**nested** (depth-6 only): json_object/json_group_array straight into one another, so "
    "every value keeps its JSON subtype and needs no json(), each level's rows ordered in a "
    "subquery of plain columns that joins what the level shows (written with a subquery "
    "per level instead, it overflows SQLite 3.40's parser stack).",
    "postgresql": "**ctes**: json_build_object/json_agg(... ORDER BY) over one `NOT "
    "MATERIALIZED` CTE per level, looked up by id (the floor until now); **nested** "
    "(depth-6 only): the same functions in correlated subqueries nested into one another, "
    "each level's columns joined in its parent's; **lateral** (depth-6 only): each level's "
    "array aggregated in a `LEFT JOIN LATERAL` of its parent's row; **text** and "
    "**nestedtext** (depth-6 only): the shapes of ctes and nested, the JSON built as compact "
    "text (`'{\"key\":' || to_json(value)::text`, string_agg(... ORDER BY ...)), nothing "
    'cast back to json: SQLite\'s bytes, where json_build_object writes `"key" : value` '
    "and json_agg `, `.",
}


def floor_survey(found: list[Row], engine: str) -> list[str]:
    """The floor's techniques and the service's own statement, interleaved in rounds on the
    service's engine (bench/workloads.py `survey`): medians, by pyperf."""
    surveyed = [row for row in found if row.engine == engine and row.entry.get("techniques")]
    if not surveyed:
        return []
    service = "the service's statement"
    seen = {n for row in surveyed for n in row.entry["techniques"]}
    floors = [f"floor: {t}" for t in TECHNIQUES[engine] if f"floor: {t}" in seen]
    names = [*floors, *([service] if service in seen else [])]
    body = []
    for row in surveyed:
        survey = row.entry["techniques"]
        median = {
            name: benchmark(f"{row.name} {name}", s["seconds"]).median()
            for name, s in survey.items()
            if s["seconds"]
        }
        best = min((n for n in median if n != service), key=median.__getitem__)
        slowest = max((n for n in median if n != service), key=median.__getitem__)
        cells = [f"{median[n] * 1000:.3g}" if n in median else NONE for n in names]
        body.append(
            [row.workload, row.label, len(survey[best]["seconds"]), *cells,
             best.removeprefix("floor: "), ratio(median[slowest] / median[best]),
             ratio(median[service] / median[best] if service in median else None),
             "yes" if all(s["same"] for s in survey.values()) else "**no**"]
        )  # fmt: skip
    columns = [n.removeprefix("floor: ") + " ms" for n in floors]
    columns += ["service's statement ms"] if service in names else []
    columns += ["fastest", "slowest ÷ fastest", "service's statement ÷ fastest", "same JSON"]
    header = " | ".join(["workload", "dataset", "rounds", *columns])
    return [
        f"## The floor on {ENGINES[engine]}: ways to build the JSON",
        "",
        "Each way of writing the floor statement (bench/floor.py) and the service's own "
        "statement (captured as the compiled path sent it, replayed on the same engine, so "
        "without the service's Python) in rounds, each round in a turned order; medians "
        f"(pyperf). {SURVEY_LEGEND[engine]} The floor measured above is bench/floor.py's "
        "FLOOR: on SQLite the fastest; on PostgreSQL the fastest of the techniques that write "
        "SQLite's compact bytes, as the service does.",
        "",
        *table(header, body),
    ]


def problems(results: dict[str, Any]) -> list[str]:
    """Everything that failed, differed or fell back: each makes bench.run exit 1."""
    found = [f"{r['engine']} {r['label']}: {r['error']}" for r in results["runs"] if "error" in r]
    for row in rows(results):
        if "error" in row.entry:
            found.append(f"{row.name}: {row.entry['error']}")
        for name, survey in row.entry.get("techniques", {}).items():
            if not survey["same"]:
                found.append(f"{row.name}: {name}'s JSON differs from the service's data")
        compiled = row.entry.get("compiled")
        if compiled and compiled["answered_compiled"] < len(compiled["seconds"]):
            found.append(f"{row.name}: the compiled app fell back to the resolvers")
    found += [
        f"stability {s['engine']} {s['path']}: {s['error']}"
        for s in results["stability"]
        if s["error"]
    ]
    found += [
        f"memory {ENGINES[m['engine']]} {m['path']}: {m['error']}"
        for m in results.get("memory", [])
        if "error" in m
    ]
    for h in results["http"]:
        where = f"HTTP {ENGINES[h['engine']]} {h['request']}@{h['label']} {h['path']}"
        where += f", {h['workers']} worker(s)"
        if "error" in h:
            found.append(f"{where}: {h['error']}")
        elif h["errors"]:
            found.append(f"{where}: {h['errors']} errors (statuses {h['statuses']})")
    return found


def compare_to(out: Path, reference: str, changed: str) -> list[str]:
    """`python -m pyperf compare_to` on two of the run's suites (Markdown)."""
    files = [str(out / f"{reference}.json"), str(out / f"{changed}.json")]
    if not all(Path(f).exists() for f in files):
        return []
    command = [sys.executable, "-m", "pyperf", "compare_to", *files, "--table", "-G"]
    done = subprocess.run([*command, "--table-format", "md"], capture_output=True, text=True)
    return [line for line in done.stdout.splitlines() if not line.startswith("Ignored")] + [""]


def details(found: list[Row], engine: str) -> list[str]:
    header = "workload | dataset | n (c / r / floor) | compiled ms median (p90) | resolver ms | "
    header += "floor ms | SQL stmts (c / r) | bytes | peak RSS | notes"
    body = []
    for row in (r for r in found if r.engine == engine):
        notes = [row.entry.get("title", "")]
        if "pages_per_walk" in row.entry:
            notes.append(f"per page; {row.entry['pages_per_walk']} pages a walk")
        notes.append(f"{row.entry.get('compared', 0)} answers compared")
        notes += [f"**{row.entry['error'][:300]}**"] if "error" in row.entry else []
        n = " / ".join(str(row.b[p].get_nvalue()) if p in row.b else NONE for p in PATHS)
        times = [f"{row.ms(p)} ({row.ms(p, 90)})" for p in PATHS]
        size = f"{row.entry.get('compiled', {}).get('bytes', 0):,}"
        rss = f"{row.entry.get('rss_kib', 0) / 1024:,.0f} MiB"
        body.append(
            [row.workload, row.label, n, *times, row.statements(), size, rss, "; ".join(notes)]
        )
    return [f"## {ENGINES[engine]}", "", *table(header, body)]


def shared(machine: dict[str, Any]) -> list[str]:
    """A warning when the machine was busy as the run began: its absolute figures then
    say less than its ratios, each measured within one moment of the machine."""
    load, cores = float(machine.get("load_avg_1min", 0)), int(machine.get("cpu_count", 1))
    if load < 0.5 * cores:
        return []
    return [
        f"- The machine was shared with other work (1-minute load average {load:g} on "
        f"{cores} cores as the run began): read the ratios, each measured within one round "
        "or one server, rather than the absolute figures.",
        "",
    ]


def render(results: dict[str, Any], out: Path) -> str:
    found = rows(results)
    engines = [e for e in ENGINES if any(row.engine == e for row in found)]
    labels = list(dict.fromkeys(row.label for row in found))
    cell = {(r.engine, r.label, r.workload): r for r in found}

    def by_engine(workload: str, label: str, show: Any) -> list[str]:
        return [
            show(cell[e, label, workload]) if (e, label, workload) in cell else NONE
            for e in engines
        ]

    floors = [
        [w, label, *by_engine(w, label, lambda r: ratio(r.over("compiled", "floor")))]
        for w in ("W1", "W2", "W3")
        for label in labels
        if any((e, label, w) in cell for e in engines)
    ]
    counts = [
        [w, label, *by_engine(w, label, Row.statements)]
        for w in WORKLOADS
        for label in labels
        if any((e, label, w) in cell for e in engines)
    ]
    problem = "; ".join(f"**{p}**" for p in problems(results)) or "none"
    lines = [
        "# Benchmark results",
        "",
        f"{results['generated']} · commit `{results['commit']}` · {results['mode']} run · "
        f"{results['minutes']:.1f} min · `{results['command'].strip()}`",
        "",
        *(f"- **{note}**" for note in results["notes"]),
        *shared(results["machine"]),
        "## Summary",
        "",
        f"Problems (failures, differing answers, fallbacks to the resolvers): {problem}.",
        "",
        "### Targets",
        "",
        *targets(found, results["stability"]),
        *http_targets(results["http"]),
        *bare_targets(results.get("bare", []), results["http"]),
        *memory_targets(results.get("memory", [])),
        "",
        "Compiled path median ÷ floor median (the two interleaved in the same rounds):",
        "",
        *table(" | ".join(["workload", "dataset", *(ENGINES[e] for e in engines)]), floors),
        "SQL statements per request, compiled / resolver path:",
        "",
        *table(" | ".join(["workload", "dataset", *(ENGINES[e] for e in engines)]), counts),
        "pyperf's comparison of the compiled path with the floor (`python -m pyperf "
        "compare_to floor.json compiled.json`: means, and a t-test for significance):",
        "",
        *compare_to(out, "floor", "compiled"),
        "The resolver path against the compiled path (`compare_to compiled.json resolver.json`):",
        "",
        *compare_to(out, "compiled", "resolver"),
    ]
    for engine in engines:
        lines += floor_survey(found, engine)
    for engine in engines:
        lines += details(found, engine)
    if results["stability"]:
        keys = ("engine", "path", "requests", "first", "answered", "seconds")
        header = " | ".join([*keys, "result"])
        body = [[*(s[k] for k in keys), s["error"] or "ok"] for s in results["stability"]]
        body = [[ENGINES[row[0]], *row[1:]] for row in body]
        lines += [
            "## Stability",
            "",
            "`tests.stress_requests` in a child process: depth-6 "
            "requests in a row; a crash is recorded by its signal.",
            "",
            *table(header, body),
        ]
    if results["http"]:
        lines += over_http(results["http"])
        lines += bare_floor(results.get("bare", []), results["http"])
    if results.get("memory"):
        lines += memory_section(results["memory"])
    machine = ", ".join(f"{k}: {v}" for k, v in results["machine"].items())
    return "\n".join([*lines, "## Machine", "", machine, ""])
