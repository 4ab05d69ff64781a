"""The benchmark suite: `python -m bench.run [--quick] [--engines sqlite,postgresql]
[--sizes 1000,10000,100000] [--workloads W1,W2] [--no-http] [--no-stability] [--rebuild]`,
or `make bench` (BENCH_QUICK=1 for the quick subset); bench/README.md says what each step
measures. Per engine: the datasets, the in-process workloads once per dataset in a process
of their own (bench/workloads.py), the stability runs, then HTTP load (bench/load.py). The
samples go to pyperf files in bench/results/, RESULTS.md is written from them."""

import argparse
import datetime
import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyperf

from bench import load, memory, report
from bench.datasets import (
    DATA,
    ROOT,
    RUN,
    Cluster,
    Dataset,
    prepare_postgresql,
    prepare_sqlite,
)
from bench.workloads import PATHS
from tests import postgres
from tests.queries import DEPTH_6_QUERY

BENCH = Path(__file__).resolve().parent
ENGINES = ("sqlite", "postgresql")
STABILITY = Dataset(1000)  # the target: 200 W3 requests in a row at 1,000 organizations
MEMORY = Dataset(100_000)  # the target: the server's peak RSS serving W3 at 100k (quick: 1k)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="curated + 1k, fewer rounds")
    parser.add_argument("--engines", default=",".join(ENGINES), help="sqlite,postgresql")
    parser.add_argument("--sizes", help="synthetic sizes (default 1000,10000,100000; quick 1000)")
    parser.add_argument("--workloads", help="only these in-process workloads, e.g. W1,W2")
    parser.add_argument("--no-http", action="store_true", help="skip the uvicorn load test")
    parser.add_argument("--no-stability", action="store_true", help="skip the W3 marathon")
    parser.add_argument("--no-memory", action="store_true", help="skip the W3 server's RSS")
    parser.add_argument("--rebuild", action="store_true", help="discard the cached databases")
    args = parser.parse_args(argv)
    args.quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    args.engines = [e for e in args.engines.split(",") if e]
    if unknown := set(args.engines) - set(ENGINES):
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    sizes = args.sizes or ("1000" if args.quick else "1000,10000,100000")
    args.datasets = [Dataset(None), *(Dataset(int(s)) for s in sorted(sizes.split(","), key=int))]
    return args


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def in_process(engine: str, dataset: Dataset, url: str, args: argparse.Namespace) -> dict:
    """One engine and dataset in a process of its own: its workloads and its peak RSS."""
    out = RUN / f"{engine}-{dataset.name}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.workloads", "--dataset", dataset.name, "--url", url,
               "--out", str(out), *(["--quick"] if args.quick else []),
               *(["--only", args.workloads] if args.workloads else [])]  # fmt: skip
    say(f"[{engine}] {dataset.label}: in-process workloads")
    done = subprocess.run(command, cwd=ROOT)
    base = {"engine": engine, "label": dataset.label}
    if done.returncode != 0 or not out.exists():
        return {**base, "error": f"the workload process exited with {done.returncode}"}
    return {**base, **json.loads(out.read_text())}


def stability(engine: str, url: str, path: str, requests: int, first: int) -> dict:
    """`tests.stress_requests` in a child: a crash ends the child and is recorded by signal."""
    say(f"[{engine}] stability: {requests} x first:{first} on the {path} path")
    argument = "compiled" if path == "compiled" else "resolvers"
    command = [sys.executable, "-X", "faulthandler", "-m", "tests.stress_requests", url,
               str(requests), str(first), argument]  # fmt: skip
    started, timeout = time.perf_counter(), 120 + 15 * requests
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:  # SIGABRT: faulthandler shows where it hung
            child.send_signal(signal.SIGABRT)
            stdout, stderr = child.communicate()
    answered = sum(line.startswith("ok ") for line in stdout.splitlines())
    code, error = child.returncode, None
    if code < 0:
        error = f"died of {signal.Signals(-code).name} after {answered} answers"
    elif code != 0 or answered != requests:
        error = f"exited with {code} after {answered} answers: {stderr.strip()[-300:]}"
    entry = {"engine": engine, "path": path, "requests": requests, "first": first}
    entry |= {"answered": answered, "seconds": round(time.perf_counter() - started, 1)}
    return {**entry, "error": error, "stderr_tail": stderr[-3000:] if error else ""}


def http(engine: str, urls: dict[Dataset, str], args: argparse.Namespace) -> list[dict]:
    """autocannon against `serve` with 1, then 2 workers (bench/load.py): on curated, the
    compiled path, 20 connections, `/healthz`, the small query (uncached, and over the
    dataset's slugs) and the partners page's query, one server for all; outside quick runs
    also W2 at the size nearest 10k on each path (4 connections: a resolver depth-6 answer
    takes about a second of a core)."""
    servers: list[tuple[str, Dataset, str, dict[str, Any] | None, int]] = [
        ("page", Dataset(None), "compiled", None, 20)
    ]
    # W2 repeats one request: with the response cache on, every answer after the second
    # would come from it, on either path. Off, each request runs the query.
    uncached = {"RESPONSE_CACHE_BYTES": "0"}
    sizes = [d for d in args.datasets if d.size]
    if sizes and not args.quick:
        nearest = min(sizes, key=lambda d: abs(d.size - 10_000))  # type: ignore[operator]
        body = {"query": DEPTH_6_QUERY, "variables": {"first": 100}}
        w2 = {"W2": {"method": "POST", "headers": load.JSON_POST, "body": body}}
        servers += [("W2", nearest, path, w2, 4) for path in PATHS]
    window = {"seconds": 5.0, "warmup": 2.0} if args.quick else {"seconds": 10.0, "warmup": 3.0}
    results = []
    for name, dataset, path, kinds, connections in servers:
        for workers in (1, 2):  # back to back: much the same machine
            say(f"[{engine}] HTTP {name}@{dataset.label}, {path}, {workers} worker(s)")
            base = {"engine": engine, "label": dataset.label, "path": path, "workers": workers}
            log = RUN / f"serve-{engine}-{name}-{path}-{workers}.log"
            case = {"workers": workers, "compiled": PATHS[path], "connections": connections}
            case |= {"env": uncached} if name == "W2" else {}
            try:
                found = load.under_load(urls[dataset], log, kinds, **case, **window)
            except Exception as error:  # a server that will not start is a result
                found = [{"request": name, "error": f"{type(error).__name__}: {error}"}]
            results += [{**base, **entry} for entry in found]
    return results


def bare(engine: str, url: str, args: argparse.Namespace) -> list[dict]:
    """bench/bare.py on curated, just after the service's servers and with their window and
    connections: the stack's own floor for the small query (bench/load.py)."""
    say(f"[{engine}] HTTP the bare stack's floor")
    window = {"seconds": 5.0, "warmup": 2.0} if args.quick else {"seconds": 10.0, "warmup": 3.0}
    try:
        found = load.bare_under_load(url, RUN / f"bare-{engine}.log", connections=20, **window)
    except Exception as error:  # a server that will not start is a result
        found = [{"request": "healthz", "error": f"{type(error).__name__}: {error}"}]
    return [{"engine": engine, **entry} for entry in found]


def run_engine(engine: str, prepare: Callable[[Dataset], str], args, results) -> None:
    urls: dict[Dataset, str] = {}
    memory_at = STABILITY if args.quick else MEMORY
    extra = [*([] if args.no_stability else [STABILITY]), *([] if args.no_memory else [memory_at])]
    for dataset in [*args.datasets, *extra]:
        if dataset not in urls:
            say(f"[{engine}] {dataset.label}: preparing the database")
            urls[dataset] = prepare(dataset)
    for dataset in args.datasets:
        results["runs"].append(in_process(engine, dataset, urls[dataset], args))
    if not args.no_stability:  # W3 on the compiled path; the resolver path at W2's size
        for path, requests, first in (("compiled", 200, 1000), ("resolver", 50, 100)):
            requests //= 10 if args.quick else 1
            results["stability"].append(stability(engine, urls[STABILITY], path, requests, first))
    if not args.no_http:
        results["http"].extend(http(engine, urls, args))
        results["bare"].extend(bare(engine, urls[Dataset(None)], args))
    if not args.no_memory:  # W3 served by `serve`, one server per path (bench/memory.py)
        results["memory"].extend(memory.run(engine, urls[memory_at], label=memory_at.label))


def run_postgresql(args: argparse.Namespace, results: dict) -> None:
    binaries = postgres.find_binaries()
    try:
        if binaries is None:
            raise RuntimeError("no initdb/pg_ctl found (Debian: apt-get install postgresql)")
        with postgres.running_server(binaries) as server:
            cluster = Cluster(server=server, binaries=binaries)
            results["machine"]["postgresql"] = cluster.version()
            run_engine("postgresql", lambda d: prepare_postgresql(cluster, d), args, results)
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        results["notes"].append(f"PostgreSQL was not benchmarked: {error}")
        say(f"*** {results['notes'][-1]} ***")


def machine() -> dict[str, Any]:
    """pyperf's account of the machine, and the database versions."""
    metadata = pyperf.Run([1.0]).get_metadata()  # collects the system's metadata
    keep = ("cpu_model_name", "cpu_count", "cpu_config", "platform", "python_version")
    keep += ("load_avg_1min",)
    return {**{k: metadata[k] for k in keep if k in metadata}, "sqlite": sqlite3.sqlite_version}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def commit() -> str:
    """HEAD, and how many files under service/ differ from it (others edit the tree)."""
    head, changed = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", "service")
    return head + (f" + {len(changed.splitlines())} changed in service/" if changed else "")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    if args.rebuild:
        for cache in [DATA / "sqlite", *DATA.glob("postgresql-*")]:
            shutil.rmtree(cache, ignore_errors=True)
    RUN.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "generated": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if args.quick else "full",
        "command": "python -m bench.run " + shlex.join(argv or sys.argv[1:]),
        "commit": commit(),
        "machine": machine(),
        **{key: [] for key in ("notes", "runs", "stability", "http", "bare", "memory")},
    }
    for engine in args.engines:
        if engine == "sqlite":
            run_engine("sqlite", prepare_sqlite, args, results)
        else:
            run_postgresql(args, results)
    for copy in RUN.glob("*.sqlite3*"):  # the working copies; the cache stays
        copy.unlink()
    results["minutes"] = (time.perf_counter() - started) / 60
    suffix = ".quick" if args.quick else ""
    out = BENCH / f"results{suffix}"
    out.mkdir(exist_ok=True)
    (out / "run.json").write_text(json.dumps(results) + "\n")
    for path, suite in report.suites(results).items():
        suite.dump(str(out / f"{path}.json"), replace=True)
    (BENCH / f"RESULTS{suffix}.md").write_text(report.render(results, out))
    say(f"wrote bench/RESULTS{suffix}.md and bench/results{suffix}/")
    return 1 if report.problems(results) else 0


if __name__ == "__main__":
    sys.exit(main())
