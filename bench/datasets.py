"""The benchmark's databases, built once and cached under bench/.data/.

SQLite: the database file that `python -m service seed [--synthetic N]` wrote.
PostgreSQL: a `pg_dump -Fc` of the database that command loaded into the throwaway server,
restored into the next run's throwaway server (then ANALYZEd, as the loader does).
Cache keys hold the dataset, and a hash of what decides its contents: `service/data/synthetic.py`
(or `seed/partners.yaml` for the curated one) and `service/data/migrations/`. A changed file
gives a new key, and the stale entries of that dataset are deleted.
"""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests import postgres

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
RUN = DATA / "run"  # per-run working copies (the cached files stay untouched)


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

    def seed_args(self) -> list[str]:
        return [] if self.size is None else ["--synthetic", str(self.size)]

    def inputs(self) -> list[Path]:
        source = ROOT / ("seed/partners.yaml" if self.size is None else "service/data/synthetic.py")
        migrations = sorted(
            p
            for p in (ROOT / "service/data/migrations").rglob("*")
            if p.is_file() and p.suffix != ".pyc"
        )
        return [source, *migrations]

    def key(self) -> str:
        return f"{self.name}-{content_hash(self.inputs())}"


def content_hash(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Prepared:
    url: str
    cached: bool  # False: built in this run
    build_seconds: float  # the load (or restore) this run paid for


def _seed(dataset: Dataset, url: str) -> None:
    """`python -m service seed [--synthetic N]` into `url`."""
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-m", "service", "seed", *dataset.seed_args()]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def _prune(directory: Path, dataset: Dataset, keep: Path) -> None:
    for stale in directory.glob(f"{dataset.name}-*"):
        if stale != keep:
            stale.unlink()


def sqlite_file(dataset: Dataset) -> tuple[Path, bool, float]:
    """The cached database file: (path, was cached, seconds spent building it)."""
    directory = DATA / "sqlite"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dataset.key()}.sqlite3"
    if path.exists():
        return path, True, 0.0
    building = directory / f"building-{dataset.name}.sqlite3"
    for leftover in directory.glob(f"{building.name}*"):
        leftover.unlink()
    started = time.perf_counter()
    _seed(dataset, f"sqlite+aiosqlite:///{building}")
    with sqlite3.connect(building) as conn:  # fold the WAL in: one self-contained file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    seconds = time.perf_counter() - started
    os.replace(building, path)
    _prune(directory, dataset, path)
    return path, False, seconds


def prepare_sqlite(dataset: Dataset) -> Prepared:
    """A working copy of the cached file, so the cache never sees the app's WAL."""
    cached, was_cached, seconds = sqlite_file(dataset)
    RUN.mkdir(parents=True, exist_ok=True)
    copy = RUN / f"{dataset.name}.sqlite3"
    for old in RUN.glob(f"{copy.name}*"):
        old.unlink()
    shutil.copyfile(cached, copy)
    return Prepared(f"sqlite+aiosqlite:///{copy}", was_cached, seconds)


@dataclass(frozen=True)
class Cluster:
    """A running throwaway PostgreSQL server and the client binaries next to its initdb."""

    server: postgres.Server
    binaries: Path

    def client(self, tool: str, *args: str) -> str:
        command = [
            str(self.binaries / tool), "-h", self.server.host, "-p", str(self.server.port),
            "-U", self.server.user, *args,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
        return done.stdout

    def version(self) -> str:
        return self.client("psql", "-d", "postgres", "-Atc", "SHOW server_version").strip()

    def major(self) -> str:
        return self.version().split(".")[0]


def prepare_postgresql(cluster: Cluster, dataset: Dataset) -> Prepared:
    """A fresh database restored from the cached dump, or loaded (and dumped) if none."""
    database = "bench_" + dataset.name.replace("-", "_")
    url = cluster.server.url(database)
    directory = DATA / f"postgresql-{cluster.major()}"
    directory.mkdir(parents=True, exist_ok=True)
    dump = directory / f"{dataset.key()}.dump"
    cluster.client("dropdb", "--if-exists", database)
    cluster.client("createdb", database)
    started = time.perf_counter()
    if dump.exists():
        cluster.client("pg_restore", "--no-owner", "-j", "2", "-d", database, str(dump))
        cluster.client("psql", "-d", database, "-qc", "ANALYZE")
        return Prepared(url, True, time.perf_counter() - started)
    _seed(dataset, url)
    seconds = time.perf_counter() - started
    building = directory / f"building-{dataset.name}.dump"
    cluster.client("pg_dump", "-Fc", "-f", str(building), database)
    os.replace(building, dump)
    _prune(directory, dataset, dump)
    return Prepared(url, False, seconds)
