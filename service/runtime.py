"""What a serving process sets for itself, once: how the C allocator shares memory between
threads, and which objects the cyclic garbage collector no longer walks. Both are
process-wide, so both run once however many apps a process builds (as tests do)."""

import ctypes
import functools
import gc
import platform
import re

# <malloc.h>: mallopt's parameter for the most arenas glibc's malloc creates.
M_ARENA_MAX = -8
HEAP_ENTRY = re.compile(rb'<heap nr="\d+"')


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The process's own C library when it is glibc (mallopt, malloc_info); None elsewhere
    (musl has neither knob: its allocator has no per-thread arenas to cap)."""
    if platform.libc_ver()[0] != "glibc":
        return None
    libc = ctypes.CDLL(None)
    libc.open_memstream.restype = ctypes.c_void_p
    libc.fclose.argtypes = [ctypes.c_void_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.free.argtypes = [ctypes.c_void_p]
    return libc


@functools.cache
def cap_malloc_arenas(arenas: int) -> bool:
    """At most `arenas` malloc arenas from now on (0: glibc's own default, eight per core).

    glibc gives each new thread that allocates an arena of its own, up to that default, and
    memory freed in an arena is kept there for that arena's next allocations rather than
    handed back or shared. Every pooled SQLite connection has a thread (aiosqlite), and a
    large answer is built in it: SQLite's JSON text, then about five times the answer, at
    its peak (three times since the root objects are written outside SQL). So each
    connection that had built one kept its own peak resident. Serving W3 (`first: 1000`,
    4.9 MB) at 100k four at once, the server's peak RSS was 283 MiB with glibc's default
    and 222 MiB with two arenas, in runs one after the other (bench.memory),
    at the same speed (0.79 and 0.81 s for the four); one arena was slower (1.09 s) and no
    smaller.

    Threads that have an arena already keep it, so the lifespan calls this before the
    engine starts any. MALLOC_ARENA_MAX in the environment is glibc's own name for the same
    cap, read by glibc at start-up too: the two agree, since the setting reads that name."""
    libc = _glibc()
    if arenas <= 0 or libc is None:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def malloc_arenas() -> int:
    """How many arenas glibc's malloc has made in this process (its malloc_info report's
    heaps), or 0 where the C library is not glibc."""
    libc = _glibc()
    if libc is None:
        return 0
    text, size = ctypes.c_void_p(), ctypes.c_size_t()
    stream = libc.open_memstream(ctypes.byref(text), ctypes.byref(size))
    if not stream:
        return 0
    try:
        libc.malloc_info(0, stream)
    finally:
        libc.fclose(stream)  # writes the report's text and its size
    try:
        report = ctypes.string_at(text.value, size.value) if text.value else b""
    finally:
        libc.free(text.value)
    return len(HEAP_ENTRY.findall(report))


@functools.cache
def freeze_startup_objects() -> None:
    """What is alive once a process's app has started (modules, the schema, the statements'
    machinery) lives as long as the process: collected once, then frozen, so that the cyclic
    collector's full passes, which stop every request while they run, no longer walk it.
    In one process serving small uncached queries, the longest request went from 82-97 to
    21 ms. Once per process (later apps, as in tests, add nothing): the interpreter may
    start with objects frozen already (3.12.1 here starts with 375), so the count cannot
    tell whether this has run."""
    gc.collect()
    gc.freeze()
