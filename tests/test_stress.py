"""Hundreds of large nested requests in a row, in a child process: a crash cannot pass.

Both execution paths run: the compiled path is the default, and the resolver path is where
a SIGSEGV was once seen. The child proves each request was answered by the path asked for
(tests/stress_requests.py counts its SQL statements)."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATH_NAMES = {"compiled": "compiled", "resolvers": "resolver"}  # argument -> its name


@pytest.mark.slow
@pytest.mark.dataset("synthetic:1000")
@pytest.mark.parametrize("path", ["compiled", "resolvers"])
@pytest.mark.parametrize(
    ("requests", "first"),
    [pytest.param(200, 10, id="200-requests"), pytest.param(10, 100, id="full-pages")],
)
def test_nested_requests_in_a_row_never_crash(
    database_url: str, requests: int, first: int, path: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "tests.stress_requests", database_url,
         str(requests), str(first), path],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if result.returncode < 0:
        name = signal.Signals(-result.returncode).name
        pytest.fail(f"the server process died of {name}:\n{result.stderr[-3000:]}")
    assert result.returncode == 0, result.stderr[-3000:]
    expected = f"{requests} requests of first:{first} answered on the {PATH_NAMES[path]} path"
    assert expected in result.stdout
