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

The records and the output file: `summarizer.batch.records`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.article import Article, read_article
from summarizer.backends.breaker import CircuitBreaker, failure_reasons
from summarizer.backends.retry import AdaptiveLimiter, retry_listener
from summarizer.batch.records import RecordWriter, exclusive, load_latest, make_record
from summarizer.batch.stream import decodes_here, prefetcher, stream
from summarizer.errors import (
    BackendTimeout,
    BackendUnavailable,
    BatchIncomplete,
    RateLimited,
)
from summarizer.settings import Settings

__all__ = [
    "BatchReport",
    "SummarizeFn",
    "run_batch",
    "summarize_article",
]

SummarizeFn = Callable[..., Awaitable[Any]]
"""Called like `asummarize(article, schema, settings=, backend=, published=, cache=)`."""


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
    if decodes_here(backend, schema):
        # A local model decodes one request at a time: more articles in flight would only
        # queue behind its lock, their per-article deadlines running while they wait.
        concurrency = 1
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    from summarizer import runlog

    # The run log gets one writer thread and one connection for the whole batch, not a
    # connection opened, written and closed on the event loop per article.
    with exclusive(out), runlog.batched():
        return await _run(todo=list(dict.fromkeys(sources)),  # a file named twice: once
                          out=out, schema=schema, settings=settings, concurrency=concurrency,
                          published=published, progress=progress, backend=backend,
                          summarize_fn=summarize_fn, cache=cache,
                          max_failures_in_a_row=max_failures_in_a_row,
                          read=read or functools.partial(read_article, published=published))


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

    def stop() -> bool:
        if breaker.tripped:  # the server is gone: take and start no new articles
            report.stopped = breaker.reason()
        return breaker.tripped

    async def articles() -> AsyncIterator[Article]:
        for source in todo:
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
            yield article

    async def cached(article: Article) -> bool:
        """Whether the pipeline will serve `article` from the cache (no text stage then)."""
        if cache is None:
            return False

        def lookup() -> bool:
            from summarizer.pipeline.run import cache_key
            from summarizer.schemas import canonical_schema

            return cache.get(cache_key(cache, article, canonical_schema(schema), backend,
                                        settings)) is not None
        try:
            return await asyncio.to_thread(lookup)
        except Exception:  # the pipeline will say what is wrong with the cache
            return False

    def run(article: Article) -> Awaitable[dict[str, Any]]:
        return summarize_article(article, schema=schema, settings=settings, backend=backend,
                                 summarize_fn=summarize_fn, published=published,
                                 cache=cache, limiter=limiter)

    def done(article: Article, record: dict[str, Any]) -> None:
        finish(record)
        bar.update(report, limiter)

    try:
        with bar:
            await stream(articles(), done, run=run, cached=cached, stop=stop,
                         concurrency=max(1, min(concurrency, len(todo))),
                         prefetch=prefetcher(summarize_fn, backend, schema))
    finally:
        writer.close()
        report.wall_s = round(time.monotonic() - started, 3)
        report.lowest_concurrency = limiter.lowest
    return report


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
