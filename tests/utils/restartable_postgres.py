"""A dedicated throwaway PostgreSQL server that a test can stop and start again.

tests/postgres.py's `running_server` starts a server for the whole session and stops it at
exit; a fault test needs one of its own to take away and bring back mid-test, on the same
data directory and port (so an app's URL stays valid). It reuses that module's pieces (the
unprivileged runner, the `Server` handle) and the same server options.
"""

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests import postgres
from tests.utils.live import free_port


@dataclass
class RestartableServer:
    server: postgres.Server
    binaries: Path
    prefix: list[str]
    workdir: Path
    options: str
    running: bool = False

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    def url(self, database: str) -> str:
        return self.server.url(database)

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.prefix, str(self.binaries / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            capture_output=True,
            timeout=90,
        )

    def start(self) -> None:
        """Start (again) on the same data directory and port; returns once it accepts."""
        self._pg_ctl("-o", self.options, "-w", "-t", "60",
                     "-l", str(self.workdir / "server.log"), "start")  # fmt: skip
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop it: "fast" disconnects every client (as a crash or failover would)."""
        self._pg_ctl("-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def log(self) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def restartable_server(binaries: Path) -> Iterator[RestartableServer]:
    """A fresh cluster, started; stopped (if it is running) and removed at exit."""
    prefix, user = postgres._runner()
    workdir = Path(tempfile.mkdtemp(prefix="partner-graph-pg-faults-"))
    sockets = workdir / "sockets"
    sockets.mkdir()
    if prefix:
        shutil.chown(workdir, user)
        shutil.chown(sockets, user)
    port = free_port()
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    handle = RestartableServer(
        server=postgres.Server(host="127.0.0.1", port=port, user=user),
        binaries=binaries,
        prefix=prefix,
        workdir=workdir,
        options=options,
    )
    try:
        subprocess.run(
            [*prefix, str(binaries / "initdb"), "-D", str(handle.data), "-U", user,
             "--auth=trust", "--encoding=UTF8", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        handle.start()
        try:
            yield handle
        finally:
            if handle.running:
                handle.stop(mode="immediate")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
