"""A batch's two stages, overlapped: text workers ahead, up to `concurrency` requests.

    prefetch = prefetcher(summarize_fn, backend, schema)  # None if decodes run here
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

__all__ = ["decodes_here", "prefetcher", "stream"]

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

    # Articles analysed ahead whose request slot has not taken them yet (only those: a
    # list of every article would hold a long batch's texts until its end).
    waiting: set[tuple[str, Any, str | None]] = set()

    async def produce() -> None:
        async for article in articles:
            if stop():
                break
            if prefetch is not None and not (cached is not None and await cached(article)):
                await prefetch.start(article.text, article.published, article.title)
                waiting.add((article.text, article.published, article.title))
            await ready.put(article)
        for _ in range(consumers):
            await ready.put(None)

    async def consume() -> None:
        while (article := await ready.get()) is not None:
            if stop():  # drain what was read, start nothing
                continue
            waiting.discard((article.text, article.published, article.title))
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
        for text, published, title in waiting:
            prefetch.discard(text, published, title)


def decodes_here(backend: Any, schema: str) -> bool:
    """Whether the batch's model calls decode on this machine's cores: an embedded model
    that will be asked (README, "Batches"). Then articles go one at a time, each text stage
    before its decodes, as both want every core. The small default model is never asked, so
    its batches run like a remote model's: the text stage ahead, on every core."""
    from summarizer.parts import asks_model
    from summarizer.schemas import canonical_schema

    return (getattr(backend, "kind", "") == "embedded"
            and asks_model(canonical_schema(schema), backend))


def prefetcher(summarize_fn: Any, backend: Any, schema: str) -> Any:
    """A text-stage prefetcher for the pipeline, unless its decodes run here; else None."""
    from summarizer.pipeline import asummarize

    if summarize_fn is not asummarize or decodes_here(backend, schema):
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
