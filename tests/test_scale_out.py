"""Two stateless service processes share one PostgreSQL database: a load through the seed
command shows through both, and both tag the same answer with the same ETag."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ENGINE

pytestmark = pytest.mark.skipif(ENGINE != "postgresql", reason="scale-out needs a shared server")
ROOT = Path(__file__).resolve().parent.parent
QUERY = {"query": '{ organization(slug: "usp") { name description } }'}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _replica(database_url: str, log: Path) -> Iterator[str]:
    port = _free_port()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url},
            stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"replica did not start: {log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _edited_dataset(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "seed", tmp_path / "seed")
    path = tmp_path / "seed" / "partners.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "ISCT has been a voting member of USP since 2013."
    assert marker in text
    path.write_text(text.replace(marker, f"{marker} Edited for the scale-out test.", 1))
    return path


def test_two_replicas_see_one_load_and_agree_on_etags(database_url, tmp_path):
    # Operators paste plain URLs: both spellings are rewritten to the async driver.
    plain = database_url.replace("postgresql+asyncpg://", "postgres://")
    with (
        _replica(plain, tmp_path / "first.log") as first,
        _replica(database_url, tmp_path / "second.log") as second,
    ):
        before = [httpx.get(f"{base}/graphql", params=QUERY) for base in (first, second)]
        assert before[0].json() == before[1].json()
        assert before[0].headers["etag"] == before[1].headers["etag"]

        seeded = subprocess.run(
            [sys.executable, "-m", "service", "seed", str(_edited_dataset(tmp_path))],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url.replace("+asyncpg", "")},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr
        assert "organizations: 0 added, 1 changed" in seeded.stdout

        after = [
            httpx.get(
                f"{base}/graphql", params=QUERY, headers={"if-none-match": old.headers["etag"]}
            )
            for base, old in zip((first, second), before, strict=True)
        ]
        for response in after:
            assert response.status_code == 200, "the old ETag must not validate after the load"
            assert (
                "Edited for the scale-out test."
                in response.json()["data"]["organization"]["description"]
            )
        assert after[0].headers["etag"] == after[1].headers["etag"] != before[0].headers["etag"]
