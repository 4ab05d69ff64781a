"""The server's memory serving W3 (`python -m bench.memory [--engines sqlite,postgresql]
[--size 100000] [--requests 8] [--concurrency 4]`; `python -m bench.run` runs it too).

`python -m service serve` (one process, loopback) on the synthetic dataset, allowed W3's
`first: 1000` (MAX_PAGE_SIZE, MAX_COST and REQUEST_TIMEOUT_S as bench/workloads.py's
W3_OVERRIDES; everything else at its default), one server per execution path, so neither
path's memory hides in the other's (the in-process bench holds both apps in one process).
After start-up and one untimed W3 request, the idle RSS; then W3 requests one at a time,
then 4 at once (the resolver path: 2), each with its own `first` (1000, 999, ...) so that
the response cache answers none of them (it keeps each answer, as it would, up to its
bound). The figures
are /proc/<pid>/status: VmHWM (the kernel's peak RSS) after each phase, and RssAnon and
RssFile sampled every 20 ms (RSS is the two added up, with the mapped pages of the SQLite
file counted in RssFile: shared with the operating system's page cache and every process
reading the file, and dropped under memory pressure, unlike RssAnon).
"""

import argparse
import contextlib
import datetime
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench import report
from bench.datasets import ROOT, RUN, Cluster, Dataset, prepare_postgresql, prepare_sqlite
from bench.load import LOOPBACK, serve
from bench.workloads import PATHS, W3_OVERRIDES
from tests import postgres
from tests.queries import DEPTH_6_QUERY

LIMIT_MIB = 250  # the target: the server's peak RSS serving W3 at 100k, compiled path
FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem")
PSS = ("Pss", "Pss_Anon", "Pss_File")
# The resolver path takes 20-60 s a request at 100k, and 4 at once held 6 GiB on
# PostgreSQL: fewer of them, 2 at once, for comparison only.
REQUESTS = {"compiled": (8, 4), "resolver": (1, 1)}  # sequential, then rounds at once
CONCURRENCY = {"compiled": 4, "resolver": 2}


def status(pid: int) -> dict[str, int]:
    """The memory lines of /proc/<pid>/status and its proportional set size (smaps_rollup:
    a page mapped twice, as each SQLite connection maps the file on its own, counts once
    there and twice in RSS), in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in FIELDS:
            found[name] = int(value.split()[0])
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in PSS:
                found[name] = int(value.split()[0])
    return found


@contextlib.contextmanager
def sampling(pid: int, every: float = 0.02) -> Iterator[dict[str, int]]:
    """The largest of each /proc status figure while the block runs (RssAnon's and
    RssFile's peaks need not coincide; VmHWM is the kernel's own peak of their sum)."""
    peaks: dict[str, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            with contextlib.suppress(OSError):
                for name, value in status(pid).items():
                    peaks[name] = max(peaks.get(name, 0), value)
            done.wait(every)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peaks
    finally:
        done.set()
        thread.join()


def mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def w3(client: httpx.Client, first: int) -> tuple[int, int, str | None]:
    """One W3 request (gzip accepted, as httpx and browsers send it): its body's bytes as
    sent and decoded, and an error if it was not a clean answer."""
    body = {"query": DEPTH_6_QUERY, "variables": {"first": first}}
    response = client.post("/graphql", json=body)
    sent = int(response.headers.get("content-length", len(response.content)))
    error = None
    if response.status_code != 200:
        error = f"HTTP {response.status_code}: {response.text[:200]}"
    elif "errors" in (answer := response.json()):
        error = f"GraphQL errors: {json.dumps(answer['errors'])[:200]}"
    return sent, len(response.content), error


def measure(
    url: str, engine: str, path: str, concurrency: int, log: Path, env: dict[str, str]
) -> dict[str, Any]:
    """One server on one path: idle RSS, then W3 requests one at a time and at once."""
    sequential, rounds = REQUESTS[path]
    command = [sys.executable, "-m", "service", "serve", "--host", LOOPBACK, "--port", "{port}"]
    env = {"DATABASE_URL": url, "COMPILED_QUERIES": str(PATHS[path]).lower(), **env}
    env |= {name.upper(): str(value) for name, value in W3_OVERRIDES.items()}
    timeout = httpx.Timeout(W3_OVERRIDES["request_timeout_s"])
    entry: dict[str, Any] = {"engine": engine, "path": path, "concurrency": concurrency}
    entry |= {"env": env} if env else {}
    errors: list[str] = []
    with serve(command, env, log) as (base, pid):
        entry["started_kib"] = status(pid)
        clients = [httpx.Client(base_url=base, timeout=timeout) for _ in range(concurrency)]
        try:
            firsts = iter(range(1000, 0, -1))
            started = time.perf_counter()
            sent, decoded, error = w3(clients[0], next(firsts))  # warm-up, untimed
            entry["warmup_s"] = round(time.perf_counter() - started, 2)
            entry |= {"bytes": decoded, "gzip_bytes": sent}
            errors += [error] if error else []
            time.sleep(1.0)
            entry["idle_kib"] = status(pid)
            with sampling(pid) as peaks:
                started = time.perf_counter()
                for _ in range(sequential):
                    errors += filter(None, [w3(clients[0], next(firsts))[2]])
                entry["sequential_s"] = round((time.perf_counter() - started) / sequential, 2)
                entry["sequential_kib"] = {**status(pid), **_peaks(peaks)}
                started = time.perf_counter()
                with ThreadPoolExecutor(concurrency) as pool:
                    for _ in range(rounds):
                        asked = [(c, next(firsts)) for c in clients]
                        errors += [e for _s, _d, e in pool.map(lambda a: w3(*a), asked) if e]
                entry["concurrent_s"] = round((time.perf_counter() - started) / rounds, 2)
                entry["concurrent_kib"] = {**status(pid), **_peaks(peaks)}
            entry["requests"] = 1 + sequential + rounds * concurrency
        finally:
            for client in clients:
                client.close()
    executions = [line.get("execution") for line in _requests(log)]
    entry["executions"] = {str(e): executions.count(e) for e in set(executions)}
    if PATHS[path] and entry["executions"].get("resolvers"):
        errors.append(f"the compiled path fell back to the resolvers (see {log.name})")
    if errors:
        entry["error"] = f"{len(errors)} failed W3 request(s); the first: {errors[0]}"
    return entry


def _requests(log: Path) -> list[dict[str, Any]]:
    """The server's request log lines (JSON) for /graphql."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                if (record := json.loads(line)).get("path") == "/graphql":
                    found.append(record)
    return found


def _peaks(peaks: dict[str, int]) -> dict[str, int]:
    return {f"peak_{name}": value for name, value in peaks.items() if name != "VmHWM"}


def run(
    engine: str,
    url: str,
    *,
    label: str,
    paths: Iterable[str] = PATHS,
    env: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Both paths on `url`, each on a fresh server: the compiled path first (the target).
    `env`: settings of the server's (e.g. SQLITE_MMAP_MIB) beside W3's."""
    found = []
    for path in paths:
        print(f"[{engine}] memory: W3@{label}, {path} path", file=sys.stderr, flush=True)
        log = RUN / f"memory-{engine}-{path}.log"
        try:
            entry = measure(url, engine, path, CONCURRENCY[path], log, env or {})
        except Exception as error:  # a server that will not start is a result
            entry = {"engine": engine, "path": path, "error": f"{type(error).__name__}: {error}"}
        found.append({"label": label, **entry})
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--paths", default=",".join(PATHS), help="compiled,resolver")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    parser.add_argument(
        "--results", type=Path, help="replace the Memory section of this RESULTS.md with these"
    )
    args = parser.parse_args(argv)
    dataset, results = Dataset(args.size), []
    options = {"label": dataset.label, "paths": args.paths.split(",")}
    options["env"] = dict(item.split("=", 1) for item in args.env)
    for engine in args.engines.split(","):
        if engine == "sqlite":
            results += run(engine, prepare_sqlite(dataset, copy_prefix="memory-"), **options)
        elif (binaries := postgres.find_binaries()) is not None:
            with postgres.running_server(binaries) as server:
                cluster = Cluster(server=server, binaries=binaries)
                results += run(engine, prepare_postgresql(cluster, dataset), **options)
    for copy in RUN.glob("memory-*.sqlite3*"):
        copy.unlink()
    print(json.dumps(results, indent=1))
    if args.results:
        section = report.memory_section(results)
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()  # fmt: skip
        when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        note = f"`python -m bench.memory`, {when}" + (f", commit `{head}`" if head else "")
        report.write_section(
            args.results, "## Memory", "\n".join([*section[:2], note, "", *section[2:]])
        )
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
