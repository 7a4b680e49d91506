"""Python's cyclic garbage collector on the write path: run rarely, never inside a page's CPU work.

A page of records allocates ~100,000 objects that live until the page is done (nodes, models,
frames, bodies). With CPython's default threshold (a collection every 700 allocations) the
collector ran hundreds of times per page, each time walking what the page had built so far:
measured on 1,000 ION runs of 20 installations, validating them took 400-830 µs of CPU per run
with the collector on, 80 µs with it paused (benchmarks/consumption.py, README "Performance").
Reference counting frees nearly all of it anyway; the collector is for cycles, and a cycle
waits a few pages at most. At 100,000 allocations a young collection still fell inside nearly
every page, while its objects were alive: 24 collections took 0.92 s of a 3,000-run sync's
10 s of CPU (a loaded machine); at 500,000 they fall between pages, when little is alive: 10 took 0.004 s
(gc.callbacks, benchmarks/consumption.py; peak RSS at 10,000 runs 289 → 378 MB).
"""

from __future__ import annotations

import ctypes
import gc
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

YOUNG_THRESHOLD = 500_000  # allocations between collections of the youngest generation (CPython: 700)


def collect_rarely() -> None:
    """For a sync run: set what is alive (Prefect, libraries: a few hundred thousand long-lived
    objects) aside for good, and let the young generation grow to a page's worth.

    The first run in a process freezes without collecting: a full collection then walks every
    object the imports and Prefect made (0.18 s of CPU after the imports alone, 0.6 s in a 3,000-run
    sync's profile) to free a few hundred cycles (567 after the imports), kept for good instead.
    Later runs collect first, which walks only what is not frozen yet."""
    if gc.get_freeze_count():
        gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, gc.get_threshold()[0]), middle, old)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside this block: for synchronous CPU work over a page (validate,
    plan, build bodies), never around an `await`. Nested blocks leave it to the outermost."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def release_freed_memory() -> None:
    """After a large read: collect, then hand the C heap's free pages back to the OS (glibc's
    `malloc_trim`; elsewhere only the collection). Reading 1,000,000 ION part inventories left
    ~200 MB freed but kept by the allocator, which the comparison's peak then stacked on
    (benchmarks/reconciliation.py, README "Performance")."""
    gc.collect()
    if (libc := _glibc()) is not None:
        libc.malloc_trim(0)


@cache
def _glibc() -> ctypes.CDLL | None:
    """glibc, looked up on first use: not at import, which every flow's process pays (~5 ms)."""
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None
