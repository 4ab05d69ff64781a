"""RESULTS.md from the raw results (results.json): the targets and whether this run met them,
the summaries (service ÷ floor, resolver path ÷ compiled path, statements by size), what the
document cache and the compiled path each buy (the ablation), tables per engine, the
stability runs, the HTTP table, the machine, and how to reproduce.

Every verdict is computed here from the figures of the run being rendered, so a report can
never claim a target that its own tables contradict.
"""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

NONE = "\u2013"  # en dash: an empty cell
TIMES = "\u00d7"
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
PATH_NAMES = ("compiled", "resolver")
WORKLOADS = ("W1", "W2", "W3", "W4a", "W4b", "W5", "W6")
FLOOR_LIMIT = 3.0  # target: W1-W3 within 3x the floor
FLOOR_STRETCH = 1.5  # stretch target
SCALING_LIMIT = 1.3  # target: W2@100k within 1.3x of W2@1k
SIZE_JUDGED = ("W2", "W3", "W5", "W6")  # requests whose shape does not follow the data
SCALING_FROM, SCALING_TO = "1k", "100k"
STABILITY_REQUESTS = 200  # target: 200 consecutive W3 requests at 1,000 organizations
STABILITY_FIRST, STABILITY_LABEL = 1000, "1k"


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
    if value is None or math.isnan(value):
        return NONE
    return f"{value:,.1f}{TIMES}" if value >= 0.995 else f"{value:.2f}{TIMES}"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (answers quoted in notes may hold pipes)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _both(compiled: str, resolver: str) -> str:
    """A compiled / resolver cell; one value where the resolver path has none."""
    return compiled if resolver == NONE else f"{compiled} / {resolver}"


def _statements(figures: dict[str, Any] | None) -> str:
    if not figures or "statements" not in figures:
        return NONE
    low, high = figures["statements"]["min"], figures["statements"]["max"]
    return str(low) if low == high else f"{low}{NONE}{high}"


def _median(figures: dict[str, Any] | None) -> float | None:
    return figures["latency_ms"]["median"] if figures and "latency_ms" in figures else None


def _p90(figures: dict[str, Any] | None) -> float | None:
    return figures["latency_ms"]["p90"] if figures and "latency_ms" in figures else None


# --- the notes column -------------------------------------------------------------------


def _walk_note(result: dict[str, Any]) -> str:
    pages = result["pages_per_walk"]
    walk = result["walk_ms"]
    note = (
        f"{result['organizations']:,} orgs in {pages} {'page' if pages == 1 else 'pages'}; "
        f"walk total {_ms(walk['median'])} ms compiled"
        + (f" (median of {result['walks']} walks)" if result["walks"] > 1 else " (one walk)")
    )
    if result.get("resolver_walks"):
        note += f", {_ms(result['resolver_walk_ms']['median'])} ms resolver"
        if result["resolver_walks"] < result["walks"]:
            note += f" ({result['resolver_walks']} of {result['walks']} walks: its own budget)"
    return note


def _paths_note(result: dict[str, Any]) -> str | None:
    """Whether the two paths answered alike: a difference is shouted, never a footnote."""
    paths = result.get("paths")
    if not paths:
        return None
    if paths["differ"]:
        where = (paths.get("first_difference") or "")[:300]
        return (
            f"**JSON DIFFERS between the paths in {paths['differ']} of {paths['compared']} "
            f"rounds**: {where}"
        )
    return f"paths' JSON equal ({paths['compared']} compared)" if paths["compared"] else None


def _compiled_note(result: dict[str, Any]) -> str | None:
    """Say when the compiled app did not answer with its one statement (it fell back)."""
    answered, n = result.get("compiled_answered"), result["n"]
    if answered is None or answered == n:
        return None
    if answered == 0:
        return "**not compiled**: the compiled app answered through the resolvers"
    return f"compiled in {answered} of {n} requests; the rest fell back to the resolvers"


def _resolver_note(result: dict[str, Any]) -> str | None:
    resolver = result.get("resolver")
    if not resolver:
        return "resolver path not measured"
    notes = []
    if resolver["n"] < result["n"] and result["workload"] != "W5":
        notes.append(f"resolver path in {resolver['n']} of {result['n']} rounds (its own budget")
        notes[-1] += "; a first: 1000 request takes seconds on it)" if "settings" in result else ")"
    if resolver["bytes"] != result["bytes"]:
        notes.append(f"answer bytes compiled {result['bytes']:,}, resolver {resolver['bytes']:,}")
    return "; ".join(notes) or None


def _notes(result: dict[str, Any]) -> str:
    notes = [_compiled_note(result), _paths_note(result), _resolver_note(result)]
    if result["workload"] == "W5":
        notes.append(_walk_note(result))
    if "hits" in result:
        notes.append(f"{result['hits']} hits")
    if "settings" in result:
        notes.append(", ".join(f"{k}={v:,}" for k, v in result["settings"].items()))
    if "floor" in result:
        floor = result["floor"]
        notes.append(
            f"floor {_bytes(floor['bytes'])}, JSON {'equal' if floor['equal'] else '**DIFFERS**'}"
        )
    return _cell("; ".join(note for note in notes if note))


# --- per engine -------------------------------------------------------------------------

ENGINE_HEADER = (
    "workload", "dataset", "n (c / r)", "compiled median ms", "compiled p90 ms",
    "resolver median ms", "resolver p90 ms", "SQL stmts (c / r)", "bytes", "peak RSS",
    "floor median ms", "compiled ÷ floor", "resolver ÷ compiled", "notes",
)  # fmt: skip
BLANK = len(ENGINE_HEADER) - 3  # the cells of a failed row between its dataset and notes


def _row(result: dict[str, Any], label: str) -> list[str]:
    resolver, floor = result.get("resolver"), result.get("floor")
    notes = _notes(result)
    if result.get("error"):
        notes = f"**{_cell(result['error'])}**; {notes}"
    return [
        f"{result['workload']} {result['title']}",
        label,
        _both(str(result["n"]), str(resolver["n"]) if resolver else NONE),
        _ms(_median(result)),
        _ms(_p90(result)),
        _ms(_median(resolver)),
        _ms(_p90(resolver)),
        _both(_statements(result), _statements(resolver)),
        _bytes(result["bytes"]),
        _mib(result["rss_kib"]),
        _ms(_median(floor)),
        _ratio(result.get("ratio")),
        _ratio(result.get("resolver_ratio")),
        notes,
    ]


def _run_rows(run: dict[str, Any]) -> list[list[str]]:
    rows = []
    for result in run.get("workloads", []):
        if "latency_ms" not in result:
            failure = f"**FAILED**: {_cell(result['error'])}"
            rows.append([result["workload"], run["label"], *[NONE] * BLANK, failure])
            continue
        rows.append(_row(result, run["label"]))
    return rows


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
            rows.append([NONE, run["label"], *[NONE] * BLANK, f"**FAILED**: {run['error']}"])
        rows.extend(_run_rows(run))
    lines += _table(ENGINE_HEADER, rows)
    lines += [
        "",
        "n, SQL stmts: compiled path / resolver path. Latency columns and ratios are medians "
        "unless headed p90; bytes are the compiled path's answer (the resolver's is noted "
        "where it differs). Peak RSS is the process's high-water mark so far, and the "
        "process holds both apps, so it covers both paths.",
    ]
    info = results["datasets"].get(engine, {})
    built = [f"{label}: {_provenance(engine, d)}" for label, d in info.items()]
    if built:
        lines += ["", "Datasets this run: " + "; ".join(built) + "."]
    return [*lines, ""]


# --- the summary and the targets --------------------------------------------------------


def _find(results: dict[str, Any], engine: str, label: str, workload: str) -> dict[str, Any] | None:
    for run in results["runs"]:
        if run["engine"] == engine and run["label"] == label:
            for result in run.get("workloads", []):
                if result["workload"] == workload and "latency_ms" in result:
                    found: dict[str, Any] = result
                    return found
    return None


def _engines(results: dict[str, Any]) -> list[str]:
    return [e for e in results["options"]["engines"] if not results["skipped"].get(e)]


def _datasets_of(workload: str, labels: Sequence[str]) -> list[str]:
    """Where a workload runs: W1 on the curated dataset, W2/W3 on the synthetic ones."""
    if workload == "W1":
        return [label for label in labels if label == "curated"]
    if workload in ("W2", "W3"):
        return [label for label in labels if label != "curated"]
    return list(labels)


@dataclass(frozen=True)
class Figure:
    where: str  # e.g. "W2@1k SQLite"
    value: float


def _figures(
    results: dict[str, Any], workloads: Sequence[str], key: str
) -> tuple[list[Figure], list[str]]:
    """`key` (a ratio) of each workload, dataset and engine: those found, and those not."""
    found, missing = [], []
    for workload in workloads:
        for label in _datasets_of(workload, results["labels"]):
            for engine in _engines(results):
                where = f"{workload}@{label} {ENGINE_NAMES[engine]}"
                result = _find(results, engine, label, workload)
                value = result.get(key) if result else None
                if value is None:
                    missing.append(where)
                else:
                    found.append(Figure(where, value))
    return found, missing


def _verdict(met: bool) -> str:
    return "**met**" if met else "**NOT met**"


def _floor_target(found: list[Figure], missing: list[str], limit: float, name: str) -> str:
    if not found:
        return f"- {name}: not assessed (no floor figures in this run)"
    worst = max(found, key=lambda f: f.value)
    over = [f"{f.where} {f.value:.2f}{TIMES}" for f in found if f.value > limit]
    line = f"- {name}: {_verdict(not over)}; worst {worst.where} at {worst.value:.2f}{TIMES}"
    if over:
        line += f"; over it: {', '.join(over)}"
    if missing:
        line += f" (not measured this run: {', '.join(missing)})"
    return line


def _counts(
    results: dict[str, Any], engine: str, workload: str, labels: Sequence[str], path: str
) -> dict[str, str]:
    """One path's statements per request for a workload, by dataset (where measured)."""
    counts = {}
    for label in labels:
        result = _find(results, engine, label, workload)
        figures = result if path == "compiled" or not result else result.get("resolver")
        if figures:
            counts[label] = _statements(figures)
    return counts


def _varying(results: dict[str, Any], workloads: Sequence[str], path: str) -> list[str]:
    """The workloads whose statement count on `path` changes with the directory's size."""
    sizes = [label for label in results["labels"] if label != "curated"]
    varying = []
    for engine in _engines(results):
        for workload in workloads:
            counts = _counts(results, engine, workload, sizes, path)
            if len(set(counts.values())) > 1:
                spread = ", ".join(f"{label}: {count}" for label, count in counts.items())
                varying.append(f"{workload} {ENGINE_NAMES[engine]} ({spread})")
    return varying


def _size_target(results: dict[str, Any]) -> list[str]:
    sizes = [label for label in results["labels"] if label != "curated"]
    name = "SQL statements per request independent of the directory's size"
    if len(sizes) < 2:
        return [f"- {name}: not assessable (this run has {len(sizes)} synthetic size(s))"]
    parts = []
    for path in PATH_NAMES:
        varying = _varying(results, SIZE_JUDGED, path)
        parts.append(
            f"{path} path {_verdict(not varying)}" + (f" ({'; '.join(varying)})" if varying else "")
        )
    search = [
        f"{path} path: " + ("; ".join(varying) if varying else "constant")
        for path in PATH_NAMES
        for varying in [_varying(results, ("W4a", "W4b"), path)]
    ]
    info = (
        "W4 (search) is shown, not judged: on the resolver path one statement finds the "
        "hits, then one loads each kind of object among them, so its count follows the "
        f"matches, not the size (this run: {'; '.join(search)})"
    )
    judged = ", ".join(SIZE_JUDGED)
    return [f"- {name} ({judged} at {', '.join(sizes)}): {'; '.join(parts)}.", f"  {info}."]


def _growth(
    results: dict[str, Any], engine: str, figure: Callable[[dict[str, Any]], float | None]
) -> float | None:
    """How much one of W2's figures grows from the small directory to the large one: beside
    the service's growth, the floor's and the answer's say how much the data itself grew."""
    first = _find(results, engine, SCALING_FROM, "W2")
    last = _find(results, engine, SCALING_TO, "W2")
    small, large = (figure(first), figure(last)) if first and last else (None, None)
    return large / small if small and large else None


def _scaling(results: dict[str, Any], engine: str, path: str) -> float | None:
    """W2's growth on one path: the compiled answer's figures sit at the top of a result,
    the resolver path's under "resolver"."""
    return _growth(
        results, engine, lambda r: _median(r if path == "compiled" else r.get("resolver"))
    )


def _scaling_target(results: dict[str, Any]) -> str:
    name = f"W2@{SCALING_TO} within {SCALING_LIMIT}{TIMES} of W2@{SCALING_FROM} (compiled path)"
    parts, met = [], True
    for engine in _engines(results):
        factor = _scaling(results, engine, "compiled")
        if factor is None:
            continue
        met = met and factor <= SCALING_LIMIT
        context = [
            f"{label} {value:.2f}{TIMES}"
            for label, value in (
                ("the floor", _growth(results, engine, lambda r: _median(r.get("floor")))),
                ("the answer's bytes", _growth(results, engine, lambda r: r.get("bytes"))),
                ("resolver path", _scaling(results, engine, "resolver")),
            )
            if value
        ]
        parts.append(
            f"{ENGINE_NAMES[engine]} {factor:.2f}{TIMES}"
            + (f" ({', '.join(context)})" if context else "")
        )
    if not parts:
        return f"- {name}: not assessed (this run does not have W2 at both sizes)"
    return f"- {name}: {_verdict(met)}; {', '.join(parts)}"


def _is_w3(entry: dict[str, Any]) -> bool:
    """A stability run of the target's kind: W3 (first: 1000) on 1,000 organizations, on the
    default (compiled) path."""
    kind = (entry["path"], entry["first"], entry["dataset"])
    return kind == ("compiled", STABILITY_FIRST, STABILITY_LABEL)


def _stability_figure(entry: dict[str, Any]) -> str:
    figure = (
        f"{ENGINE_NAMES[entry['engine']]} {entry['answered']}/{entry['requests']} "
        f"in {entry['seconds']:.0f} s"
    )
    return figure + (f" (**{entry['error']}**)" if entry.get("error") else "")


def _stability_target(results: dict[str, Any]) -> list[str]:
    """Needs every engine's W3 run at full length; a failure of any stability run, the
    resolver path's shorter ones included, is a crash in this stack and fails it."""
    name = (
        f"Stability: {STABILITY_REQUESTS} consecutive W3 requests at 1,000 organizations "
        "without a crash"
    )
    entries = results.get("stability") or []
    w3 = [entry for entry in entries if _is_w3(entry)]
    others = [entry for entry in entries if not _is_w3(entry)]
    figures = ", ".join(_stability_figure(entry) for entry in w3) or "no W3 run"
    short = sorted({entry["requests"] for entry in w3 if entry["requests"] < STABILITY_REQUESTS})
    if any(entry.get("error") for entry in entries):
        line = f"- {name}: {_verdict(False)}; {figures}"
    elif not w3:
        line = f"- {name}: not assessed (no stability step in this run)"
    elif short:
        sent = ", ".join(map(str, short))
        line = (
            f"- {name}: not assessed (this run sent {sent} in a row, "
            f"not {STABILITY_REQUESTS}; none failed)"
        )
        line += f"; {figures}"
    else:
        line = f"- {name}: {_verdict(True)}; {figures}"
    measured = {entry["engine"] for entry in w3}
    if w3 and (missing := [ENGINE_NAMES[e] for e in _engines(results) if e not in measured]):
        line += f" (not measured this run: {', '.join(missing)})"
    if not others:
        return [line]
    groups: dict[str, list[str]] = {}
    for entry in others:
        kind = f"{entry['path']} path, {entry['requests']} {TIMES} first:{entry['first']}"
        groups.setdefault(kind, []).append(_stability_figure(entry))
    shown = "; ".join(f"{kind}: {', '.join(figures)}" for kind, figures in groups.items())
    return [line, f"  The shorter runs (a failure there fails the target too): {shown}."]


def targets_section(results: dict[str, Any]) -> list[str]:
    found, missing = _figures(results, ("W1", "W2", "W3"), "ratio")
    target = f"W1{NONE}W3 (compiled path) within {FLOOR_LIMIT:g}{TIMES} the floor"
    stretch = f"stretch: within {FLOOR_STRETCH:g}{TIMES} the floor"
    return [
        "### Targets (verdicts computed from this run's figures)",
        "",
        _floor_target(found, missing, FLOOR_LIMIT, target),
        _floor_target(found, missing, FLOOR_STRETCH, stretch),
        *_size_target(results),
        _scaling_target(results),
        *_stability_target(results),
        "",
    ]


def _ratio_table(results: dict[str, Any], workloads: Sequence[str], key: str) -> list[str]:
    engines = _engines(results)
    rows = []
    for workload in workloads:
        for label in _datasets_of(workload, results["labels"]):
            cells = [workload, label]
            for engine in engines:
                found = _find(results, engine, label, workload)
                cells.append(_ratio(found.get(key)) if found else NONE)
            rows.append(cells)
    return _table(["workload", "dataset", *(ENGINE_NAMES[e] for e in engines)], rows)


def _statement_table(results: dict[str, Any]) -> list[str]:
    rows = []
    for engine in _engines(results):
        for label in results["labels"]:
            cells = [ENGINE_NAMES[engine], label]
            for workload in WORKLOADS:
                found = _find(results, engine, label, workload)
                resolver = found.get("resolver") if found else None
                cells.append(_both(_statements(found), _statements(resolver)) if found else NONE)
            rows.append(cells)
    return _table(["engine", "dataset", *WORKLOADS], rows)


def _scaling_sentence(results: dict[str, Any]) -> list[str]:
    """W2 at the smallest and the largest size of this run, on both paths."""
    labels = results["labels"]
    small, large = (labels[1], labels[-1]) if len(labels) > 2 else (None, None)
    scaling = []
    for engine in _engines(results):
        first = _find(results, engine, small, "W2") if small else None
        last = _find(results, engine, large, "W2") if large else None
        if not first or not last:
            continue
        for path, a, b in (
            ("compiled", _median(first), _median(last)),
            ("resolver", _median(first.get("resolver")), _median(last.get("resolver"))),
        ):
            if a and b:
                scaling.append(
                    f"{ENGINE_NAMES[engine]} {path}: W2@{large} {_ms(b)} ms vs "
                    f"W2@{small} {_ms(a)} ms ({b / a:.2f}{TIMES})"
                )
    if not scaling:
        return []
    return ["", "Depth-6 (W2) as the directory grows: " + "; ".join(scaling) + "."]


def summary_section(results: dict[str, Any]) -> list[str]:
    lines = ["## Summary", "", *targets_section(results)]
    lines += ["Service (compiled path) median ÷ floor median (same process, interleaved):", ""]
    lines += _ratio_table(results, ("W1", "W2", "W3"), "ratio")
    fallbacks = _fallbacks(results)
    lines += [
        "",
        "Resolver path median ÷ compiled path median (same process, interleaved; above 1"
        f"{TIMES}: the compiled path is faster; about 1{TIMES} is expected where the compiled "
        "app falls back to the resolvers):",
        "",
    ]
    lines += _ratio_table(results, WORKLOADS, "resolver_ratio")
    lines += [
        "",
        "Requests the compiled app did not answer with its one statement (fell back to the "
        "resolvers): " + ("; ".join(fallbacks) if fallbacks else "none") + ".",
    ]
    lines += ["", "SQL statements per request, compiled path / resolver path:", ""]
    lines += _statement_table(results)
    lines += _scaling_sentence(results)
    return [*lines, ""]


def _fallbacks(results: dict[str, Any]) -> list[str]:
    """Workloads where the compiled app answered some requests through the resolvers."""
    found = []
    for run in results["runs"]:
        for result in run.get("workloads", []):
            answered = result.get("compiled_answered")
            if answered is not None and answered < result["n"]:
                found.append(
                    f"{result['workload']}@{run['label']} {ENGINE_NAMES[run['engine']]} "
                    f"({result['n'] - answered} of {result['n']})"
                )
    return found


def path_differences(results: dict[str, Any]) -> list[str]:
    """Every workload whose two paths answered differently: for the top of the report."""
    found = []
    for run in results["runs"]:
        for result in run.get("workloads", []):
            paths = result.get("paths") or {}
            if paths.get("differ"):
                found.append(
                    f"{result['workload']}@{run['label']} {ENGINE_NAMES[run['engine']]} "
                    f"({paths['differ']} of {paths['compared']} rounds)"
                )
    return found


# --- what each change buys (the ablation) -----------------------------------------------

# The four apps of bench/ablation.py, before both changes first, as shipped last.
VARIANTS = (
    ("resolvers_uncached", "resolvers, no cache (before)"),
    ("resolvers_cached", "resolvers + cache"),
    ("compiled_uncached", "compiled, no cache"),
    ("compiled_cached", "compiled + cache (after)"),
)
STEPS = (
    ("cache_on_resolvers", "cache, on resolvers"),
    ("cache_on_compiled", "cache, on compiled"),
    ("compiled_with_cache", "resolvers → compiled (cache on)"),
    ("overall", "before → after"),
)
ABLATION_HEADER = (
    "engine", "workload", "dataset", "rounds",
    *(f"{label} ms" for _key, label in VARIANTS),
    *(label for _key, label in STEPS),
    "notes",
)  # fmt: skip
ABLATION_BLANK = len(ABLATION_HEADER) - 4  # a failed row's cells between its dataset and notes


def _median_p90(figures: dict[str, Any]) -> str:
    return f"{_ms(_median(figures))} ({_ms(_p90(figures))})"


def _per_variant(result: dict[str, Any], show: Callable[[dict[str, Any]], object]) -> str:
    """One figure of each variant, in column order, as `a / b / c / d`."""
    return " / ".join(str(show(result["variants"][key])) for key, _label in VARIANTS)


def _ablation_notes(result: dict[str, Any]) -> str:
    """Whether the four answered alike, and what each did per request: SQL statements and
    documents parsed (the cache's proof: none where it is on, one per request where off)."""
    answers = result["answers"]
    notes = [
        f"JSON equal ({answers['compared']} rounds)"
        if answers["equal"]
        else f"**JSON DIFFERS in {answers['differ']} of {answers['compared']} rounds**",
        f"SQL stmts {_per_variant(result, _statements)}",
        f"documents parsed {_per_variant(result, lambda figures: figures['parsed'])}",
    ]
    compiled = [result["variants"][key] for key, _label in VARIANTS if key.startswith("compiled")]
    if any(figures["compiled_answered"] < figures["n"] for figures in compiled):
        notes.append("**a compiled app fell back to the resolvers**")
    return _cell("; ".join(notes))


def _ablation_row(engine: str, result: dict[str, Any]) -> list[str]:
    head = [ENGINE_NAMES[engine], f"{result['workload']} {result['title']}", result["label"]]
    if "variants" not in result:
        return [*head, *[NONE] * ABLATION_BLANK, f"**FAILED**: {_cell(result['error'])}"]
    notes = _ablation_notes(result)
    if result.get("error"):
        notes = f"**{_cell(result['error'])}**; {notes}"
    return [
        *head,
        str(result["rounds"]),
        *(_median_p90(result["variants"][key]) for key, _label in VARIANTS),
        *(_ratio(result["ratios"].get(key)) for key, _label in STEPS),
        notes,
    ]


def _ablation_rows(entry: dict[str, Any]) -> list[list[str]]:
    engine = entry["engine"]
    if entry.get("error"):
        failed = f"**FAILED**: {_cell(entry['error'])}"
        return [[ENGINE_NAMES[engine], NONE, NONE, *[NONE] * ABLATION_BLANK, failed]]
    return [_ablation_row(engine, result) for result in entry["results"]]


def _ablation_processes(entries: list[dict[str, Any]]) -> str:
    """Each engine's ablation process: its peak RSS (four apps) and wall time."""
    parts = [
        f"{ENGINE_NAMES[e['engine']]} {_mib(e['rss_peak_kib'])} peak RSS, {e['seconds']:.0f} s"
        for e in entries
        if not e.get("error")
    ]
    return "; ".join(parts)


def _ablation_method(entries: list[dict[str, Any]]) -> str:
    budget = next((e["budget"] for e in entries if "budget" in e), None)
    rounds = (
        f"at least {budget['min_reps']} rounds, up to {budget['reps']} while "
        f"{budget['seconds']:g} s allow, after {budget['warmup']} warm-up rounds (W6: one per "
        "ID)"
        if budget
        else "rounds after a warm-up"
    )
    return (
        "Four apps on the same database, in one process per engine (bench/ablation.py): "
        "`compiled_queries` off and on, each with `document_cache_size=0` and at its default. "
        "Each round sends one request to each app, the order rotating from round to round; "
        f"{rounds}. W1 is the frontend query (curated), W2 the depth-6 query with first: 100 "
        "(1k), W6 one `node(id:)` lookup, the same ID on all four apps in a round, cycling "
        "through six (two organizations, two people, two agreements). Cells: median (p90) ms. "
        f"Each step is the slower median over the faster one: above 1{TIMES}, the change "
        "helps. Notes list per app, in column order, the SQL statements per request and the "
        "documents parsed during the timed rounds, read from each app's /metrics."
    )


def ablation_failures(results: dict[str, Any]) -> list[str]:
    """Every ablation failure (a process, a dataset or a workload): for the top of the report."""
    found = []
    for entry in results.get("ablation") or []:
        name = ENGINE_NAMES[entry["engine"]]
        if entry.get("error"):
            found.append(f"{name}: {entry['error']}")
        for result in entry.get("results", []):
            if result.get("error"):
                found.append(f"{result['workload']}@{result['label']} {name}: {result['error']}")
    return found


def ablation_section(results: dict[str, Any]) -> list[str]:
    lines = ["## What each change buys", ""]
    entries = results.get("ablation") or []
    if not entries:
        return [*lines, "Not run (--no-ablation).", ""]
    rows = [row for entry in entries for row in _ablation_rows(entry)]
    lines += [_ablation_method(entries), "", *_table(ABLATION_HEADER, rows)]
    if processes := _ablation_processes(entries):
        lines += ["", f"The ablation processes: {processes}."]
    return [*lines, ""]


# --- stability --------------------------------------------------------------------------

STABILITY_HEADER = ("engine", "path", f"requests {TIMES} first", "answered", "result", "wall time")
FENCE = "````"  # a stderr tail may hold a three-backtick fence; it cannot close this one


def _stability_result(entry: dict[str, Any]) -> str:
    if entry.get("error"):
        return f"**FAILED**: {_cell(entry['error'])}"
    counts = entry.get("statements") or []
    each = "/".join(map(str, counts))
    return f"ok, exit 0 ({each} SQL statement(s) per request)" if counts else "ok, exit 0"


def _stability_row(entry: dict[str, Any]) -> list[str]:
    return [
        ENGINE_NAMES[entry["engine"]],
        entry["path"],
        f"{entry['requests']} {TIMES} first:{entry['first']:,} ({entry['dataset']})",
        str(entry["answered"]),
        _stability_result(entry),
        f"{entry['seconds']:.1f} s",
    ]


def _stderr_tails(entries: list[dict[str, Any]]) -> list[str]:
    """The end of each failed child's stderr (faulthandler's traceback, for a crash)."""
    lines = []
    for entry in entries:
        if entry.get("error") and entry.get("stderr_tail"):
            where = f"{ENGINE_NAMES[entry['engine']]}, {entry['path']} path"
            tail = entry["stderr_tail"].rstrip()
            lines += ["", f"The end of stderr ({where}):", "", FENCE + "text", tail, FENCE]
    return lines


def stability_section(results: dict[str, Any]) -> list[str]:
    lines = ["## Stability", ""]
    entries = results.get("stability") or []
    if not entries:
        return [*lines, "Not run.", ""]
    lines += _table(STABILITY_HEADER, [_stability_row(entry) for entry in entries])
    lines += [
        "",
        "Each row is one child process, `python -X faulthandler -m tests.stress_requests URL "
        "REQUESTS FIRST compiled|resolvers`, sending the depth-6 query that many times in a "
        "row to one app in-process; a request counts as answered only if it returned every "
        "organization asked for, from the path asked for (the compiled path in exactly one "
        "SQL statement, the resolver path in more). first: 1000 runs with W3's settings. The "
        "resolver path runs at W2's size and for fewer requests: one W3 request takes it "
        "seconds. A crash of the interpreter ends the child and is reported with its signal.",
    ]
    return [*lines, *_stderr_tails(entries), ""]


# --- over HTTP --------------------------------------------------------------------------

HTTP_HEADER = (
    "engine", "workload", "dataset", "path", "workers", "connections", "warm-up + window",
    "answered", "req/s", "p50 ms", "p99 ms", "errors", "server peak RSS",
)  # fmt: skip


def _http_row(entry: dict[str, Any]) -> list[str]:
    head = [
        ENGINE_NAMES[entry["engine"]],
        entry["workload"],
        entry["label"],
        entry.get("path", NONE),
        str(entry["workers"]),
    ]
    if entry.get("error"):
        return [*head, *[NONE] * 7, f"**FAILED**: {_cell(entry['error'])}"]
    errors = str(entry["errors"])
    if entry["errors"]:
        errors += f" ({_cell(entry['first_error'][:80])})"
    return [
        *head,
        str(entry["connections"]),
        f"{entry['warmup']:g} s + {entry['seconds']:g} s",
        str(entry["requests"]),
        f"{entry['rps']:.1f}",
        _ms(entry["p50_ms"]),
        _ms(entry["p99_ms"]),
        errors,
        _mib(entry["server_rss_kib"]),
    ]


def _http_ratios(http: list[dict[str, Any]]) -> list[str]:
    """Compiled req/s ÷ resolver req/s, for each server both paths were loaded on."""
    by_key: dict[tuple[str, str, str, int], dict[str, float]] = {}
    for entry in http:
        if entry.get("path") and not entry.get("error"):
            key = (entry["engine"], entry["workload"], entry["label"], entry["workers"])
            by_key.setdefault(key, {})[entry["path"]] = entry["rps"]
    ratios = []
    for (engine, workload, label, workers), rps in by_key.items():
        if rps.get("resolver") and "compiled" in rps:
            ratios.append(
                f"{ENGINE_NAMES[engine]} {workload}@{label} {workers} worker(s) "
                f"{_ratio(rps['compiled'] / rps['resolver'])}"
            )
    return ratios


def http_section(results: dict[str, Any]) -> list[str]:
    lines = ["## Over HTTP (uvicorn on 127.0.0.1)", ""]
    http = results.get("http", [])
    if not http:
        return [*lines, "Not run (--no-http).", ""]
    lines += _table(HTTP_HEADER, [_http_row(entry) for entry in http])
    ratios = _http_ratios(http)
    if ratios:
        lines += ["", "Throughput, compiled path ÷ resolver path (req/s): " + "; ".join(ratios)]
    lines += [
        "",
        "Each connection sends its next request when the last is answered. Requests answered "
        "inside the window count; those in flight when it closes are dropped. `uvicorn "
        "service.app:create_app --factory`, access log off, `COMPILED_QUERIES` set for the "
        "path; the two paths' servers run one after the other on the same database. The "
        "load generator (bench/load.py, asyncio + httpx) shares the machine's cores with the "
        "server, so 2 workers compete with it for CPU.",
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

- In-process: two apps on the same database in one process, `create_app(Settings(
  database_url=..., compiled_queries=True))` (the compiled path, the default) and
  `compiled_queries=False` (the resolver path: Strawberry resolvers and DataLoaders),
  lifespans entered, requests through `httpx.AsyncClient(transport=httpx.ASGITransport(app))`;
  warm-up requests first, on both; latency is the client-side time of one POST. One
  subprocess per engine and dataset, so "peak RSS" (`ru_maxrss`) is that configuration's:
  the process's high-water mark after the workload, covering both apps (and W3's pair of
  apps), so it only grows down a configuration's rows.
- Rounds: each repetition sends the compiled request and the floor statement where there
  is one, taking turns to go first (whichever follows the resolver's request, seconds of
  allocation on a large answer, would otherwise always be the same one), then the resolver
  request, so the three see the same moment of this shared, noisy machine. Both paths'
  answers are compared every round as parsed JSON with key order
  (`json.dumps(response.json())`); a difference fails the workload and is listed at the top.
- SQL statements: every statement each app's engine sends (`before_cursor_execute`),
  BEGIN/COMMIT/ROLLBACK excluded. A compiled-app request answered by one statement sent as
  SQL text counts as compiled; otherwise the notes say it fell back to the resolvers.
- Repetitions: {reps} rounds per workload after the warm-up, unless the next one would end
  past {seconds:g} s (never fewer than {min_reps}): column n says how many ran, compiled /
  resolver. Each path's time is budgeted on its own, so where the resolver path is slow it
  joins only the first rounds. W1 and W2, where the compiled path and the floor take
  milliseconds, run {against_floor_reps} rounds at most (at least {against_floor_min},
  within {against_floor_seconds:g} s of compiled and floor time), so their ratio rests on
  more samples; the resolver path joins them on the budget above. W3 takes seconds per
  request on the resolver path: the compiled path and the floor run {heavy_reps} rounds at
  most, at least {heavy_min}, within {heavy_seconds:g} s; the resolver path joins
  {heavy_resolver_reps} of them at most, at least {heavy_resolver_min}, within
  {heavy_resolver_seconds:g} s; warm-up is a first: 100 request on each. W5 repeats whole
  walks ({walk_reps} at most, at least one, within {walk_seconds:g} s per path, so only a
  few at 100k); its latency columns are per page, n counts pages. W6 times {node_lookups}
  single `node(id:)` requests on each path over up to 100 IDs of organizations, people and
  agreements.
- W3 runs on apps built with {w3_settings}: by default the API refuses first > 100, and
  its query-cost limit and per-request time budget would refuse this query too.
- The floor (bench/floor.py): one SQL statement building the same JSON in the database,
  executed on an AsyncConnection of the compiled app's engine right before or after each
  compiled request, in turns, so the ratio compares the two at the same moment. Its parsed
  JSON is checked equal to the service's `data`.
- PostgreSQL: a throwaway server (tests/postgres.py: fsync off); datasets restored from a
  cached `pg_dump` and ANALYZEd. SQLite: a copy of the cached file the seed command wrote.

## Reproduce

```sh
make bench                                   # full: curated, 1k, 10k, 100k; both engines; HTTP
BENCH_QUICK=1 make bench                     # quick: curated + 1k, fewer repetitions
make bench BENCH_ARGS="--engines sqlite --sizes 1000,10000 --no-http"
```

A full run writes bench/RESULTS.md and bench/results.json; a quick run writes
bench/RESULTS.quick.md and bench/results.quick.json (git-ignored). Built databases are
cached in bench/.data/ (git-ignored; `--rebuild` discards them).
"""


class _Unknown(dict[str, Any]):
    """Method figures an older results.json lacks render as "nan" rather than fail."""

    def __missing__(self, key: str) -> float:
        return math.nan


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
    if differences := path_differences(results):
        lines += [
            "> **THE TWO PATHS ANSWERED DIFFERENTLY (parsed JSON with key order): "
            + "; ".join(differences)
            + ". See the notes column of those rows.**",
            "",
        ]
    if failures := ablation_failures(results):
        lines += [f"> **THE ABLATION FAILED: {_cell('; '.join(failures))[:2000]}**", ""]
    lines += summary_section(results)
    lines += ablation_section(results)
    for engine in results["options"]["engines"]:
        lines += engine_section(engine, results)
    lines += stability_section(results)
    lines += http_section(results)
    lines += machine_section(results)
    lines.append(METHOD.format_map(_Unknown(results["method"])))
    return "\n".join(lines)
