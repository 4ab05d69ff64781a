"""Real servers for the tests, and the one way the tests wait: a bounded poll for a condition.

`python -m service serve` (or uvicorn) runs as a subprocess on a free loopback port, its
output in files, and is stopped at exit; `wait_until_serving` returns once `/readyz`
answers 200. `server_has_read(port)` tells, from the kernel's socket tables, that a server
has read every byte sent to it: a request the server has read is one it has admitted (or
refused) and is working on, so a test can act on "in flight" without guessing a delay.
`OnPrivateLoop` keeps an async app open for synchronous callers (hypothesis).
"""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Self

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
POLL_S = 0.05  # between two looks at a condition


# ---------------------------------------------------------------------------- waiting


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]], *, within_s: float, what: str
) -> None:
    """Return as soon as `condition()` holds (awaited if it gives an awaitable), looking every
    POLL_S; fail the test, saying `what` it waited for, if it does not within `within_s`.
    The event loop runs meanwhile; a synchronous test calls `asyncio.run(wait_until(...))`."""
    deadline = time.monotonic() + within_s
    while True:
        held = condition()
        if held if isinstance(held, bool) else await held:
            return
        if time.monotonic() >= deadline:
            pytest.fail(f"not within {within_s} s: {what}")
        await asyncio.sleep(POLL_S)


# ---------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, **extra}


def uvicorn_command(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip


def serve_command(port: int) -> list[str]:
    return [sys.executable, "-m", "service", "serve", "--host", "127.0.0.1", "--port", str(port)]


@contextlib.contextmanager
def server_process(command: list[str], env: dict[str, str], logs: Path) -> Iterator[Any]:
    """A server subprocess, its output in files (never a pipe that could fill up); stopped
    at exit if it is still running (SIGTERM, then SIGKILL after 10 s)."""
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "stdout").open("wb") as out, (logs / "stderr").open("wb") as err:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            process.wait(timeout=30)


def output_of(logs: Path) -> str:
    return "\n".join((logs / name).read_text(errors="replace") for name in ("stdout", "stderr"))


async def wait_until_serving(process: Any, base: str, logs: Path, within_s: float = 30) -> None:
    """Once `/readyz` answers 200; the test fails, with the server's output, if the process
    exits first or is not ready within `within_s`."""
    async with httpx.AsyncClient(timeout=2) as client:

        async def ready() -> bool:
            if process.poll() is not None:
                pytest.fail(f"the server exited ({process.returncode}):\n{output_of(logs)}")
            with contextlib.suppress(httpx.HTTPError):
                return (await client.get(f"{base}/readyz")).status_code == 200
            return False

        await wait_until(ready, within_s=within_s, what=f"ready:\n{output_of(logs)}")


@dataclass(frozen=True)
class LiveServer:
    process: Any
    port: int
    logs: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def live_server(database_url: str, logs: Path, **env: str) -> AsyncIterator[LiveServer]:
    """`python -m service serve` on a free port over `database_url`, ready to answer."""
    port = free_port()
    with server_process(serve_command(port), env_for(database_url, **env), logs) as process:
        server = LiveServer(process, port, logs)
        await wait_until_serving(process, server.base, logs)
        yield server


# ------------------------------------------------------------------- requests in flight


class TcpSocket(NamedTuple):
    local: int  # port
    remote: int  # port
    state: int  # LISTEN, ESTABLISHED, ...
    sent: int  # the send queue: bytes not yet acknowledged
    received: int  # the receive queue: bytes not yet read
    inode: int  # as in /proc/<pid>/fd's "socket:[inode]" (0 until a listener accepts it)


def _tcp_sockets() -> Iterator[TcpSocket]:
    """Every IPv4 TCP socket of this network namespace, from Linux's /proc/net/tcp."""
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)  # the header
        for line in table:
            fields = line.split()
            local, remote, state, queues = fields[1], fields[2], fields[3], fields[4]
            sent, received = queues.split(":")
            yield TcpSocket(int(local.split(":")[1], 16), int(remote.split(":")[1], 16),
                            int(state, 16), int(sent, 16), int(received, 16),
                            int(fields[9]))  # fmt: skip


LISTEN, ESTABLISHED = 0x0A, 0x01


def server_sockets(port: int, state: int) -> set[int]:
    """The inodes of the server's side of `port` in `state`: its listening sockets (LISTEN),
    or the connections it has accepted (ESTABLISHED)."""
    return {s.inode for s in _tcp_sockets() if s.local == port and s.state == state}


def server_has_read(port: int) -> bool:
    """Whether the server listening on `port` (loopback) has read every byte its clients
    sent: nothing waits unacknowledged on a client's side, nor unread on the server's.
    uvicorn decides on a request (admitted, or 503 past the concurrency limit) in the same
    step as it reads it, so a request sent and read is a request in flight."""
    for local, remote, state, sent, received, _inode in _tcp_sockets():
        if remote == port and sent:  # a client's socket: bytes not yet acknowledged
            return False
        if local == port and state != LISTEN and received:  # the server's side: unread
            return False
    return True


@dataclass
class SentRequests:
    """Counts the requests httpx has finished writing, through its `trace` extension: pass
    `extensions=sent.extensions` to each request to count."""

    count: int = 0
    extensions: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.extensions = {"trace": self._trace}

    async def _trace(self, event: str, _info: dict[str, Any]) -> None:
        if event == "http11.send_request_body.complete":
            self.count += 1


async def wait_until_in_flight(sent: SentRequests, requests: int, port: int) -> None:
    """Once `requests` requests have been written and the server on `port` has read them."""
    await wait_until(
        lambda: sent.count >= requests and server_has_read(port),
        within_s=30,
        what=f"{requests} requests sent to and read by the server on port {port}",
    )


# ---------------------------------------------------------------- apps for sync callers


class OnPrivateLoop[T]:
    """An async context entered on an event loop of its own, for synchronous callers
    (hypothesis drives synchronous functions): inside `with`, `value` is what the context
    gave and `run` awaits on that loop."""

    def __init__(self, context: AbstractAsyncContextManager[T]) -> None:
        self.context = context
        self.loop = asyncio.new_event_loop()

    def __enter__(self) -> Self:
        try:
            self.value: T = self.loop.run_until_complete(self.context.__aenter__())
        except BaseException:
            self.loop.close()
            raise
        return self

    def run[R](self, awaitable: Awaitable[R]) -> R:
        return self.loop.run_until_complete(awaitable)

    def __exit__(self, *_exc: object) -> None:
        try:
            self.loop.run_until_complete(self.context.__aexit__(None, None, None))
        finally:
            # Work a request left behind (a statement being stopped, a connection being
            # closed by its driver's thread) finishes on this loop before it closes, or a
            # driver thread would report into a closed loop.
            pending = asyncio.all_tasks(self.loop)
            if pending:
                self.loop.run_until_complete(asyncio.wait(pending, timeout=10))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
