"""A bounded loopback HTTP load generator, and a uvicorn server to point it at.

`generate` keeps N connections busy (each sends its next request when its last one is
answered) for a warm-up, then for a fixed measured window: requests answered inside the
window count; those still in flight when it closes are cancelled and not counted. An
error is a transport failure, a status other than 200, or a GraphQL `errors` entry.

    python -m bench.load --url http://127.0.0.1:8000/graphql \\
        --query '{ organizations { totalCount } }' --connections 20 --seconds 10
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.stats import percentile

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class LoadResult:
    connections: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    first_error: str | None


@dataclass
class _Tally:
    window_start: float
    window_end: float
    latencies: list[float]
    errors: int = 0
    first_error: str | None = None

    def record(self, started: float, ended: float, error: str | None) -> None:
        if not self.window_start <= ended <= self.window_end:
            return
        if error is None:
            self.latencies.append((ended - started) * 1000)
            return
        self.errors += 1
        self.first_error = self.first_error or error


def _error_of(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if b'"errors":' in response.content:
        return response.text[:300]
    return None


async def _connection(client: httpx.AsyncClient, url: str, body: bytes, tally: _Tally) -> None:
    headers = {"content-type": "application/json"}
    while time.perf_counter() < tally.window_end:
        started = time.perf_counter()
        try:
            response = await client.post(url, content=body, headers=headers)
            error = _error_of(response)
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        tally.record(started, time.perf_counter(), error)


async def generate(
    url: str,
    payload: dict[str, Any],
    *,
    connections: int,
    seconds: float,
    warmup: float,
) -> LoadResult:
    """Keep `connections` requests in flight for `warmup` + `seconds`; report the window."""
    now = time.perf_counter()
    tally = _Tally(window_start=now + warmup, window_end=now + warmup + seconds, latencies=[])
    body = json.dumps(payload).encode()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(120.0)) as client:
        tasks = [
            asyncio.create_task(_connection(client, url, body, tally)) for _ in range(connections)
        ]
        await asyncio.sleep(max(0.0, tally.window_end - time.perf_counter()))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    done = tally.latencies
    return LoadResult(
        connections=connections,
        seconds=seconds,
        requests=len(done),
        errors=tally.errors,
        rps=len(done) / seconds,
        p50_ms=percentile(done, 0.50),
        p99_ms=percentile(done, 0.99),
        max_ms=max(done, default=float("nan")),
        first_error=tally.first_error,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode} before it was ready")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn was not ready at {base} after {timeout:.0f} s")


def _tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's supervisor and its workers)."""
    found = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            found.extend(_tree(int(child)))
    return found


def peak_rss_kib(pid: int) -> int:
    """The largest VmHWM (peak RSS) of the process and its descendants, in KiB."""
    peaks = [0]
    for member in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]))
    return max(peaks)


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    ready_s: float = 0.0

    @property
    def graphql(self) -> str:
        return f"{self.base}/graphql"


@contextlib.contextmanager
def uvicorn(
    database_url: str, workers: int, log: Path, *, compiled: bool = True
) -> Iterator[Server]:
    """`uvicorn service.app:create_app --factory` on a free loopback port (access log off).

    `compiled` sets COMPILED_QUERIES for the served process either way, so the path under
    load is the one asked for, whatever the environment or a `.env` file says."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory",
        "--host", LOOPBACK, "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "COMPILED_QUERIES": "true" if compiled else "false",
    }
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            server = Server(base=f"http://{LOOPBACK}:{port}", process=process)
            started = time.perf_counter()
            _wait_ready(server.base, process)
            server.ready_s = time.perf_counter() - started
            yield server
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--url", required=True, help="a loopback GraphQL endpoint")
    parser.add_argument("--query", required=True)
    parser.add_argument("--variables", default="null", help="JSON")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    args = parser.parse_args(argv)
    host = httpx.URL(args.url).host
    if host not in (LOOPBACK, "localhost"):
        parser.error("only loopback targets (127.0.0.1) are allowed")
    payload = {"query": args.query, "variables": json.loads(args.variables)}
    result = asyncio.run(
        generate(
            args.url,
            payload,
            connections=args.connections,
            seconds=args.seconds,
            warmup=args.warmup,
        )
    )
    print(json.dumps(asdict(result), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
