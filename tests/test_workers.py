"""`python -m service serve --workers N` runs N uvicorn worker processes (each builds its own
app from the `service.app:create_app` factory) on one port, each accepting from a listening
socket of its own (SO_REUSEPORT), so the kernel spreads new connections over them instead
of handing a burst to whichever worker is awake. Both start, the port answers GraphQL, a
second server cannot join the port, a worker that dies is replaced on its own socket
without a connection lost, and SIGTERM stops the parent and every worker, exiting 0. Their
connections get TCP_NODELAY, as a lone process's do (without it, each keep-alive request
after the first waited ~40 ms for the client's delayed ACK)."""

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.workers import reuseport_listener
from tests.utils.live import (
    ESTABLISHED,
    LISTEN,
    env_for,
    free_port,
    output_of,
    serve_command,
    server_process,
    server_sockets,
    wait_until,
    wait_until_serving,
)

QUERY = {"query": '{ organization(slug: "usp") { name acronym } }'}


def _pids(logs: Path, event: str) -> set[str]:
    """The worker pids uvicorn logged `event` for ("Started", "Finished")."""
    return set(re.findall(rf"{event} server process \[(\d+)\]", output_of(logs)))


def _held_by(pid: str | int) -> set[int]:
    """The inodes of the sockets process `pid` holds open."""
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(FileNotFoundError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                held.add(int(target[len("socket:[") : -1]))
    return held


def _listeners_of(workers: set[str], port: int) -> dict[str, set[int]]:
    listening = server_sockets(port, LISTEN)
    return {pid: _held_by(pid) & listening for pid in workers}


async def _ask(base: str, connections: int) -> None:
    """`connections` requests at once, each on a new connection, each answered rightly."""
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        answers = await asyncio.gather(*(
            client.post("/graphql", json=QUERY, headers={"connection": "close"})
            for _ in range(connections)
        ))  # fmt: skip
    for answer in answers:
        assert answer.status_code == 200
        assert answer.json()["data"]["organization"]["acronym"] == "USP"


async def test_connections_accepted_on_a_workers_socket_get_tcp_nodelay() -> None:
    listener = reuseport_listener("127.0.0.1", 0)
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    try:
        port = listener.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(accepted, timeout=10) == 1
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


@dataclass
class Served:
    """`serve --workers 2` on `port`, both workers started (`workers`: their pids)."""

    process: subprocess.Popen[bytes]
    port: int
    logs: Path
    command: list[str]
    workers: set[str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def two_workers(database_url: str, tmp_path: Path) -> AsyncIterator[Served]:
    """Two workers serving; at the end, SIGTERM stops the parent and them, exiting 0."""
    port, logs = free_port(), tmp_path / "logs"
    command = [*serve_command(port), "--workers", "2"]
    with server_process(command, env_for(database_url), logs) as process:
        await wait_until_serving(process, f"http://127.0.0.1:{port}", logs)
        await wait_until(
            lambda: output_of(logs).count("Application startup complete.") == 2,
            within_s=30,
            what=f"both workers started:\n{output_of(logs)}",
        )
        workers = _pids(logs, "Started")
        assert len(workers) == 2
        assert str(process.pid) not in workers
        yield Served(process, port, logs, command, workers)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, output_of(logs)


@pytest.mark.slow  # a real server of three processes
async def test_two_workers_each_accept_on_their_own_socket_and_stop_together(
    database_url: str, tmp_path: Path
) -> None:
    async with two_workers(database_url, tmp_path) as served:
        port, workers = served.port, served.workers
        # Each worker listens on a socket of its own; the parent holds both, for replacements.
        listeners = _listeners_of(workers, port)
        assert all(len(held) == 1 for held in listeners.values()), listeners
        first, second = listeners.values()
        assert first != second
        assert first | second <= _held_by(served.process.pid)

        # 20 connections opened at once are spread over both by the kernel, not all
        # accepted by whichever worker woke first (each gets 10 on average; fewer than 2
        # of 20 has a chance of 1 in 25,000 under an even hash).
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
        try:
            accepted: dict[str, set[int]] = {}

            def all_accepted() -> bool:
                established = server_sockets(port, ESTABLISHED)
                accepted.update({pid: _held_by(pid) & established for pid in workers})
                return sum(map(len, accepted.values())) == 20

            await wait_until(all_accepted, within_s=10, what="the 20 connections accepted")
            assert all(len(held) >= 2 for held in accepted.values()), accepted
        finally:
            for client in clients:
                client.close()

        await _ask(served.base, 8)

        # A second server cannot join the port: it is refused as a lone server's bind is.
        second_server = await asyncio.create_subprocess_exec(
            *served.command,
            env=env_for(database_url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(second_server.communicate(), timeout=60)
        assert second_server.returncode == 1
        assert b"Address already in use" in stderr
        assert _listeners_of(workers, port) == listeners
    assert _pids(served.logs, "Finished") == workers


@pytest.mark.slow  # a real server of three processes, one killed and replaced
async def test_a_worker_that_dies_is_replaced_on_its_socket_without_losing_a_connection(
    database_url: str, tmp_path: Path
) -> None:
    async with two_workers(database_url, tmp_path) as served:
        port, logs, workers = served.port, served.logs, served.workers
        listeners = _listeners_of(workers, port)
        dead = sorted(workers)[0]

        os.kill(int(dead), signal.SIGKILL)
        # Connections the kernel hands the dead worker's socket wait there for its
        # replacement, which the parent starts on that socket: every one is answered.
        await _ask(served.base, 20)
        await wait_until(
            lambda: len(_pids(logs, "Started")) == 3,
            within_s=30,
            what=f"a replacement worker:\n{output_of(logs)}",
        )
        (replacement,) = _pids(logs, "Started") - workers
        assert _listeners_of({replacement}, port)[replacement] == listeners[dead]


@pytest.mark.slow  # a real server whose workers are restarted, added and removed
async def test_restarts_and_added_workers_keep_one_socket_per_worker(
    database_url: str, tmp_path: Path
) -> None:
    async with two_workers(database_url, tmp_path) as served:
        process, port, logs, workers = served.process, served.port, served.logs, served.workers
        sockets = set().union(*_listeners_of(workers, port).values())

        def serving() -> dict[str, set[int]]:
            """The live workers (started, not finished) and the listening sockets each holds."""
            alive = _pids(logs, "Started") - _pids(logs, "Finished")
            return _listeners_of({pid for pid in alive if os.path.exists(f"/proc/{pid}")}, port)

        # SIGHUP replaces each worker, on the socket of the one it replaces.
        process.send_signal(signal.SIGHUP)
        await wait_until(
            lambda: _pids(logs, "Finished") >= workers and len(serving()) == 2,
            within_s=60,
            what=f"both workers replaced:\n{output_of(logs)}",
        )
        assert not set(serving()) & workers
        assert sorted(serving().values(), key=min) == sorted(({s} for s in sockets), key=min)
        await _ask(served.base, 8)

        # SIGTTIN adds a worker on a new socket of the port; SIGTTOU removes it and closes it.
        process.send_signal(signal.SIGTTIN)
        await wait_until(
            lambda: len(serving()) == 3 and all(serving().values()),
            within_s=30,
            what="a third worker, listening",
        )
        added = set().union(*serving().values()) - sockets
        assert len(added) == 1
        assert added <= server_sockets(port, LISTEN)
        await _ask(served.base, 8)
        process.send_signal(signal.SIGTTOU)
        await wait_until(
            lambda: len(serving()) == 2 and not added & server_sockets(port, LISTEN),
            within_s=30,
            what="the third worker and its socket gone",
        )
        await _ask(served.base, 8)
