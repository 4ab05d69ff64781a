"""HTTP load with a real load generator: autocannon (pinned in package.json, driven by
bench/autocannon.mjs), against `python -m service serve [--workers N]` on loopback.

One server answers every request kind of a case in turn, with the same settings (the
connections, the warm-up and the measured window), so their figures compare: `GET /healthz`
(the HTTP stack alone), a small query uncached (`organization(slug:) { name acronym }` by
POST, a slug no request has sent before on every request, so no cache of any kind answers
it; it finds no organization), the same query over the dataset's real slugs in turn (each
one found; repeated, so a cache keyed by query and variables could answer from the second
round), and the partners page's own query (read from service/http/static/partners.js,
POST, the same text every time). autocannon reports requests per second (the mean of its
per-second samples) and latency percentiles (its HdrHistogram, whole milliseconds); an
error is a transport failure or timeout, a non-2xx status, or a 2xx body with a GraphQL
`errors` entry (autocannon's `verifyBody` mismatches).

`Tally` and `serve` also drive the hostile soak (bench/soak.py), which keeps its own
Python client: autocannon sends one request list in the same order on every connection and
pools its latencies and statuses over all of them, so it can neither draw a random mix nor
tell the legitimate requests' latency and each hostile kind's answers apart.
"""

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.proc import children, cpu_ticks, family_kib
from bench.report import benchmark

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"


@dataclass
class Tally:
    """What a window saw: latencies of the good answers (seconds), and the errors."""

    start: float
    end: float
    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    def record(self, started: float, ended: float, error: str | None) -> None:
        if not self.start <= ended <= self.end:
            return
        if error is None:
            self.seconds.append(ended - started)
        else:
            self.errors += 1
            self.first_error = self.first_error or error

    def percentile_ms(self, p: float) -> float | None:
        """pyperf's percentile of the window's latencies, in ms."""
        if not self.seconds:
            return None
        return round(benchmark("load", self.seconds).percentile(p) * 1000, 1)


def peak_rss_kib(pid: int) -> int:
    """The largest VmHWM (peak RSS) of the process and its descendants, in KiB."""
    return max(family_kib(pid, "VmHWM"), default=0)


@contextlib.contextmanager
def serve(command: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """Start a server on a free loopback port (`{port}` in `command`) and wait until /readyz
    answers 200: (its base URL, its pid). Stopped with SIGINT on the way out."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        base = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
    command = [part.format(port=base.rsplit(":", 1)[1]) for part in command]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out
        )
        try:
            deadline = time.monotonic() + 90
            while not _ready(base, process):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server was not ready at {base} after 90 s")
                time.sleep(0.2)
            yield base, process.pid
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ready(base: str, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"the server exited with {process.returncode}")
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    return False


AUTOCANNON = ROOT / "bench" / "autocannon.mjs"
SMALL_QUERY = "query Small($slug: String!) { organization(slug: $slug) { name acronym } }"
JSON_POST = {"content-type": "application/json", "accept": "application/json"}


def partners_query() -> str:
    """The partners page's query, as the page sends it (its QUERY constant)."""
    script = (ROOT / "service/http/static/partners.js").read_text(encoding="utf-8")
    found = re.search(r"const QUERY = `(.*?)`;", script, re.DOTALL)
    if not found:
        raise RuntimeError("no QUERY constant in service/http/static/partners.js")
    return found.group(1)


def requests(slugs: list[str]) -> dict[str, dict[str, Any]]:
    """The request kinds, by name (report.HTTP_KINDS says what each is): what
    bench/autocannon.mjs sends."""
    small = {"method": "POST", "headers": JSON_POST, "body": {"query": SMALL_QUERY}}
    page = {"query": partners_query(), "operationName": "PartnersPage"}
    return {
        "healthz": {"path": "/healthz"},
        "small-uncached": {**small, "vary": {"variable": "slug", "prefix": "no-such-org-"}},
        "small-slugs": {
            **small,
            "vary": {"variable": "slug", "values": slugs},
        },
        # as a browser sends it: gzip accepted (the answer is 43 kB of JSON, 7 kB gzipped)
        "partners-page": {
            "method": "POST",
            "headers": {**JSON_POST, "accept-encoding": "gzip"},
            "body": page,
        },
    }


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("node (Node.js 18+) is required to run autocannon")
    return found


def autocannon(base: str, request: dict[str, Any], **figures: Any) -> dict[str, Any]:
    """One autocannon run of `request` against `base` (`connections`, `seconds`, `warmup`):
    requests/s, latency percentiles (ms), errors of every kind, and the cores autocannon
    itself kept busy (its CPU time over its wall time: it shares the server's machine)."""
    spec = {k: v for k, v in request.items() if k != "path"}
    spec |= {"url": base + request.get("path", "/graphql"), "connections": figures["connections"]}
    spec |= {"duration": figures["seconds"], "warmup": figures["warmup"]}
    timeout = figures["seconds"] + figures["warmup"] + 120
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(
        [node(), str(AUTOCANNON), json.dumps(spec)],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"autocannon exited with {done.returncode}: {done.stderr[-500:]}")
    after, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter() - started
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    r = json.loads(done.stdout.strip().splitlines()[-1])
    latency = r["latency"]
    return {
        "connections": figures["connections"],
        "rps": r["requests"]["average"],
        "requests": r["requests"]["total"],
        "p50_ms": latency["p50"],
        "p90_ms": latency["p90"],
        "p99_ms": latency["p99"],
        "errors": r["errors"] + r["non2xx"] + r["mismatches"],
        "statuses": {code: s["count"] for code, s in r["statusCodeStats"].items()},
        "client_cores": round(cpu / wall, 2),  # the load generator's share of the machine
    }


def slugs_of(base: str) -> list[str]:
    """Every organization's slug (up to the first 100), for the query over real slugs."""
    query = "{ organizations(first: 100) { nodes { slug } } }"
    answer = httpx.post(f"{base}/graphql", json={"query": query}, timeout=30).json()
    return [node["slug"] for node in answer["data"]["organizations"]["nodes"]]


def under_load(
    database_url: str, log: Path, kinds: dict[str, dict[str, Any]] | None, **case: Any
) -> list[dict[str, Any]]:
    """`python -m service serve --workers N` on one execution path (COMPILED_QUERIES set
    either way, whatever the environment or a `.env` file says), then one autocannon run
    per request kind (`kinds`, or `requests(...)` over the dataset's slugs), in turn: each
    kind's figures, and the server's peak RSS (parent and workers) after them all. `env`
    in the case: more of the server's settings."""
    command = [sys.executable, "-m", "service", "serve", "--host", LOOPBACK, "--port", "{port}",
               "--workers", str(case["workers"])]  # fmt: skip
    env = {"DATABASE_URL": database_url, "COMPILED_QUERIES": str(case["compiled"]).lower()}
    env |= case.get("env", {})
    figures = {k: case[k] for k in ("connections", "seconds", "warmup")}
    with serve(command, env, log) as (base, pid):
        results = []
        workers = children(pid) if case["workers"] > 1 else []
        for name, request in (kinds or requests(slugs_of(base))).items():
            before = [cpu_ticks(worker) for worker in workers]
            try:
                result = {"request": name, **autocannon(base, request, **figures)}
            except (RuntimeError, subprocess.SubprocessError, ValueError) as error:
                result = {"request": name, "error": f"{type(error).__name__}: {error}"}
            used = [cpu_ticks(w) - b for w, b in zip(workers, before, strict=True)]
            if sum(used) > 0:  # how the kernel spread the connections: the busiest's share
                result["busiest_worker_share"] = round(max(used) / sum(used), 2)
            results.append(result)
        rss = peak_rss_kib(pid)
    return [{**result, "server_rss_kib": rss} for result in results]


def bare_under_load(database_url: str, log: Path, **figures: Any) -> list[dict[str, Any]]:
    """bench/bare.py under uvicorn (one process, as `serve` runs it) on the same database:
    `/healthz` and the small query uncached, each one autocannon run with `figures`
    (connections, seconds, warmup), as `under_load` runs them against the service."""
    command = [sys.executable, "-m", "uvicorn", "bench.bare:app", "--host", LOOPBACK,
               "--port", "{port}", "--no-access-log", "--log-level", "warning"]  # fmt: skip
    kinds = {k: v for k, v in requests([]).items() if k in ("healthz", "small-uncached")}
    with serve(command, {"BARE_DATABASE_URL": database_url}, log) as (base, _pid):
        return [
            {"request": name, **autocannon(base, request, **figures)}
            for name, request in kinds.items()
        ]
