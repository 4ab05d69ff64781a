"""The benchmark suite: `python -m bench.run [--quick] [--engines sqlite,postgresql]
[--sizes 1000,10000,100000]`, or `make bench` (BENCH_QUICK=1 for the quick subset).

For each engine: build or restore the datasets (curated, then synthetic at each size),
run the in-process workloads once per dataset in a subprocess of its own
(bench/workloads.py: the compiled and the resolver path side by side), then the stability
step (many depth-6 requests in a row in a child process, tests/stress_requests.py, so a
crash is a result rather than the end of the run), then the ablation (bench/ablation.py: what
the document cache and the compiled path each buy, four apps side by side in a child
process), then serve the app with uvicorn (1 and 2 workers, each path in turn) and load it
over loopback HTTP (bench/load.py). Writes bench/results.json and bench/RESULTS.md (quick
runs: results.quick.json and RESULTS.quick.md).
"""

import argparse
import asyncio
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import load
from bench.datasets import (
    DATA,
    ROOT,
    RUN,
    Cluster,
    Dataset,
    Prepared,
    content_hash,
    prepare_postgresql,
    prepare_sqlite,
)
from bench.report import render
from bench.workloads import FULL, PATHS, QUICK, W3_OVERRIDES, Plan
from service.config import Settings
from tests import postgres
from tests.queries import DEPTH_6_QUERY, FRONTEND_QUERY

BENCH = Path(__file__).resolve().parent
ENGINES = ("sqlite", "postgresql")
SIZES = (1000, 10000, 100000)
PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "sqlalchemy",
            "aiosqlite", "asyncpg", "httpx")  # fmt: skip


@dataclass(frozen=True)
class Options:
    quick: bool
    engines: tuple[str, ...]
    sizes: tuple[int, ...]
    workloads: str | None
    http: bool
    rebuild: bool
    stability: bool = True
    ablation: bool = True

    @property
    def datasets(self) -> list[Dataset]:
        return [Dataset(None), *(Dataset(size) for size in self.sizes)]

    @property
    def plan(self) -> Plan:
        return QUICK if self.quick else FULL


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="curated + 1k, fewer repetitions")
    parser.add_argument("--engines", default=",".join(ENGINES), help="sqlite,postgresql")
    parser.add_argument("--sizes", help="synthetic sizes (default 1000,10000,100000; quick 1000)")
    parser.add_argument("--workloads", help="only these in-process workloads, e.g. W1,W2")
    parser.add_argument("--no-http", action="store_true", help="skip the uvicorn load test")
    parser.add_argument("--rebuild", action="store_true", help="discard the cached databases")
    parser.add_argument(
        "--no-stability", action="store_true", help="skip the many-requests-in-a-row step"
    )
    parser.add_argument(
        "--no-ablation", action="store_true", help="skip what-each-change-buys (four apps)"
    )
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    engines = tuple(e.strip() for e in args.engines.split(",") if e.strip())
    if unknown := set(engines) - set(ENGINES):
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    default_sizes = "1000" if quick else ",".join(map(str, SIZES))
    sizes = tuple(sorted(int(s) for s in (args.sizes or default_sizes).split(",") if s.strip()))
    if any(size < 1 for size in sizes):
        parser.error("sizes must be at least 1")
    return Options(
        quick,
        engines,
        sizes,
        args.workloads,
        not args.no_http,
        args.rebuild,
        not args.no_stability,
        not args.no_ablation,
    )


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def shout(message: str) -> None:
    bar = "*" * min(100, len(message) + 8)
    say(f"\n{bar}\n*** {message} ***\n{bar}\n")


# --- the machine and the tree -----------------------------------------------------------


def _command_output(*command: str) -> str | None:
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine() -> dict[str, Any]:
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {
        "nproc": _command_output("nproc") or str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": _memory(),
        "python": platform.python_version() + f" ({sys.executable})",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
        "load_start": _load(),
        "packages": packages,
    }


def git() -> dict[str, Any]:
    status = _command_output("git", "status", "--porcelain")
    return {
        "commit": _command_output("git", "rev-parse", "--short", "HEAD") or "unknown",
        "dirty": len(status.splitlines()) if status else 0,
    }


# --- in-process runs --------------------------------------------------------------------


def service_hash() -> str:
    """A hash of the service's code: others edit it while a run goes on."""
    return content_hash(sorted((ROOT / "service").rglob("*.py")))


def run_config(engine: str, dataset: Dataset, url: str, options: Options) -> dict[str, Any]:
    """One engine and dataset in a subprocess of its own: its workloads and its peak RSS."""
    out = RUN / f"{engine}-{dataset.name}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.workloads", "--engine", engine,
               "--dataset", dataset.name, "--url", url, "--out", str(out)]  # fmt: skip
    if options.quick:
        command.append("--quick")
    if options.workloads:
        command += ["--only", options.workloads]
    say(f"[{engine}] {dataset.label}: in-process workloads")
    code = service_hash()  # what the subprocess is about to import (near enough)
    done = subprocess.run(command, cwd=ROOT)
    base = {"engine": engine, "dataset": dataset.name, "label": dataset.label, "service_hash": code}
    if done.returncode != 0 or not out.exists():
        shout(f"{engine} {dataset.label}: the workload process failed (exit {done.returncode})")
        return {**base, "error": f"the workload process exited with {done.returncode}"}
    return {**json.loads(out.read_text()), **base}


# --- stability --------------------------------------------------------------------------

STABILITY_DATASET = Dataset(1000)  # the target: W3 at 1,000 organizations
STRESS_ARGUMENTS = {"compiled": "compiled", "resolver": "resolvers"}  # path -> its argument
# The child's time limit: generous, since a slow machine is not a failure, but bounded, since
# a hung process is. The slowest request seen here (W3 compiled on PostgreSQL, W2 on the
# resolver path) takes about 1.5 s.
STARTUP_S = 120.0
PER_REQUEST_S = 15.0
ABORT_WAIT_S = 30.0  # for faulthandler's traceback after SIGABRT, before SIGKILL
STDERR_TAIL = 3000


@dataclass(frozen=True)
class StabilityCase:
    path: str  # "compiled" or "resolver"
    requests: int
    first: int

    @property
    def timeout(self) -> float:
        return STARTUP_S + PER_REQUEST_S * self.requests


def stability_cases(quick: bool) -> list[StabilityCase]:
    """W3 on the compiled path, the target's 200 requests in a row (20 in quick runs); then
    the resolver path, where the crash was once seen, at W2's size and for fewer requests:
    200 resolver W3 requests would take about an hour."""
    return [
        StabilityCase("compiled", 20 if quick else 200, 1000),
        StabilityCase("resolver", 5 if quick else 50, 100),
    ]


def _communicate(process: subprocess.Popen[str], timeout: float) -> tuple[str, str, bool]:
    """The child's stdout and stderr, and whether it ran out of time. A hung child gets
    SIGABRT first, so faulthandler writes where each thread was, then SIGKILL. (A timed-out
    communicate() keeps what it read, so the next call returns all of it.)"""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        return stdout, stderr, False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
    try:
        stdout, stderr = process.communicate(timeout=ABORT_WAIT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    return stdout, stderr, True


def _signal_name(returncode: int) -> str | None:
    """A negative return code is the signal that ended the child."""
    if returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _stability_error(
    case: StabilityCase, code: int, timed_out: bool, answered: int, stderr: str
) -> str | None:
    """Why a stability run failed, in a line; None when every request was answered."""
    if timed_out:
        return f"timed out after {case.timeout:.0f} s (stopped with SIGABRT: see the traceback)"
    if code < 0:
        return f"died of {_signal_name(code)} after {answered} answered request(s)"
    if code != 0:
        last = stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        return f"exited with {code} after {answered} answered request(s): {last[0][:300]}"
    if answered != case.requests:
        return f"exited with 0 but answered {answered} of {case.requests} requests"
    return None


def _statements(stdout: str) -> list[int]:
    """The distinct SQL statement counts of the answered requests (`ok N: S SQL ...`)."""
    counts = {int(line.split()[2]) for line in stdout.splitlines() if line.startswith("ok ")}
    return sorted(counts)


def run_stability(engine: str, case: StabilityCase, dataset: Dataset, url: str) -> dict[str, Any]:
    """`python -X faulthandler -m tests.stress_requests` on one path, in a child process:
    a crash of the interpreter ends that child, and is recorded with its signal's name."""
    say(f"[{engine}] stability: {case.path} path, {case.requests} \u00d7 "
        f"first:{case.first} on {dataset.label}")  # fmt: skip
    command = [sys.executable, "-X", "faulthandler", "-m", "tests.stress_requests", url,
               str(case.requests), str(case.first), STRESS_ARGUMENTS[case.path]]  # fmt: skip
    started = time.perf_counter()
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        stdout, stderr, timed_out = _communicate(process, case.timeout)
    seconds = time.perf_counter() - started
    answered = sum(1 for line in stdout.splitlines() if line.startswith("ok "))
    code = process.returncode
    error = _stability_error(case, code, timed_out, answered, stderr)
    entry: dict[str, Any] = {
        "engine": engine, "dataset": dataset.label, "path": case.path,
        "requests": case.requests, "first": case.first, "answered": answered,
        "returncode": code, "signal": _signal_name(code), "timed_out": timed_out,
        "seconds": round(seconds, 2), "timeout_s": case.timeout,
        "statements": _statements(stdout), "error": error,
    }  # fmt: skip
    if error:
        entry["stderr_tail"] = stderr[-STDERR_TAIL:]
        shout(f"{engine} stability ({case.path} path) failed: {error}")
    else:
        say(f"  {answered} answered in {seconds:.1f} s")
    return entry


def stability(engine: str, url: str, options: Options, results: dict[str, Any]) -> None:
    """Every stability case on one engine, after its in-process workloads."""
    for case in stability_cases(options.quick):
        results["stability"].append(run_stability(engine, case, STABILITY_DATASET, url))


# --- the ablation -----------------------------------------------------------------------

ABLATION_DATASETS = (Dataset(None), Dataset(1000))  # W1 and W6 on curated; W2 and W6 at 1k
# The child's time limit: its rounds are bounded by their budgets (W2's 30 rounds take
# about two minutes on the resolver apps), so a child past this has hung.
ABLATION_TIMEOUT_S = 1800.0


def run_ablation(engine: str, urls: dict[Dataset, str], options: Options) -> dict[str, Any]:
    """bench/ablation.py for one engine in a child process, so its peak RSS is its own and
    a hung or crashed child is a result rather than the end of the run."""
    out = RUN / f"ablation-{engine}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.ablation", "--engine", engine, "--out", str(out)]
    for dataset in ABLATION_DATASETS:
        command += ["--dataset", f"{dataset.name}={urls[dataset]}"]
    if options.quick:
        command.append("--quick")
    if options.workloads:
        command += ["--only", options.workloads]
    say(f"[{engine}] ablation: four apps (resolvers/compiled \u00d7 document cache off/on)")
    base = {"engine": engine, "service_hash": service_hash()}
    try:
        done = subprocess.run(command, cwd=ROOT, timeout=ABLATION_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        shout(f"{engine} ablation: no result after {ABLATION_TIMEOUT_S:.0f} s (killed)")
        return {**base, "error": f"timed out after {ABLATION_TIMEOUT_S:.0f} s"}
    if done.returncode != 0 or not out.exists():
        shout(f"{engine} ablation: the process failed (exit {done.returncode})")
        return {**base, "error": f"the ablation process exited with {done.returncode}"}
    result = {**json.loads(out.read_text()), **base}
    for failed in (r for r in result["results"] if r.get("error")):
        shout(f"{engine} ablation {failed['workload']}@{failed['label']}: {failed['error']}")
    return result


# --- over HTTP --------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpCase:
    workload: str
    dataset: Dataset
    payload: dict[str, Any]
    connections: int
    warmup: float
    seconds: float


def http_cases(options: Options) -> list[HttpCase]:
    """W1 on the curated dataset; W2 at 10k (or the nearest size this run has), except in
    quick runs, where a window of seconds would catch only a request or two of it."""
    size = min(options.sizes, key=lambda s: abs(s - 10_000)) if options.sizes else None
    seconds = 3.0 if options.quick else 10.0
    cases = [
        HttpCase("W1", Dataset(None), {"query": FRONTEND_QUERY}, 20, 1 if options.quick else 2,
                 seconds),
    ]  # fmt: skip
    if size is not None and not options.quick:
        payload = {"query": DEPTH_6_QUERY, "variables": {"first": 100}}
        # On the resolver path a depth-6 answer takes ~1 s of one core: 20 connections would
        # queue each request for ~20 s, longer than the window, so W2 keeps 4 in flight
        # (on both paths, so their figures compare).
        cases.append(HttpCase("W2", Dataset(size), payload, 4, 5, seconds))
    return cases


def run_http(engine: str, case: HttpCase, url: str, workers: int, path: str) -> dict[str, Any]:
    """One uvicorn server (`workers` processes) on one execution path, under load."""
    entry: dict[str, Any] = {
        "engine": engine, "workload": case.workload, "dataset": case.dataset.name,
        "label": case.dataset.label, "workers": workers, "path": path,
        "warmup": case.warmup, "seconds": case.seconds,
    }  # fmt: skip
    say(f"[{engine}] HTTP {case.workload}@{case.dataset.label}, {path} path, {workers} worker(s)")
    started = time.perf_counter()
    log = RUN / f"uvicorn-{engine}-{case.workload}-{path}-{workers}.log"
    try:
        with load.uvicorn(url, workers, log, compiled=PATHS[path]) as server:
            result = asyncio.run(
                load.generate(
                    server.graphql,
                    case.payload,
                    connections=case.connections,
                    seconds=case.seconds,
                    warmup=case.warmup,
                )
            )
            entry["server_rss_kib"] = load.peak_rss_kib(server.process.pid)
            entry["ready_s"] = round(server.ready_s, 2)
    except Exception as error:  # a server that will not start is a result, not a crash
        shout(f"{engine} HTTP {case.workload} ({path}, {workers} worker(s)) failed: {error}")
        return {**entry, "error": f"{type(error).__name__}: {error}"}
    took = time.perf_counter() - started
    say(f"  {result.requests} answered, {result.errors} errors; {took:.1f} s")
    return {**entry, **asdict(result)}


# --- engines ----------------------------------------------------------------------------


def prepare_dataset(
    engine: str, dataset: Dataset, prepare: Callable[[Dataset], Prepared], results: dict[str, Any]
) -> str:
    """Build or restore one dataset, note how, and return its URL."""
    say(f"[{engine}] {dataset.label}: preparing the database")
    prepared = prepare(dataset)
    results["datasets"].setdefault(engine, {})[dataset.label] = {
        "cached": prepared.cached,
        "build_seconds": round(prepared.build_seconds, 2),
    }
    return prepared.url


def run_engine(
    engine: str, prepare: Callable[[Dataset], Prepared], options: Options, results: dict[str, Any]
) -> None:
    urls: dict[Dataset, str] = {}
    for dataset in options.datasets:
        urls[dataset] = prepare_dataset(engine, dataset, prepare, results)
    for dataset in options.datasets:
        results["runs"].append(run_config(engine, dataset, urls[dataset], options))

    def ensure(datasets: Sequence[Dataset]) -> None:
        """The datasets a later step needs, when the run's sizes lack them."""
        for dataset in datasets:
            if dataset not in urls:
                urls[dataset] = prepare_dataset(engine, dataset, prepare, results)

    if options.stability:
        ensure([STABILITY_DATASET])  # a run without 1k still judges the target
        stability(engine, urls[STABILITY_DATASET], options, results)
    if options.ablation:
        ensure(ABLATION_DATASETS)
        results["ablation"].append(run_ablation(engine, urls, options))
    if options.http:
        for case in http_cases(options):
            for workers in (1, 2):
                for path in PATHS:  # back to back, so both see much the same machine
                    entry = run_http(engine, case, urls[case.dataset], workers, path)
                    results["http"].append(entry)


def run_postgresql(options: Options, results: dict[str, Any]) -> None:
    binaries = postgres.find_binaries()
    if binaries is None:
        reason = (
            "PostgreSQL was not benchmarked: no initdb/pg_ctl found "
            "(Debian: apt-get install postgresql)"
        )
        results["skipped"]["postgresql"] = reason
        results["notes"].append(reason)
        shout(reason)
        return
    try:
        with postgres.running_server(binaries) as server:
            cluster = Cluster(server=server, binaries=binaries)
            results["machine"]["postgresql"] = cluster.version()
            run_engine("postgresql", lambda d: prepare_postgresql(cluster, d), options, results)
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        reason = f"PostgreSQL was not benchmarked: {type(error).__name__}: {error}"
        results["skipped"]["postgresql"] = reason
        results["notes"].append(reason)
        shout(reason)


# --- main -------------------------------------------------------------------------------


def note_code_changes(results: dict[str, Any]) -> None:
    """Say loudly when service/ changed under the run, and which configurations saw what."""
    results["service_hash_end"] = end = service_hash()
    versions: dict[str, list[str]] = {}
    for run in results["runs"]:
        versions.setdefault(run["service_hash"], []).append(f"{run['engine']} {run['label']}")
    for ablation in results["ablation"]:
        versions.setdefault(ablation["service_hash"], []).append(f"{ablation['engine']} ablation")
    if set(versions) | {end} == {results["service_hash_start"]}:
        return
    seen = "; ".join(f"{code}: {', '.join(runs)}" for code, runs in versions.items())
    results["notes"].append(
        f"service/ changed during this run (hash {results['service_hash_start']} at the start, "
        f"{end} at the end); the in-process configurations ran on: {seen}"
    )


def method(plan: Plan) -> dict[str, Any]:
    return {
        "reps": plan.standard.reps,
        "min_reps": plan.standard.min_reps,
        "seconds": plan.standard.seconds,
        "against_floor_reps": plan.against_floor.reps,
        "against_floor_min": plan.against_floor.min_reps,
        "against_floor_seconds": plan.against_floor.seconds,
        "heavy_reps": plan.heavy.reps,
        "heavy_min": plan.heavy.min_reps,
        "heavy_seconds": plan.heavy.seconds,
        "heavy_resolver_reps": plan.heavy_resolver.reps,
        "heavy_resolver_min": plan.heavy_resolver.min_reps,
        "heavy_resolver_seconds": plan.heavy_resolver.seconds,
        "walk_reps": plan.walks.reps,
        "walk_seconds": plan.walks.seconds,
        "node_lookups": plan.node_lookups,
        "w3_settings": ", ".join(
            f"`{k}={v:_}`" for k, v in W3_OVERRIDES.items() if k in Settings.model_fields
        ),
    }


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    started = time.perf_counter()
    if options.rebuild:
        for cache in [DATA / "sqlite", *DATA.glob("postgresql-*")]:
            shutil.rmtree(cache, ignore_errors=True)
    RUN.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "generated": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if options.quick else "full",
        "command": " ".join(["python -m bench.run", shlex.join(argv or sys.argv[1:])]).strip(),
        "options": {**asdict(options), "datasets": [d.name for d in options.datasets]},
        "labels": [d.label for d in options.datasets],
        "method": method(options.plan),
        "machine": machine(),
        "git": git(),
        "service_hash_start": service_hash(),
        "notes": [],
        "skipped": {},
        "datasets": {},
        "runs": [],
        "stability": [],
        "ablation": [],
        "http": [],
    }
    for engine in options.engines:
        if engine == "sqlite":
            run_engine("sqlite", prepare_sqlite, options, results)
        else:
            run_postgresql(options, results)
    results["machine"]["load_end"] = _load()
    note_code_changes(results)
    for copy in RUN.glob("*.sqlite3*"):  # the working copies; the cache stays
        copy.unlink()
    results["duration_s"] = time.perf_counter() - started
    suffix = ".quick" if options.quick else ""
    (BENCH / f"results{suffix}.json").write_text(json.dumps(results, indent=1) + "\n")
    (BENCH / f"RESULTS{suffix}.md").write_text(render(results))
    say(f"wrote bench/RESULTS{suffix}.md and bench/results{suffix}.json "
        f"in {results['duration_s'] / 60:.1f} min")  # fmt: skip
    failed = [r for r in results["runs"] if r.get("error")]
    failed += [w for r in results["runs"] for w in r.get("workloads", []) if w.get("error")]
    failed += [s for s in results["stability"] if s.get("error")]
    failed += [a for a in results["ablation"] if a.get("error")]
    failed += [r for a in results["ablation"] for r in a.get("results", []) if r.get("error")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
