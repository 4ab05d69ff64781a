"""The benchmark's databases, built once and cached under bench/.data/.

SQLite: the database file that `python -m service seed [--synthetic N]` wrote, copied for
each run so the cache never sees the app's WAL. PostgreSQL: a `pg_dump -Fc` of the database
that command loaded into the throwaway server, restored into the next run's throwaway
server (then vacuumed and analyzed, as a load leaves it). A cache key holds the dataset and
a hash of what decides its contents: `service/data/synthetic.py` (or `seed/partners.yaml`
for the curated one) and `service/data/migrations/`; a changed file gives a new key, and
stale entries go.
"""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import postgres

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
RUN = DATA / "run"  # per-run working copies and logs (the cached files stay untouched)


@dataclass(frozen=True)
class Dataset:
    size: int | None  # None: the curated dataset

    @property
    def name(self) -> str:
        return "curated" if self.size is None else f"synthetic-{self.size}"

    @property
    def label(self) -> str:
        if self.size is None:
            return "curated"
        return f"{self.size // 1000}k" if self.size % 1000 == 0 else str(self.size)

    def key(self) -> str:
        source = ROOT / ("seed/partners.yaml" if self.size is None else "service/data/synthetic.py")
        migrations = (ROOT / "service/data/migrations").rglob("*")
        digest = hashlib.sha256()
        for path in [source, *sorted(p for p in migrations if p.is_file() and p.suffix != ".pyc")]:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
        return f"{self.name}-{digest.hexdigest()[:12]}"

    def seed(self, url: str) -> None:
        """`python -m service seed [--synthetic N]` into `url`."""
        command = [sys.executable, "-m", "service", "seed"]
        command += [] if self.size is None else ["--synthetic", str(self.size)]
        env = {**os.environ, "DATABASE_URL": url}
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def _keep_only(directory: Path, dataset: Dataset, keep: Path) -> None:
    for stale in directory.glob(f"{dataset.name}-*"):
        if stale != keep:
            stale.unlink()


def prepare_sqlite(dataset: Dataset, *, copy_prefix: str = "") -> str:
    """A working copy of the cached database file (built first if need be): its URL. A
    bench running beside bench.run names its copies with a prefix, so each keeps its own."""
    directory = DATA / "sqlite"
    directory.mkdir(parents=True, exist_ok=True)
    cached = directory / f"{dataset.key()}.sqlite3"
    if not cached.exists():
        building = directory / f"building-{dataset.name}.sqlite3"
        for leftover in directory.glob(f"{building.name}*"):
            leftover.unlink()
        dataset.seed(f"sqlite+aiosqlite:///{building}")
        with sqlite3.connect(building) as conn:  # fold the WAL in: one self-contained file
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        os.replace(building, cached)
        _keep_only(directory, dataset, cached)
    RUN.mkdir(parents=True, exist_ok=True)
    copy = RUN / f"{copy_prefix}{dataset.name}.sqlite3"
    for old in RUN.glob(f"{copy.name}*"):
        old.unlink()
    shutil.copyfile(cached, copy)
    return f"sqlite+aiosqlite:///{copy}"


@dataclass(frozen=True)
class Cluster:
    """A running throwaway PostgreSQL server and the client binaries next to its initdb."""

    server: postgres.Server
    binaries: Path

    def client(self, tool: str, *args: str) -> str:
        server = self.server
        command = [str(self.binaries / tool), "-h", server.host, "-p", str(server.port),
                   "-U", server.user, *args]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
        return done.stdout

    def version(self) -> str:
        return self.client("psql", "-d", "postgres", "-Atc", "SHOW server_version").strip()


def prepare_postgresql(cluster: Cluster, dataset: Dataset) -> str:
    """A fresh database restored from the cached dump, or loaded (and dumped) if none."""
    database = "bench_" + dataset.name.replace("-", "_")
    directory = DATA / f"postgresql-{cluster.version().split('.')[0]}"
    directory.mkdir(parents=True, exist_ok=True)
    dump = directory / f"{dataset.key()}.dump"
    cluster.client("dropdb", "--if-exists", database)
    cluster.client("createdb", database)
    if dump.exists():
        cluster.client("pg_restore", "--no-owner", "-j", "2", "-d", database, str(dump))
        cluster.client("psql", "-d", database, "-qc", "VACUUM (ANALYZE)")
    else:
        dataset.seed(cluster.server.url(database))
        building = directory / f"building-{dataset.name}.dump"
        cluster.client("pg_dump", "-Fc", "-f", str(building), database)
        os.replace(building, dump)
        _keep_only(directory, dataset, dump)
    return cluster.server.url(database)


@contextmanager
def curated_copies(engine: str, prefix: str) -> Iterator[Callable[[], str]]:
    """Fresh working copies of the curated dataset on `engine`, one per call of the function
    it yields: SQLite files named `prefix*` under RUN (removed at exit), or databases on a
    throwaway PostgreSQL server."""
    if engine == "sqlite":
        try:
            yield lambda: prepare_sqlite(Dataset(None), copy_prefix=prefix)
        finally:
            for copy in RUN.glob(f"{prefix}*.sqlite3*"):
                copy.unlink()
        return
    binaries = postgres.find_binaries()
    if binaries is None:
        raise RuntimeError("no initdb/pg_ctl found (Debian: apt-get install postgresql)")
    with postgres.running_server(binaries) as server:
        cluster = Cluster(server=server, binaries=binaries)
        yield lambda: prepare_postgresql(cluster, Dataset(None))
