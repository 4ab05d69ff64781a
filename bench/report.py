"""RESULTS.md from a run's results. pyperf computes every statistic (median, p90) from the
samples, and its `compare_to` command writes the comparison tables; what is ours is which
figures stand side by side, and the targets, each judged from the run's own figures."""

import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyperf

ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
WORKLOADS = ("W1", "W2", "W3", "W4a", "W4b", "W5", "W6")
PATHS = ("compiled", "resolver", "floor")
FLOOR_LIMITS = (3.0, 1.5)  # W1-W3 on the compiled path, times the floor: target, stretch
GROWTH_LIMIT = 1.3  # W2@100k within this of W2@1k
SIZE_JUDGED = ("W2", "W3", "W5", "W6")  # requests whose shape does not follow the data
STABILITY_TARGET = 200  # consecutive W3 requests at 1,000 organizations
NONE, TIMES = "\u2013", "\u00d7"


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


def problems(results: dict[str, Any]) -> list[str]:
    """Everything that failed, differed or fell back: each makes bench.run exit 1."""
    found = [f"{r['engine']} {r['label']}: {r['error']}" for r in results["runs"] if "error" in r]
    for row in rows(results):
        if "error" in row.entry:
            found.append(f"{row.name}: {row.entry['error']}")
        compiled = row.entry.get("compiled")
        if compiled and compiled["answered_compiled"] < len(compiled["seconds"]):
            found.append(f"{row.name}: the compiled app fell back to the resolvers")
    found += [
        f"stability {s['engine']} {s['path']}: {s['error']}"
        for s in results["stability"]
        if s["error"]
    ]
    found += [
        f"HTTP {h['engine']} {h['workload']} {h['path']}: {h['error']}"
        for h in results["http"]
        if "error" in h
    ]
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
        "## Summary",
        "",
        f"Problems (failures, differing answers, fallbacks to the resolvers): {problem}.",
        "",
        "### Targets",
        "",
        *targets(found, results["stability"]),
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
        keys = ("engine", "workload", "label", "path", "workers", "connections", "rps", "errors")
        keys += ("p50_ms", "p99_ms", "server_rss_kib", "error")
        body = [[ENGINES[h["engine"]], *(h.get(k, "") for k in keys[1:])] for h in results["http"]]
        lines += [
            "## Over HTTP",
            "",
            "uvicorn on loopback, N connections kept busy for a "
            "fixed window after a warm-up (bench/load.py).",
            "",
            *table(" | ".join(keys), body),
        ]
    machine = ", ".join(f"{k}: {v}" for k, v in results["machine"].items())
    return "\n".join([*lines, "## Machine", "", machine, ""])
