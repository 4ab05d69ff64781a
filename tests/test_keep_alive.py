"""`serve` keeps idle connections open for KEEP_ALIVE_S: long enough that a client (or a
load balancer) reusing one never races the server closing it, which drops a request.

A short KEEP_ALIVE_S shows the setting reaching the server: the connection closes when it
says, not at uvicorn's own default (5 s). The default itself (75 s) is read from the
settings rather than waited out."""

import http.client
import select
import socket
import time
from pathlib import Path

import pytest
import uvicorn

from service.config import Settings
from tests.utils.live import env_for, free_port, live_server, serve_command, server_process

KEEP_ALIVE_S = 2
UVICORN_DEFAULT_S = uvicorn.Config("service.app:create_app").timeout_keep_alive


def _answer(connection: http.client.HTTPConnection) -> int:
    """One whole request and response on the connection (kept alive by HTTP/1.1)."""
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    response.read()
    return response.status


def _seconds_until_closed(sock: socket.socket, within_s: float) -> float:
    """How long the server took to close its idle end: the socket turns readable when the
    server closes it (end of file), and nothing else is sent to an idle connection."""
    started = time.monotonic()
    readable, _, _ = select.select([sock], [], [], within_s)
    took = time.monotonic() - started
    assert readable, f"still open after {within_s} s"
    assert sock.recv(1, socket.MSG_PEEK) == b"", "the server sent something unasked"
    return took


@pytest.mark.slow  # a real server, and KEEP_ALIVE_S of idling
async def test_an_idle_connection_stays_open_for_keep_alive_s(
    database_url: str, tmp_path: Path
) -> None:
    assert KEEP_ALIVE_S < UVICORN_DEFAULT_S == 5
    async with live_server(
        database_url, tmp_path / "logs", KEEP_ALIVE_S=str(KEEP_ALIVE_S)
    ) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            assert _answer(connection) == 200
            sock = connection.sock
            assert sock is not None
            assert _answer(connection) == 200  # the same socket serves again
            assert connection.sock is sock
            idle = _seconds_until_closed(sock, within_s=UVICORN_DEFAULT_S + 5)
        finally:
            connection.close()
    # open for the configured time (less the response's trip), and not uvicorn's default
    assert KEEP_ALIVE_S - 0.5 <= idle < UVICORN_DEFAULT_S - 0.5, idle


def test_the_default_keep_alive_outlasts_uvicorns_and_a_load_balancers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What `serve` passes to uvicorn when KEEP_ALIVE_S is not set (the test above shows
    that what the settings say is what the server does)."""
    monkeypatch.delenv("KEEP_ALIVE_S", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.keep_alive_s == 75  # README: KEEP_ALIVE_S defaults to 75
    assert settings.keep_alive_s > 60 > UVICORN_DEFAULT_S  # load balancers idle out at 60 s


def test_a_bad_keep_alive_is_refused_with_its_name(database_url: str, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    env = env_for(database_url, KEEP_ALIVE_S="0")
    with server_process(serve_command(free_port()), env, logs) as process:
        code = process.wait(timeout=30)
    assert code != 0
    assert "keep_alive_s" in (logs / "stderr").read_text().lower()
