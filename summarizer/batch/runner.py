"""Batch runs that survive faults: one durable JSONL record per article, resumable.

    report = await run_batch(paths, Path("out.jsonl"), schema="event", settings=settings)

- Each article ends as exactly one line appended to `out`, `ok` or `error`, written with
  a single write() + fsync under a lock: a `kill -9` leaves whole lines only (a torn
  last line from a power cut is cut off when the batch is resumed).
- Rerunning the same command skips the articles whose latest record is `ok` (same source,
  same text sha256, same schema) and retries the rest; nothing is done twice.
- Failures never stop the batch: unreadable inputs, backend errors, invalid output and the
  per-article deadline all become error records with the exit code they would have had.
- Concurrency adapts: every 429 (retried or final) halves the requests in flight, and
  each full round of successes adds one back, up to `concurrency`.

One record format, written by `make_record`, for every place that stores results per
article: a batch's `--out` file, `summarizer.batch.distributed` (Ray), and an evaluation
run's predictions.jsonl (`summarizer.evaluation.runner` runs on `run_batch`). One JSON
object per line, with exactly these keys, in this order:

    id           the article's id: its file name without the extension ("stdin" for -)
    source       where it was read from (the path as given), or null
    text_sha256  SHA-256 of the article text as the summarizer read it (after decoding,
                 HTML extraction and mojibake repair), or null if it could not be read;
                 with `source` and `schema`, what a resumed run matches to skip an article
    status       "ok" or "error"
    schema       the schema asked for: "brief", "event", "participants", ...
    result       status ok: the result object, exactly as `summarize --format json` prints
                 it (the contract's keys, then `meta`: backend, model, usage, latency_s,
                 cached, timings, ...); status error: null
    error        status error: {"type", "message", "attempts", "exit_code"}, the error's
                 class (summarizer.errors), its message (credentials redacted), the requests
                 made, and the exit code it would have had alone; status ok: null
    finished_at  when the record was made: UTC, ISO 8601 with milliseconds

A resumed run appends: the latest record of an article is the one that counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import os
import queue
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from pydantic import BaseModel

from summarizer.article import Article, read_article
from summarizer.backends.breaker import CircuitBreaker, failure_reasons
from summarizer.backends.failures import classify
from summarizer.backends.retry import AdaptiveLimiter, retry_listener
from summarizer.errors import (
    BackendTimeout,
    BackendUnavailable,
    BatchIncomplete,
    OutputLocked,
    RateLimited,
    SummarizerError,
    redact,
)
from summarizer.settings import Settings

__all__ = [
    "BatchReport",
    "RecordWriter",
    "SummarizeFn",
    "error_info",
    "load_latest",
    "make_record",
    "run_batch",
    "summarize_article",
]

SummarizeFn = Callable[..., Awaitable[Any]]
"""Called like `asummarize(article, schema, settings=, backend=, published=, cache=)`."""


# -- records -------------------------------------------------------------------------------
def error_info(exc: BaseException) -> dict[str, Any]:
    """What a record says about a failure: type, message (keys redacted), attempts, exit code."""
    import openai  # here, not at the top: importing it costs a second

    if isinstance(exc, TimeoutError):
        exc = BackendTimeout("the per-article deadline ran out")
    elif not isinstance(exc, SummarizerError) and (
        isinstance(exc, openai.OpenAIError) or type(exc).__module__.startswith("instructor")
    ):
        exc = classify(exc)
    exit_code = exc.exit_code if isinstance(exc, SummarizerError) else 1  # 1: a bug of ours
    return {
        "type": type(exc).__name__,
        "message": redact(str(exc))[:1000],
        "attempts": int(getattr(exc, "attempts", 1) or 1),
        "exit_code": exit_code,
    }


def make_record(*, id: str, source: str | None, text_sha256: str | None, schema: str,
                result: BaseModel | dict[str, Any] | None = None,
                error: BaseException | None = None) -> dict[str, Any]:
    """One article's record, as batch files and Ray datasets hold it."""
    if error is None and isinstance(result, BaseModel):
        payload: dict[str, Any] | None = result.model_dump(mode="json")
    else:
        payload = result if error is None else None  # type: ignore[assignment]
    return {
        "id": id,
        "source": source,
        "text_sha256": text_sha256,
        "status": "ok" if error is None else "error",
        "schema": schema,
        "result": payload,
        "error": error_info(error) if error is not None else None,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
    }


async def summarize_article(
    article: Article, *, schema: str, settings: Settings, backend: Any, summarize_fn:
    SummarizeFn, published: dt.date | None = None, cache: Any = None,
    limiter: AdaptiveLimiter | None = None,
) -> dict[str, Any]:
    """Summarise one article into a record; never raises except on cancellation.

    With a `limiter`, the call waits for a slot and reports 429s and successes to it.
    """
    if limiter is None:
        return await _summarize(article, schema, settings, backend, summarize_fn,
                                published, cache)
    async with limiter:
        with retry_listener(limiter.on_retry):
            record = await _summarize(article, schema, settings, backend, summarize_fn,
                                      published, cache)
        if record["status"] == "ok":
            limiter.succeeded()
        elif record["error"]["type"] == RateLimited.__name__:
            limiter.rate_limited()
    return record


async def _summarize(article: Article, schema: str, settings: Settings, backend: Any,
                     summarize_fn: SummarizeFn, published: dt.date | None,
                     cache: Any) -> dict[str, Any]:
    from summarizer.pipeline import asummarize

    # The pipeline enforces the deadline itself, from when the article's own work starts
    # (not while it waits for a text worker); this backstop is for other summarize_fns.
    backstop = None if summarize_fn is asummarize else settings.deadline
    try:
        async with asyncio.timeout(backstop):
            result = await summarize_fn(article, schema, settings=settings, backend=backend,
                                        published=published, cache=cache)
    except Exception as exc:  # every failure is data for the record, never a crash
        if isinstance(exc, TimeoutError):
            exc = BackendTimeout(
                f"gave up on the article after the {settings.deadline:g} s deadline",
                hint="raise --deadline, or use a faster model")
        return make_record(id=article.id, source=article.source, text_sha256=article.sha256,
                           schema=schema, error=exc)
    return make_record(id=article.id, source=article.source, text_sha256=article.sha256,
                       schema=schema, result=result)


# -- the output file -----------------------------------------------------------------------
def load_latest(out: Path, schema: str) -> dict[tuple[str, str], str]:
    """Latest status per (source, text sha256) for `schema`; repairs a torn last line.

    A line is only torn if the machine died inside a write; everything before the last
    newline was fsynced whole, so cutting the tail loses at most that one record.
    """
    if not out.exists():
        return {}
    data = out.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with out.open("r+b") as f:
            f.truncate(end)
            os.fsync(f.fileno())
    latest: dict[tuple[str, str], str] = {}
    for line in data[:end].splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # not ours (or damaged): it matches nothing, so that article reruns
        if isinstance(rec, dict) and rec.get("schema") == schema and rec.get("text_sha256"):
            latest[(str(rec.get("source")), str(rec["text_sha256"]))] = str(rec.get("status"))
    return latest


class RecordWriter:
    """Appends records as whole lines: one write() and one fsync per record, in order.

    A thread of its own does the writing, so that no worker waits on a disk: fsync takes
    milliseconds, and 64 workers finishing together would queue behind each other. A
    record still in the queue when the process dies is simply not there: that article
    is done again on resume, never half-written.
    """

    def __init__(self, path: Path, *, secret: str | None = None) -> None:
        self.path = path
        self._secret = secret
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._queue: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="record-writer", daemon=True)
        self._thread.start()

    def write_sync(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, default=str)
        if self._secret and self._secret in line:  # belt and braces: never store the key
            line = line.replace(self._secret, "***")
        data = (line + "\n").encode("utf-8")
        with self._lock:
            written = os.write(self._fd, data)
            while written < len(data):  # only on a full disk; the next write raises
                written += os.write(self._fd, data[written:])
            os.fsync(self._fd)

    def submit(self, record: dict[str, Any]) -> None:
        """Queue `record` for writing; raises if an earlier write failed (disk full...)."""
        if self._error is not None:
            raise self._error
        self._queue.put(record)

    def _drain(self) -> None:
        while (record := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.write_sync(record)
                except BaseException as exc:
                    self._error = exc

    def close(self) -> None:
        """Write what is queued, then close; raises the first write error, if any."""
        self._queue.put(None)
        self._thread.join()
        os.close(self._fd)
        if self._error is not None:
            raise self._error


# -- the batch -----------------------------------------------------------------------------
@dataclass
class BatchReport:
    out: Path
    total: int
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    calls: int = 0  # model calls made (cache hits make none)
    retries: int = 0  # transport retries inside successful articles
    wall_s: float = 0.0
    lowest_concurrency: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)  # source, type, message
    stopped: str | None = None  # why the circuit breaker stopped the batch early

    @property
    def exit_code(self) -> int:
        return BatchIncomplete.exit_code if self.failed else 0

    def summary(self) -> str:
        line = (f"{self.ok} ok, {self.failed} failed, {self.skipped} skipped (done earlier) "
                f"of {self.total} in {self.wall_s:.1f} s; {self.calls} model calls -> {self.out}")
        kinds: dict[str, int] = {}
        for f in self.failures:
            kinds[f["type"]] = kinds.get(f["type"], 0) + 1
        if kinds:
            line += "\nfailures: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            line += "\nrerun the same command to retry only the failed articles"
        left = self.total - self.ok - self.failed - self.skipped
        if self.stopped and left:
            line += f"\n{left} articles not started (stopped early)"
        return line

    def raise_for_failures(self) -> None:
        if self.stopped:
            raise BackendUnavailable(self.stopped, hint=f"finished articles are in {self.out}; "
                                     "once the server answers, rerun the same command to "
                                     "resume")
        if self.failed:
            raise BatchIncomplete(f"{self.failed} of {self.total} article(s) failed; "
                                  f"see the error records in {self.out}",
                                  hint="rerun the same command to retry only those")


async def run_batch(
    sources: list[str],
    out: Path,
    *,
    schema: str,
    settings: Settings,
    concurrency: int = 4,
    published: dt.date | None = None,
    progress: bool = True,
    backend: Any = None,
    summarize_fn: SummarizeFn | None = None,
    cache: Any = None,
    max_failures_in_a_row: int = 10,
    read: Callable[[str], Article] | None = None,
) -> BatchReport:
    """Summarise `sources` (file paths) into `out`, resuming what an earlier run left.

    `sources` are files, as `summarizer.article.expand_sources` returns them; a source
    that cannot be read becomes an error record. Returns counts; the caller turns
    `report.failed` into exit code 6 (`report.raise_for_failures()`), or exit 4 when
    `max_failures_in_a_row` articles in a row could not reach the server
    (`report.stopped`, summarizer/backends/breaker.py; 0 turns the breaker off).
    `read(source)` replaces `read_article(source, published=published)` (the evaluation
    dates each article from its reference).
    """
    from summarizer.schemas import schema_for

    schema_for(schema)  # an unknown schema is a usage error, not 1,000 error records
    if summarize_fn is None:
        from summarizer.pipeline import asummarize

        summarize_fn = asummarize
    if backend is None:
        from summarizer.backends import get_backend

        backend = get_backend(settings)  # one client and connection pool for all articles
    if getattr(backend, "kind", "") == "embedded":
        # A local model decodes one request at a time: more articles in flight would only
        # queue behind its lock, their per-article deadlines running while they wait.
        concurrency = 1
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    from summarizer import runlog

    # The run log gets one writer thread and one connection for the whole batch, not a
    # connection opened, written and closed on the event loop per article.
    with _exclusive(out), runlog.batched():
        return await _run(todo=list(dict.fromkeys(sources)),  # a file named twice: once
                          out=out, schema=schema, settings=settings, concurrency=concurrency,
                          published=published, progress=progress, backend=backend,
                          summarize_fn=summarize_fn, cache=cache,
                          max_failures_in_a_row=max_failures_in_a_row,
                          read=read or functools.partial(read_article, published=published))


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """Hold `out`'s lock for the whole run: a second writer is refused, never interleaved.

    Two processes on one file would both skip nothing, ask the model twice and write every
    record twice. An OS file lock (flock) dies with its process, so a `kill -9` leaves no
    stale lock behind.
    """
    lock = FileLock(str(out) + ".lock")
    try:
        lock.acquire(blocking=False)
    except Timeout:
        raise OutputLocked(
            f"{out} is being written by another summarize run",
            hint="wait for it to finish (then rerun to resume), or pass another --out",
        ) from None
    try:
        yield
    finally:
        lock.release()


async def _run(*, todo: list[str], out: Path, schema: str, settings: Settings,
               concurrency: int, published: dt.date | None, progress: bool, backend: Any,
               summarize_fn: SummarizeFn, cache: Any,
               max_failures_in_a_row: int, read: Callable[[str], Article]) -> BatchReport:
    latest = load_latest(out, schema)
    report = BatchReport(out=out, total=len(todo), lowest_concurrency=concurrency)
    limiter = AdaptiveLimiter(concurrency)
    writer = RecordWriter(out, secret=settings.api_key)
    started = time.monotonic()
    bar = _ProgressBar(len(todo), enabled=progress)
    breaker = CircuitBreaker(max_failures_in_a_row)

    def finish(record: dict[str, Any]) -> None:
        writer.submit(record)
        breaker.observe(record)
        if record["status"] == "ok":
            report.ok += 1
            usage = ((record["result"] or {}).get("meta") or {}).get("usage") or {}
            report.calls += int(usage.get("calls", 0))
            report.retries += int(usage.get("retries", 0))
        else:
            report.failed += 1
            report.failures.append({"source": record["source"], **record["error"]})

    prefetch = _prefetcher(summarize_fn, backend)
    # Articles read (and, with a prefetcher, handed to the text workers) ahead of the
    # request slots: enough to keep every slot and every text worker busy.
    ahead = max(concurrency, 2 * (prefetch.limit if prefetch is not None else 1))
    ready: asyncio.Queue[Article | None] = asyncio.Queue(maxsize=ahead)
    consumers = max(1, min(concurrency, len(todo)))

    async def produce() -> None:
        for source in todo:
            if breaker.tripped:  # the server is gone: take no new articles
                report.stopped = breaker.reason()
                break
            try:
                article = await asyncio.to_thread(read, source)
            except Exception as exc:  # unreadable input: a record, not a crash
                finish(make_record(id=Path(source).stem, source=source,
                                   text_sha256=None, schema=schema, error=exc))
                bar.update(report, limiter)
                continue
            if latest.get((str(article.source or source), article.sha256)) == "ok":
                report.skipped += 1
                bar.update(report, limiter)
                continue
            if prefetch is not None and not await _cached(article):
                await prefetch.start(article.text, article.published, article.title)
            await ready.put(article)
        for _ in range(consumers):
            await ready.put(None)

    async def _cached(article: Article) -> bool:
        """Whether the pipeline will serve `article` from the cache (no text stage then)."""
        if cache is None:
            return False

        def lookup() -> bool:
            from summarizer.pipeline.run import _cache_key
            from summarizer.schemas import canonical_schema

            return cache.get(_cache_key(cache, article, canonical_schema(schema), backend,
                                        settings)) is not None
        try:
            return await asyncio.to_thread(lookup)
        except Exception:  # the pipeline will say what is wrong with the cache
            return False

    async def consume() -> None:
        while (article := await ready.get()) is not None:
            if breaker.tripped:  # drain what was read, start nothing (the producer stops)
                report.stopped = breaker.reason()
                continue
            record = await summarize_article(
                article, schema=schema, settings=settings, backend=backend,
                summarize_fn=summarize_fn, published=published, cache=cache, limiter=limiter)
            finish(record)
            bar.update(report, limiter)

    try:
        with bar, _ahead(prefetch):
            async with asyncio.TaskGroup() as group:
                group.create_task(produce())
                for _ in range(consumers):
                    group.create_task(consume())
    finally:
        writer.close()
        report.wall_s = round(time.monotonic() - started, 3)
        report.lowest_concurrency = limiter.lowest
    return report


def _prefetcher(summarize_fn: SummarizeFn, backend: Any) -> Any:
    """A text-stage prefetcher for the pipeline with a remote model; else None.

    With an embedded model the text stage must not run beside a decode (both want every
    core; README, "Batches"), so its articles keep doing text, then decode, in turn.
    """
    from summarizer.pipeline import asummarize

    if summarize_fn is not asummarize or getattr(backend, "kind", "") == "embedded":
        return None
    from summarizer.text import workers as textstage

    return textstage.Prefetch()


@contextlib.contextmanager
def _ahead(prefetch: Any) -> Iterator[None]:
    if prefetch is None:
        yield
        return
    from summarizer.text import workers as textstage

    with textstage.ahead(prefetch):
        yield


class _ProgressBar:
    """The batch's bar in the one progress display (summarizer.output.terminal.status_line):
    articles done, ok / failed (with the most common reasons) / skipped, or nothing."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._display: Any = None
        self._line: Any = None
        if not enabled:
            return
        from rich.console import Console

        from summarizer.output.terminal import status_line

        # Not a Jupyter widget: plain stderr (no ipywidgets needed, no warning).
        self._display = status_line(Console(stderr=True, force_jupyter=False),
                                    "summarizing", enabled=True, total=total)

    def __enter__(self) -> _ProgressBar:
        if self._display is not None:
            self._line = self._display.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._display is not None:
            self._display.__exit__(*exc)

    def update(self, report: BatchReport, limiter: AdaptiveLimiter) -> None:
        if self._line is None:
            return
        counts = f"ok {report.ok} failed {report.failed} skipped {report.skipped}"
        if report.failures:
            counts += f" ({failure_reasons(report.failures)})"
        if limiter.limit < limiter.maximum:
            counts += f" (slowed to {limiter.limit} in flight)"
        self._line.advance(report.ok + report.failed + report.skipped, counts)
