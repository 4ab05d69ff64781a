"""A throwaway PostgreSQL server for the test suite: initdb in a temporary directory, started
on a free loopback port, stopped at the end. As root, it runs as an unprivileged user
(PostgreSQL refuses to run as root).
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.utils.live import free_port

SEARCH_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
UNPRIVILEGED = ("postgres", "nobody")


def find_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl: PATH first, then Debian's versioned dirs."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += SEARCH_DIRS
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{database}"


def _runner() -> tuple[list[str], str]:
    """The command prefix to run as an unprivileged user, and that user's name."""
    if os.geteuid() != 0:
        return [], pwd.getpwuid(os.geteuid()).pw_name
    for name in UNPRIVILEGED:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"], name
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


@contextlib.contextmanager
def running_server(binaries: Path) -> Iterator[Server]:
    prefix, user = _runner()
    workdir = Path(tempfile.mkdtemp(prefix="partner-graph-pg-"))
    data, sockets = workdir / "data", workdir / "sockets"
    sockets.mkdir()
    if prefix:
        shutil.chown(workdir, user)
        shutil.chown(sockets, user)
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", user, "--auth=trust",
            "--encoding=UTF8", "--no-sync")  # fmt: skip
        options = (
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
            "-l", str(workdir / "server.log"), "start")  # fmt: skip
        try:
            yield Server(host="127.0.0.1", port=port, user=user)
        finally:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def terminate_backends(database_url: str) -> int:
    """Kill every connection to the database of `database_url` (but the one asking), as a
    restart or a network cut would: how many there were."""
    database = database_url.rsplit("/", 1)[1]
    admin = create_async_engine(database_url.rsplit("/", 1)[0] + "/postgres")
    try:
        async with admin.connect() as conn:
            killed = await conn.scalar(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            )
    finally:
        await admin.dispose()
    return int(killed or 0)
