"""Running the operator commands as an operator does: `python -m service ARGS` in a process
of its own, against one database, output captured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
Result = subprocess.CompletedProcess[str]


def run_service(url: str, *args: str | Path, cwd: Path = ROOT, timeout: float = 120) -> Result:
    """`python -m service ARGS` with DATABASE_URL=url, its stdin closed."""
    return subprocess.run(
        [sys.executable, "-m", "service", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "DATABASE_URL": url},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
