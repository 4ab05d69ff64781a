"""`serve` keeps idle connections open for KEEP_ALIVE_S: long enough that a client (or a
load balancer) reusing one never races the server closing it, which drops a request."""

import asyncio
import http.client
import socket
import time
from pathlib import Path

import pytest

from tests.test_faults import env_for, free_port, serve_command, server_process, wait_until_serving


def _answer(connection: http.client.HTTPConnection) -> int:
    """One whole request and response on the connection (kept alive by HTTP/1.1)."""
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    response.read()
    return response.status


def _closed_by_server(sock: socket.socket) -> bool:
    """True when the server has closed its end: a peek sees end-of-file at once."""
    sock.settimeout(0.2)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except TimeoutError:
        return False  # nothing to read, but still open
    except ConnectionResetError:
        return True


@pytest.mark.parametrize(
    ("keep_alive", "idle_s", "closed"),
    [
        pytest.param("1", 2.5, True, id="closed-after-keep-alive"),
        # past uvicorn's own default of 5 s: the service's default (75 s) is what holds it
        pytest.param(None, 6.0, False, id="default-outlasts-uvicorns-5s"),
    ],
)
def test_an_idle_connection_stays_open_for_keep_alive_s(
    database_url: str, tmp_path: Path, keep_alive: str | None, idle_s: float, closed: bool
) -> None:
    port = free_port()
    extra = {"KEEP_ALIVE_S": keep_alive} if keep_alive else {}
    logs = tmp_path / "logs"
    with server_process(serve_command(port), env_for(database_url, **extra), logs) as process:
        asyncio.run(wait_until_serving(process, f"http://127.0.0.1:{port}", logs))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            assert _answer(connection) == 200
            sock = connection.sock
            assert sock is not None
            time.sleep(idle_s)
            assert _closed_by_server(sock) is closed
            if not closed:  # the idle connection still serves, on the same socket
                assert _answer(connection) == 200
                assert connection.sock is sock
        finally:
            connection.close()


def test_a_bad_keep_alive_is_refused_with_its_name(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    logs = tmp_path / "logs"
    env = env_for(database_url, KEEP_ALIVE_S="0")
    with server_process(serve_command(port), env, logs) as process:
        code = process.wait(timeout=30)
    assert code != 0
    assert "keep_alive_s" in (logs / "stderr").read_text().lower()
