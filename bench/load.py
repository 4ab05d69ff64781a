"""A bounded loopback HTTP load generator, and a server to point it at.

`generate` keeps N connections busy (each sends its next request when its last one is
answered) for a warm-up, then for a fixed measured window: requests answered inside the
window count; those still in flight when it closes are cancelled and not counted. An error
is a transport failure, a status other than 200, or a GraphQL `errors` entry.
"""

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

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


async def generate(
    url: str, payload: dict[str, Any], connections: int, seconds: float, warmup: float
) -> dict[str, Any]:
    """Keep `connections` requests in flight for `warmup` + `seconds`; report the window."""
    now = time.perf_counter()
    tally = Tally(start=now + warmup, end=now + warmup + seconds)
    body, headers = json.dumps(payload).encode(), {"content-type": "application/json"}

    async def connection(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < tally.end:
            started = time.perf_counter()
            try:
                response = await client.post(url, content=body, headers=headers)
                error = None if response.status_code == 200 else f"HTTP {response.status_code}"
                error = error or (response.text[:300] if b'"errors":' in response.content else None)
            except httpx.HTTPError as failure:
                error = f"{type(failure).__name__}: {failure}"
            tally.record(started, time.perf_counter(), error)

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        tasks = [asyncio.create_task(connection(client)) for _ in range(connections)]
        await asyncio.sleep(max(0.0, tally.end - time.perf_counter()))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "connections": connections,
        "rps": round(len(tally.seconds) / seconds, 1),
        "errors": tally.errors,
        "p50_ms": tally.percentile_ms(50),
        "p99_ms": tally.percentile_ms(99),
        "first_error": tally.first_error,
    }


def peak_rss_kib(pid: int) -> int:
    """The largest VmHWM (peak RSS) of the process and its descendants, in KiB."""
    peak, pids = 0, [pid]
    while pids:
        member = pids.pop()
        with contextlib.suppress(OSError):
            pids += map(int, Path(f"/proc/{member}/task/{member}/children").read_text().split())
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak


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


def under_load(
    database_url: str, payload: dict[str, Any], log: Path, **case: Any
) -> dict[str, Any]:
    """`uvicorn service.app:create_app --factory` with `case["workers"]` on one execution path
    (COMPILED_QUERIES set either way, whatever the environment or a `.env` file says), kept
    busy by `generate`: the window's figures and the server's peak RSS."""
    command = [sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory",
               "--host", LOOPBACK, "--port", "{port}", "--workers", str(case["workers"]),
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    env = {"DATABASE_URL": database_url, "COMPILED_QUERIES": str(case["compiled"]).lower()}
    with serve(command, env, log) as (base, pid):
        figures = (case["connections"], case["seconds"], case["warmup"])
        result = asyncio.run(generate(f"{base}/graphql", payload, *figures))
        return {**result, "server_rss_kib": peak_rss_kib(pid)}
