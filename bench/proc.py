"""What Linux's /proc says of a process: the bench's one reader of it (peak and current RSS,
CPU time, the processes a server started)."""

import contextlib
from collections.abc import Iterator
from pathlib import Path


def status_kib(pid: int | str, field: str) -> int:
    """One memory line of /proc/<pid>/status ("self": this process), in KiB: VmHWM is the
    kernel's peak RSS of the process since its exec, VmRSS its RSS now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def children(pid: int) -> list[int]:
    """The processes `pid` started (uvicorn's workers, and any helper that stays idle)."""
    with contextlib.suppress(OSError):
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def family(pid: int) -> Iterator[int]:
    """`pid` and every process descended from it."""
    pids = [pid]
    while pids:
        member = pids.pop()
        pids += children(member)
        yield member


def family_kib(pid: int, field: str) -> list[int]:
    """`field` (status_kib) of `pid` and each of its descendants still there to read."""
    found = []
    for member in family(pid):
        with contextlib.suppress(OSError):
            found.append(status_kib(member, field))
    return found


def cpu_ticks(pid: int) -> int:
    """User and system CPU time a process has used, in clock ticks (/proc/<pid>/stat)."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    return 0
