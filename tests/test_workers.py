"""`python -m service serve --workers N` runs N uvicorn worker processes (each builds its own
app from the `service.app:create_app` factory) on one port: both start, the port answers
GraphQL, and SIGTERM stops the parent and every worker, exiting 0. Their connections get
TCP_NODELAY, as a lone process's do (without it, each keep-alive request after the first
waited ~40 ms for the client's delayed ACK)."""

import asyncio
import re
import signal
import socket
from pathlib import Path

import httpx
import pytest
import uvicorn

from service.cli import _tcp_listener
from tests.utils.live import (
    env_for,
    free_port,
    output_of,
    serve_command,
    server_process,
    wait_until,
    wait_until_serving,
)

QUERY = {"query": '{ organization(slug: "usp") { name acronym } }'}


def _pids(logs: Path, event: str) -> set[str]:
    """The worker pids uvicorn logged `event` for ("Started", "Finished")."""
    return set(re.findall(rf"{event} server process \[(\d+)\]", output_of(logs)))


async def test_connections_accepted_on_the_workers_socket_get_tcp_nodelay() -> None:
    listener = _tcp_listener(uvicorn.Config("service.app:create_app", host="127.0.0.1", port=0))
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


@pytest.mark.slow  # a real server of three processes
async def test_two_workers_answer_on_one_port_and_stop_together(
    database_url: str, tmp_path: Path
) -> None:
    port, logs = free_port(), tmp_path / "logs"
    command = [*serve_command(port), "--workers", "2"]
    with server_process(command, env_for(database_url), logs) as process:
        base = f"http://127.0.0.1:{port}"
        await wait_until_serving(process, base, logs)
        await wait_until(
            lambda: output_of(logs).count("Application startup complete.") == 2,
            within_s=30,
            what=f"both workers started:\n{output_of(logs)}",
        )
        workers = _pids(logs, "Started")
        assert len(workers) == 2
        assert str(process.pid) not in workers

        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            for _ in range(4):  # fresh connections: the kernel hands each to either worker
                response = await client.post(
                    "/graphql", json=QUERY, headers={"connection": "close"}
                )
                assert response.status_code == 200
                assert response.json()["data"] == {
                    "organization": {
                        "name": "United States Pharmacopeial Convention",
                        "acronym": "USP",
                    }
                }

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, output_of(logs)
    assert _pids(logs, "Finished") == workers
