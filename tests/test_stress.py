"""Hundreds of large nested requests in a row, in a child process: a crash cannot pass."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.dataset("synthetic:1000")
def test_hundreds_of_nested_requests_in_a_row(database_url):
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "tests.stress_requests", database_url,
         "200", "10"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if result.returncode < 0:
        name = signal.Signals(-result.returncode).name
        pytest.fail(f"the server process died of {name}:\n{result.stderr[-3000:]}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "200 requests of first:10 answered" in result.stdout


@pytest.mark.slow
@pytest.mark.dataset("synthetic:1000")
def test_full_pages_of_nested_requests(database_url):
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "tests.stress_requests", database_url,
         "10", "100"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
