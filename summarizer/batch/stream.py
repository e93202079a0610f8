"""A batch's two stages, overlapped: text workers ahead, up to `concurrency` requests.

    prefetch = prefetcher(summarize_fn, backend)          # None with an embedded model
    await stream(articles, finish, run=one_article, concurrency=16, prefetch=prefetch)

`articles` (an async iterator) is read in order; each article is handed to the text
workers as soon as the prefetcher has room (`summarizer.text.workers.Prefetch`: two per
worker), then queued for one of `concurrency` request slots, which call `run(article)` and
hand its record to `finish(article, record)`. So the text stage of the next articles runs
while the earlier ones wait on the server, and neither stage waits on the other. Both the
file batch (`runner.run_batch`) and a Ray actor (`distributed.summarize_dataset`) run it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from summarizer.article import Article

__all__ = ["prefetcher", "stream"]

Record = dict[str, Any]


async def stream(
    articles: AsyncIterator[Article],
    finish: Callable[[Article, Record], None],
    *,
    run: Callable[[Article], Awaitable[Record]],
    concurrency: int,
    prefetch: Any = None,
    cached: Callable[[Article], Awaitable[bool]] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Run every article of `articles` through `run`, `concurrency` at a time.

    `cached(article)` says whether the pipeline will serve it from the cache (then its
    text is not analysed ahead). `stop()` is asked before each article is taken and before
    each is started: once it says True, nothing more is started (the circuit breaker).
    """
    # Articles read (and handed to the text workers) ahead of the request slots: enough to
    # keep every slot and every text worker busy.
    ahead = max(concurrency, 2 * (prefetch.limit if prefetch is not None else 1))
    ready: asyncio.Queue[Article | None] = asyncio.Queue(maxsize=ahead)
    consumers = max(1, concurrency)

    started: list[Article] = []

    async def produce() -> None:
        async for article in articles:
            if stop():
                break
            if prefetch is not None and not (cached is not None and await cached(article)):
                await prefetch.start(article.text, article.published, article.title)
                started.append(article)
            await ready.put(article)
        for _ in range(consumers):
            await ready.put(None)

    async def consume() -> None:
        while (article := await ready.get()) is not None:
            if stop():  # drain what was read, start nothing
                continue
            finish(article, await run(article))

    try:
        with _ahead(prefetch):
            async with asyncio.TaskGroup() as group:
                group.create_task(produce())
                for _ in range(consumers):
                    group.create_task(consume())
    finally:
        # Articles analysed ahead but never started (the breaker, a cancelled run): stop
        # their jobs, killing the workers still on them.
        for article in started:
            prefetch.discard(article.text, article.published, article.title)


def prefetcher(summarize_fn: Any, backend: Any) -> Any:
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
