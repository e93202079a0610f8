"""The text stage (`candidates.gather`) off the event loop, in a pool of worker processes.

Finding quotes, people and dates is CPU-bound Python: run on the event loop, one long
article stalls every other article's requests and timers (their deadlines expire while
the loop is blocked); run on a thread, it still holds the GIL. So it runs here, in
worker processes, and the loop only awaits the result:

    async with textstage.turn(text, published, title):  # until a worker is on it
        cands = await textstage.gather(text, published, title)

- `turn()` hands out one slot per worker, per event loop, so that an article whose text
  work has started never queues behind another's inside the pool: the per-article
  deadline starts after `turn()` is entered, never while waiting for someone else's CPU.
- Cancelling `gather` (the deadline, Ctrl-C) kills the worker process doing it (pebble
  replaces it), so an abandoned 10 MB article does not keep a core busy, or the process
  alive at exit.
- `workers()` sizes the pool: one per core this process may run on. An embedded model's
  decodes never overlap it: a batch whose embedded model is asked runs one article at a
  time, its text stage before its first decode (README, "Batches"; the small default is
  never asked, `summarizer.batch.stream.decodes_here`).

A batch runs the text stage *ahead* of the requests (`ahead(Prefetch())`, used by
`summarizer.batch.stream`): articles are handed to the workers as they are read, up to two
per worker at a time (one being analysed, one waiting in the pool), and when the pipeline
asks for an article's candidates they are usually ready. Without this, each request slot
did its article's text stage and then its request in turn, so at low concurrency the slot
stood idle during the text stage (at c = 4 and 0.5 s latency the batch ran at 0.86 of the
endpoint's pace). The second article per worker is there so that a worker finishing one
starts the next at once: with one each, it waited for the event loop (busy with requests)
to hand it the next, and the CPU-bound batch ran at 0.88 of its ideal instead of 0.92
(benchmarks/throughput.py, 0.5 s latency, c = 16 and 64). Inside `ahead`, `turn()` waits
until a worker has started on the article (its deadline must not count the wait behind
another article) and `gather` takes the prefetched result, or computes it as usual if
there is none.

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
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any

from pebble import ProcessExpired, ProcessPool

from summarizer.errors import SummarizerError
from summarizer.text import candidates

__all__ = ["Prefetch", "ahead", "gather", "shutdown", "turn", "workers"]

# A worker is replaced after this many articles: spaCy's string store keeps every new
# word it meets, so a worker's memory grows over a long batch (the soak test saw +15% over
# 927 articles). A replacement is forked with the model already loaded (`_get_pool`).
TASKS_PER_WORKER = 200
# After a text longer than this, a worker hands its freed heap back to the system
# (malloc_trim): parsing the corpus's longest BBC article (25,000 characters) left its
# worker 70 MB larger until it was recycled (benchmarks/memory.py).
TRIM_AFTER_CHARS = 10_000

_lock = threading.Lock()
_pool: ProcessPool | None = None
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())
_ahead: ContextVar[Prefetch | None] = ContextVar("summarizer_text_ahead", default=None)


def workers() -> int:
    """Worker processes in the pool: `SUMMARIZER_TEXT_WORKERS`, else the usable cores."""
    override = os.environ.get("SUMMARIZER_TEXT_WORKERS", "")
    if override.isdigit() and int(override) > 0:
        return int(override)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _gather_in_worker(text: str, published: dt.date | None,
                      title: str | None) -> candidates.Candidates:
    """`candidates.gather` as a worker runs it: then, after a long text, trim the heap."""
    result = candidates.gather(text, published, title)
    if len(text) > TRIM_AFTER_CHARS:
        _malloc_trim()
    return result


def _malloc_trim() -> None:
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):  # not glibc: nothing to do
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


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
async def turn(text: str, published: dt.date | None,
               title: str | None = None) -> AsyncIterator[None]:
    """Until a worker can start on this article (see the module docstring)."""
    prefetch = _ahead.get()
    if prefetch is not None:  # the prefetcher sizes the pool's queue: no slot to take
        await prefetch.started(text, published, title)
        yield
        return
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(workers())
    async with slots:
        yield


async def gather(text: str, published: dt.date | None,
                 title: str | None = None) -> candidates.Candidates:
    """`candidates.gather(text, published, title)`, computed in a worker process."""
    prefetch = _ahead.get()
    future: Any = prefetch.take(text, published, title) if prefetch is not None else None
    if future is None:
        pool = await asyncio.to_thread(_get_pool)  # the first call loads the model: off-loop
        future = pool.schedule(_gather_in_worker, args=(text, published, title))
    try:
        # Cancelling the awaiting task cancels the pebble future, which kills its worker.
        result: candidates.Candidates = await asyncio.wrap_future(future)
    except ProcessExpired as exc:  # killed from outside: the OOM killer, most likely
        raise SummarizerError(
            f"the text analysis of the article stopped: its worker process died "
            f"(exit code {exc.exitcode})",
            hint="a very long article can run out of memory: lower --max-chars") from exc
    return result


class Prefetch:
    """Text-stage jobs started ahead of their articles' turn, at most two per worker.

        prefetch = Prefetch()
        with ahead(prefetch):
            await prefetch.start(text, published, title)   # waits for a free worker
            ...
            cands = await gather(text, published, title)    # the prefetched job's result

    A job's result waits here until `gather` takes it; `discard` cancels a job nobody
    will take (killing its worker if it is running). One prefetcher may serve several
    batches on one event loop at once (a Ray actor's): each discards only its own.
    """

    # While a job waits in the pool's queue, how often `started` looks whether a worker
    # took it: the future has no callback for that, and the wait is one article's analysis.
    POLL_S = 0.005

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit or 2 * workers()
        self._free = asyncio.Semaphore(self.limit)
        self._jobs: dict[tuple[str, dt.date | None, str | None], Any] = {}

    async def start(self, text: str, published: dt.date | None,
                    title: str | None = None) -> None:
        """Hand one article to the pool once it holds fewer than `limit` of ours."""
        await self._free.acquire()
        try:
            # The pool exists after the first article: no thread hop between a worker
            # finishing and the next article reaching it.
            pool = _pool if _pool is not None and _pool.active else (
                await asyncio.to_thread(_get_pool))
            future = pool.schedule(_gather_in_worker, args=(text, published, title))
        except BaseException:
            self._free.release()
            raise
        loop = asyncio.get_running_loop()

        def done(_: Any) -> None:  # in pebble's thread
            with contextlib.suppress(RuntimeError):  # the loop is gone: nothing to free
                loop.call_soon_threadsafe(self._free.release)

        self._jobs[(text, published, title)] = future
        future.add_done_callback(done)

    async def started(self, text: str, published: dt.date | None,
                      title: str | None) -> None:
        """Return once a worker has started this article's job (or there is none)."""
        future = self._jobs.get((text, published, title))
        while future is not None and not (future.running() or future.done()):
            await asyncio.sleep(self.POLL_S)

    def take(self, text: str, published: dt.date | None, title: str | None) -> Any:
        """The pebble future of this article's job, or None (then `gather` computes it)."""
        return self._jobs.pop((text, published, title), None)

    def discard(self, text: str, published: dt.date | None, title: str | None) -> None:
        future = self._jobs.pop((text, published, title), None)
        if future is not None:
            future.cancel()


@contextlib.contextmanager
def ahead(prefetch: Prefetch) -> Iterator[Prefetch]:
    """Within this context (and the tasks it starts), `gather` and `turn` use `prefetch`."""
    token = _ahead.set(prefetch)
    try:
        yield prefetch
    finally:
        _ahead.reset(token)
