"""RESULTS.md from the raw results (results.json): tables per engine, the floor ratios,
statements by size, the HTTP table, the machine, and how to reproduce."""

import math
from collections.abc import Iterable, Sequence
from typing import Any

NONE = "\u2013"  # en dash: an empty cell
TIMES = "\u00d7"
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return NONE
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _bytes(value: int | None) -> str:
    if not value:
        return NONE
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f} MB"
    return f"{value / 1000:.1f} kB" if value >= 1000 else f"{value} B"


def _mib(kib: int | None) -> str:
    return NONE if not kib else f"{kib / 1024:,.0f} MiB"


def _ratio(value: float | None) -> str:
    return NONE if value is None else f"{value:,.1f}{TIMES}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _statements(result: dict[str, Any]) -> str:
    low, high = result["statements"]["min"], result["statements"]["max"]
    return str(low) if low == high else f"{low}{NONE}{high}"


def _notes(result: dict[str, Any]) -> str:
    notes = []
    if result["workload"] == "W5":
        walk = result["walk_ms"]
        notes.append(
            f"{result['organizations']:,} orgs in {result['pages_per_walk']} "
            + ("page" if result["pages_per_walk"] == 1 else "pages")
            + "; "
            f"walk total {_ms(walk['median'])} ms "
            + (f"(median of {result['walks']} walks)" if result["walks"] > 1 else "(one walk)")
        )
    if "hits" in result:
        notes.append(f"{result['hits']} hits")
    if "settings" in result:
        notes.append(", ".join(f"{k}={v:,}" for k, v in result["settings"].items()))
    if "floor" in result:
        floor = result["floor"]
        notes.append(
            f"floor {_bytes(floor['bytes'])}, JSON {'equal' if floor['equal'] else 'DIFFERS'}"
        )
    return "; ".join(notes)


def _run_rows(run: dict[str, Any]) -> list[list[str]]:
    rows = []
    for result in run.get("workloads", []):
        if "latency_ms" not in result:
            rows.append(
                [result["workload"], run["label"], *[NONE] * 8, f"**FAILED**: {result['error']}"]
            )
            continue
        latency, floor = result["latency_ms"], result.get("floor")
        notes = _notes(result)
        if result.get("error"):
            notes = f"**{result['error']}**; {notes}"
        rows.append(
            [
                f"{result['workload']} {result['title']}",
                run["label"],
                str(result["n"]),
                _ms(latency["median"]),
                _ms(latency["p90"]),
                _statements(result),
                _bytes(result["bytes"]),
                _mib(result["rss_kib"]),
                _ms(floor["latency_ms"]["median"]) if floor else NONE,
                _ratio(result.get("ratio")),
                notes,
            ]
        )
    return rows


ENGINE_HEADER = (
    "workload", "dataset", "n", "median ms", "p90 ms", "SQL stmts", "bytes", "peak RSS",
    "floor median ms", "÷ floor", "notes",
)  # fmt: skip


def _provenance(engine: str, dataset: dict[str, Any]) -> str:
    if not dataset["cached"]:
        return f"built in {dataset['build_seconds']:.1f} s"
    if engine == "sqlite":
        return "cached file"
    return f"restored from the cached dump in {dataset['build_seconds']:.1f} s"


def engine_section(engine: str, results: dict[str, Any]) -> list[str]:
    lines = [f"## {ENGINE_NAMES.get(engine, engine)}", ""]
    skipped = results["skipped"].get(engine)
    if skipped:
        return [*lines, f"> **SKIPPED: {skipped}**", ""]
    runs = [run for run in results["runs"] if run["engine"] == engine]
    rows: list[list[str]] = []
    for run in runs:
        if run.get("error"):
            rows.append([NONE, run["label"], *[NONE] * 8, f"**FAILED**: {run['error']}"])
        rows.extend(_run_rows(run))
    lines += _table(ENGINE_HEADER, rows)
    info = results["datasets"].get(engine, {})
    built = [f"{label}: {_provenance(engine, d)}" for label, d in info.items()]
    if built:
        lines += ["", "Datasets this run: " + "; ".join(built) + "."]
    return [*lines, ""]


def _find(results: dict[str, Any], engine: str, label: str, workload: str) -> dict[str, Any] | None:
    for run in results["runs"]:
        if run["engine"] == engine and run["label"] == label:
            for result in run.get("workloads", []):
                if result["workload"] == workload and "latency_ms" in result:
                    found: dict[str, Any] = result
                    return found
    return None


def summary_section(results: dict[str, Any]) -> list[str]:
    engines = [e for e in results["options"]["engines"] if not results["skipped"].get(e)]
    labels = results["labels"]
    lines = ["## Summary", "", "Service median ÷ floor median (same process, interleaved):", ""]
    rows = []
    for workload, on in (("W1", ["curated"]), ("W2", labels[1:]), ("W3", labels[1:])):
        for label in on:
            cells = [workload, label]
            for engine in engines:
                found = _find(results, engine, label, workload)
                cells.append(_ratio(found.get("ratio")) if found else NONE)
            rows.append(cells)
    lines += _table(["workload", "dataset", *(ENGINE_NAMES[e] for e in engines)], rows)
    lines += ["", "SQL statements per request:", ""]
    workloads = ("W1", "W2", "W3", "W4a", "W4b", "W5", "W6")
    rows = []
    for engine in engines:
        for label in labels:
            cells = [ENGINE_NAMES[engine], label]
            for workload in workloads:
                found = _find(results, engine, label, workload)
                cells.append(_statements(found) if found else NONE)
            rows.append(cells)
    lines += _table(["engine", "dataset", *workloads], rows)
    scaling = []
    for engine in engines:
        small, large = labels[1] if len(labels) > 1 else None, labels[-1]
        first = _find(results, engine, small, "W2") if small else None
        last = _find(results, engine, large, "W2")
        if first and last and small != large:
            factor = last["latency_ms"]["median"] / first["latency_ms"]["median"]
            scaling.append(
                f"{ENGINE_NAMES[engine]}: W2@{large} {_ms(last['latency_ms']['median'])} ms vs "
                f"W2@{small} {_ms(first['latency_ms']['median'])} ms ({factor:.2f}{TIMES})"
            )
    if scaling:
        lines += ["", "Depth-6 (W2) as the directory grows: " + "; ".join(scaling) + "."]
    return [*lines, ""]


HTTP_HEADER = (
    "engine", "workload", "dataset", "workers", "connections", "warm-up + window", "answered",
    "req/s", "p50 ms", "p99 ms", "errors", "server peak RSS",
)  # fmt: skip


def http_section(results: dict[str, Any]) -> list[str]:
    lines = ["## Over HTTP (uvicorn on 127.0.0.1)", ""]
    http = results.get("http", [])
    if not http:
        return [*lines, "Not run (--no-http).", ""]
    rows = []
    for entry in http:
        if entry.get("error"):
            rows.append([ENGINE_NAMES[entry["engine"]], entry["workload"], entry["label"],
                         str(entry["workers"]), *[NONE] * 7,
                         f"**FAILED**: {entry['error']}"])  # fmt: skip
            continue
        rows.append(
            [
                ENGINE_NAMES[entry["engine"]],
                entry["workload"],
                entry["label"],
                str(entry["workers"]),
                str(entry["connections"]),
                f"{entry['warmup']:g} s + {entry['seconds']:g} s",
                str(entry["requests"]),
                f"{entry['rps']:.1f}",
                _ms(entry["p50_ms"]),
                _ms(entry["p99_ms"]),
                str(entry["errors"])
                + (f" ({entry['first_error'][:80]})" if entry["errors"] else ""),
                _mib(entry["server_rss_kib"]),
            ]
        )
    lines += _table(HTTP_HEADER, rows)
    lines += [
        "",
        "Each connection sends its next request when the last is answered. Requests answered "
        "inside the window count; those in flight when it closes are dropped. `uvicorn "
        "service.app:create_app --factory`, access log off. The load generator "
        "(bench/load.py, asyncio + httpx) shares the machine's cores with the server, so 2 "
        "workers compete with it for CPU.",
        "",
    ]
    return lines


def machine_section(results: dict[str, Any]) -> list[str]:
    m, git = results["machine"], results["git"]
    dirty = f" (dirty: {git['dirty']} changed/untracked paths)" if git["dirty"] else " (clean)"
    rows = [
        ["date", results["generated"]],
        ["git commit", f"`{git['commit']}`{dirty}"],
        ["mode", results["mode"] + f" (`{results['command']}`)"],
        ["wall time", f"{results['duration_s'] / 60:.1f} min"],
        ["nproc", str(m["nproc"])],
        ["CPU", m["cpu"]],
        ["memory", m["memory"]],
        ["load average (start → end)", f"{m['load_start']} → {m['load_end']}"],
        ["Python", m["python"]],
        ["SQLite", m["sqlite"]],
        ["PostgreSQL", m.get("postgresql") or "not available"],
        ["packages", ", ".join(f"{k} {v}" for k, v in m["packages"].items())],
    ]
    return ["## Machine and run", "", *_table(["", ""], rows), ""]


METHOD = """\
## How it was measured

- In-process: `create_app(Settings(database_url=...))`, lifespan entered, requests through
  `httpx.AsyncClient(transport=httpx.ASGITransport(app))`; warm-up requests first; latency
  is the client-side time of one POST. One subprocess per engine and dataset, so "peak RSS"
  (`ru_maxrss`) is that configuration's: the process's high-water mark after the workload,
  so it only grows down a configuration's rows.
- SQL statements: every statement the app's engine sends (`before_cursor_execute`),
  BEGIN/COMMIT/ROLLBACK excluded.
- Repetitions: {reps} timed requests per workload after the warm-up, unless the next one
  would end past {seconds:g} s (never fewer than {min_reps}): column n says how many ran.
  W3 takes seconds per request: {heavy_reps} at most, at least {heavy_min}, within
  {heavy_seconds:g} s, warmed up with a first: 100 request. W5 repeats whole walks ({walk_reps}
  at most, at least one, within {walk_seconds:g} s, so only a few at 100k); its latency
  columns are per page, n counts pages. W6 times {node_lookups} single `node(id:)` requests
  over up to 100 IDs of organizations, people and agreements.
- W3 runs on an app built with {w3_settings}: by default the API refuses first > 100, and
  its query-cost limit and per-request time budget would refuse this query too.
- The floor (bench/floor.py): one SQL statement building the same JSON in the database,
  executed on an AsyncConnection of the app's engine after each service request, so the
  ratio compares the two at the same moment of this shared, noisy machine. Its parsed
  JSON is checked equal to the service's `data`.
- PostgreSQL: a throwaway server (tests/postgres.py: fsync off); datasets restored from a
  cached `pg_dump` and ANALYZEd. SQLite: a copy of the cached file the seed command wrote.

## Reproduce

```sh
make bench                                   # full: curated, 1k, 10k, 100k; both engines; HTTP
BENCH_QUICK=1 make bench                     # quick: curated + 1k, fewer repetitions (~2 min)
make bench BENCH_ARGS="--engines sqlite --sizes 1000,10000 --no-http"
```

A full run writes bench/RESULTS.md and bench/results.json; a quick run writes
bench/RESULTS.quick.md and bench/results.quick.json (git-ignored). Built databases are
cached in bench/.data/ (git-ignored; `--rebuild` discards them).
"""


def render(results: dict[str, Any]) -> str:
    title = "# Benchmark results" + (" (quick mode)" if results["mode"] == "quick" else "")
    lines = [
        title,
        "",
        f"{results['generated']} · commit `{results['git']['commit']}`"
        + (" (dirty tree)" if results["git"]["dirty"] else "")
        + f" · {results['mode']} run · {results['duration_s'] / 60:.1f} min",
        "",
    ]
    for note in results["notes"]:
        lines += [f"> **{note}**", ""]
    lines += summary_section(results)
    for engine in results["options"]["engines"]:
        lines += engine_section(engine, results)
    lines += http_section(results)
    lines += machine_section(results)
    lines.append(METHOD.format(**results["method"]))
    return "\n".join(lines)
