"""The text stage (`candidates.gather`) off the event loop, in a pool of worker processes.

Finding quotes, people and dates is CPU-bound Python: run on the event loop, one long
article stalls every other article's requests and timers (their deadlines expire while
the loop is blocked); run on a thread, it still holds the GIL. So it runs here, in
worker processes, and the loop only awaits the result:

    async with textstage.turn():      # wait for a free worker: not this article's time
        cands = await textstage.gather(text, published, title)

- `turn()` hands out one slot per worker, per event loop, so that an article whose text
  work has started never queues behind another's inside the pool: the per-article
  deadline starts after `turn()` is entered, never while waiting for someone else's CPU.
- Cancelling `gather` (the deadline, Ctrl-C) kills the worker process doing it (pebble
  replaces it), so an abandoned 10 MB article does not keep a core busy, or the process
  alive at exit.
- `workers()` sizes the pool: one per core this process may run on. The embedded model
  never overlaps it: a batch with the embedded model runs one article at a time, and an
  article runs its text stage before its first decode (README, "Batches").

Workers are forked (not spawned): a spawned worker would re-run the user's script unless
it guards its code with `if __name__ == "__main__"`, which a library must not demand.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import datetime as dt
import multiprocessing
import os
import threading
import weakref
from collections.abc import AsyncIterator
from typing import Any

from pebble import ProcessExpired, ProcessPool

from summarizer.errors import SummarizerError
from summarizer.text import candidates

__all__ = ["gather", "shutdown", "turn", "workers"]

# A worker is replaced after this many articles: spaCy's string store keeps every new
# word it meets, so a worker's memory grows over a long batch (the soak test saw +15% over
# 927 articles). A replacement is forked with the model already loaded (`_get_pool`).
TASKS_PER_WORKER = 200

_lock = threading.Lock()
_pool: ProcessPool | None = None
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


def workers() -> int:
    """Worker processes in the pool: `SUMMARIZER_TEXT_WORKERS`, else the usable cores."""
    override = os.environ.get("SUMMARIZER_TEXT_WORKERS", "")
    if override.isdigit() and int(override) > 0:
        return int(override)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _get_pool() -> ProcessPool:
    global _pool
    with _lock:
        if _pool is None or not _pool.active:
            # Load what the text stage loads lazily (the spaCy model, ~1-3 s) here, once:
            # every worker forked from now on, replacements included, starts with it.
            candidates.gather("Warm-up: the model loads once.", None, None)
            _pool = ProcessPool(max_workers=workers(), max_tasks=TASKS_PER_WORKER,
                                context=multiprocessing.get_context("fork"))
        return _pool


@atexit.register
def shutdown() -> None:
    """Stop the workers (killing any that still work); the next `gather` starts anew."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.stop()
        pool.join(timeout=5)


@contextlib.asynccontextmanager
async def turn() -> AsyncIterator[None]:
    """Hold one of the pool's slots for this event loop (see the module docstring)."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(workers())
    async with slots:
        yield


async def gather(text: str, published: dt.date | None,
                 title: str | None = None) -> candidates.Candidates:
    """`candidates.gather(text, published, title)`, computed in a worker process."""
    pool = await asyncio.to_thread(_get_pool)  # the first call loads the model: off-loop
    future: Any = pool.schedule(candidates.gather, args=(text, published, title))
    try:
        # Cancelling the awaiting task cancels the pebble future, which kills its worker.
        result: candidates.Candidates = await asyncio.wrap_future(future)
    except ProcessExpired as exc:  # killed from outside: the OOM killer, most likely
        raise SummarizerError(
            f"the text analysis of the article stopped: its worker process died "
            f"(exit code {exc.exitcode})",
            hint="a very long article can run out of memory: lower --max-chars") from exc
    return result
