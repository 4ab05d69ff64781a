"""Hundreds of large nested requests in a row, in a child process: a crash cannot pass."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.dataset("synthetic:1000")
@pytest.mark.parametrize(
    ("requests", "first"),
    [pytest.param(200, 10, id="200-requests"), pytest.param(10, 100, id="full-pages")],
)
def test_nested_requests_in_a_row_never_crash(database_url, requests, first):
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "tests.stress_requests", database_url,
         str(requests), str(first)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if result.returncode < 0:
        name = signal.Signals(-result.returncode).name
        pytest.fail(f"the server process died of {name}:\n{result.stderr[-3000:]}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{requests} requests of first:{first} answered" in result.stdout
