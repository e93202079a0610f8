"""`summarize()`: the one orchestration used by the CLI, the eval harness and notebooks.

    article -> candidates (text stage, in a worker) -> for each part of the schema
            (summarizer.parts): part.ask -> prompt -> backend -> part.answer (grounded
            items; no call where none earns its keep) -> result with provenance (`meta`)

The pipeline never names a part: it loops over `parts.for_schema(schema)`. Long articles
are split into overlapping chunks at paragraph breaks; each chunk is extracted with the
candidates inside it, and each part merges its chunks (`Part.merge`). Nothing is truncated.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, overload

from pydantic import BaseModel

from summarizer import runlog
from summarizer.article import Article, check_size, from_text
from summarizer.errors import BackendTimeout, ContextLengthExceeded, safe_url
from summarizer.parts import PARTS, Part, for_schema
from summarizer.pipeline.chunks import plan_chunks
from summarizer.pipeline.prompts import build_messages, listings, prompt_version
from summarizer.schemas import Meta, Result, Usage, canonical_schema, schema_for
from summarizer.settings import Settings
from summarizer.version import code_version, package_version

if TYPE_CHECKING:
    from summarizer.backends import Backend
    from summarizer.text.candidates import Candidates

# The text layer (spaCy), the backends (openai, instructor, llama.cpp) and the response
# models are imported where they are used: a result served from the cache needs none of
# them, and importing them costs seconds.

__all__ = ["asummarize", "cache_key", "plan_chunks", "run_sync", "summarize"]

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Characters per token assumed when planning chunks: low on purpose (English runs ~4).
CHARS_PER_TOKEN = 3.0
PROMPT_RESERVE = 1800  # tokens for the system prompt, candidate lists and the task


def cache_key(cache: Any, article: Article, schema: str, backend: Backend,
              settings: Settings) -> str:
    """The key a result is cached under: everything that shapes it (the batch asks the
    cache with it, to skip analysing ahead what the cache will serve)."""
    from summarizer.schemas import SCHEMA_VERSION

    return str(cache.key(
        text_sha256=article.sha256, published=str(article.published), schema=schema,
        schema_version=SCHEMA_VERSION, prompt=prompt_version(), backend=backend.kind,
        model=backend.model, base_url=backend.base_url, temperature=settings.temperature,
        max_tokens=settings.max_tokens, n_ctx=settings.n_ctx, seed=settings.seed,
        mode=settings.mode, version=package_version(), code=code_version(),
    ))


class _Run:
    """The state of one article's extraction: usage counters and the calls it makes."""

    def __init__(self, article: Article, backend: Backend, settings: Settings) -> None:
        self.article, self.backend, self.settings = article, backend, settings
        self.usage = Usage()
        self.calls: list[dict[str, Any]] = []  # {"part", "s"} per model call

    async def call(self, messages: list[dict[str, str]], model: type[M], part: str,
                   tokens: int) -> M:
        t0 = time.monotonic()
        out = await self.backend.complete(messages, model,
                                          max_tokens=min(self.settings.max_tokens, tokens))
        self.calls.append({"part": part, "s": round(time.monotonic() - t0, 4)})
        self.usage.calls += 1
        self.usage.prompt_tokens += out.prompt_tokens
        self.usage.completion_tokens += out.completion_tokens
        self.usage.retries += out.attempts - 1
        return out.value

    async def extract_chunk(self, start: int, end: int, cands: Candidates,
                            parts: tuple[Part, ...], where: str = "") -> dict[str, Any]:
        text = self.article.text
        sub = cands if (start, end) == (0, len(text)) else cands.within(start, end)
        lists = listings(sub)

        async def one(part: Part) -> Any:
            model = part.ask(sub, self.backend)
            draft = None
            if model is not None:
                # INFO lines are what the CLI's status line shows during long work.
                step = f" (part {parts.index(part) + 1} of {len(parts)})" if len(parts) > 1 \
                    else ""
                log.info("%s%s: %s%s", self.article.id, where, part.name, step)
                messages = build_messages(text[start:end], lists, part.template)
                draft = await self.call(messages, model, part.name, part.tokens)
            return part.answer(draft, text, sub, self.backend)

        if self.backend.kind == "openai":  # remote servers serve parts in parallel
            values = await asyncio.gather(*(one(p) for p in parts))
        else:  # a local model runs one decode at a time; keep order for prefix caching
            values = [await one(p) for p in parts]
        return {p.name: v for p, v in zip(parts, values, strict=True)}

    async def extract(self, parts: tuple[Part, ...],
                      cands: Candidates) -> tuple[dict[str, Any], int]:
        text = self.article.text
        n_ctx = self.backend.n_ctx or self.settings.n_ctx
        most = max(p.tokens for p in PARTS.values())
        max_chars = int((n_ctx - most - PROMPT_RESERVE) * CHARS_PER_TOKEN)
        for _ in range(3):
            chunks = plan_chunks(text, max(max_chars, 2000))
            try:
                per_chunk = [
                    await self.extract_chunk(s, e, cands, parts,
                                             f", chunk {i} of {len(chunks)}" if i else "")
                    for i, (s, e) in enumerate(chunks, 1 if len(chunks) > 1 else 0)]
                break
            except ContextLengthExceeded:
                if max_chars <= 2000:
                    raise
                max_chars //= 2  # our estimate was off for this tokenizer: smaller chunks
        else:  # pragma: no cover - the loop either breaks or raises
            raise ContextLengthExceeded("the article could not be split small enough")
        merged = {p.name: p.merge([c[p.name] for c in per_chunk]) for p in parts}
        for part in parts:
            part.settle(merged, self.backend)
        return {p.field: merged[p.name] for p in parts}, len(chunks)


def _meta(schema: str, article: Article, backend: Backend, run: _Run, chunks: int,
          started: float) -> Meta:
    warnings = []
    if article.published is None:
        warnings.append("no publication date found: relative dates were left unresolved "
                        "(pass --published YYYY-MM-DD)")
    if chunks > 1:
        warnings.append(f"long article: processed in {chunks} overlapping chunks")
    return Meta(
        schema_name=schema, backend=backend.kind, model=backend.model,
        base_url=safe_url(backend.base_url), source=article.source, published=article.published,
        published_from=article.published_from, text_sha256=article.sha256,
        chars=len(article.text), chunks=chunks, usage=run.usage,
        latency_s=round(time.monotonic() - started, 3), warnings=warnings,
        version=package_version(),
    )


def _as_article(article: str | Article, published: dt.date | None) -> Article:
    if isinstance(article, Article):
        if published is not None:
            return dataclasses.replace(article, published=published, published_from="flag")
        return article
    return from_text(article, published=published)


@overload
async def asummarize(article: str | Article, schema: str = ..., *,
                     settings: Settings | None = ..., backend: Backend | None = ...,
                     published: dt.date | None = ..., cache: Any = ...) -> Result: ...
@overload
async def asummarize(article: str | Article, schema: type[M], *,
                     settings: Settings | None = ..., backend: Backend | None = ...,
                     published: dt.date | None = ..., cache: Any = ...) -> M: ...


async def asummarize(
    article: str | Article,
    schema: str | type[BaseModel] = "brief",
    *,
    settings: Settings | None = None,
    backend: Backend | None = None,
    published: dt.date | None = None,
    cache: Any = True,
) -> Any:
    """Summarise one article. See `summarize` for the arguments."""
    settings = settings or Settings.from_env()
    if cache is True:  # the CLI's cache: a notebook reuses what the command line computed
        from summarizer.cache import Cache

        cache = Cache()
    elif cache is False:
        cache = None
    art = _as_article(article, published)
    check_size(art, settings.max_chars)  # before any text work, cached or not
    if backend is None:
        from summarizer.backends import get_backend

        backend = get_backend(settings)
    started = time.monotonic()
    run = _Run(art, backend, settings)
    model = key = None
    if isinstance(schema, str):
        schema = canonical_schema(schema)
        model = schema_for(schema)
        key = cache_key(cache, art, schema, backend, settings) if cache is not None else None
    if model is not None and key is not None and (hit := cache.get(key)) is not None:
        result = model.model_validate(hit)
        if result.meta is not None:
            result.meta.cached = True
            result.meta.usage = Usage()
            result.meta.latency_s = round(time.monotonic() - started, 3)
            result.meta.source = art.source
        result._article = art.text
        runlog.record(result)
        return result
    from summarizer.text import (
        workers as textstage,  # the text layer: not needed for a cached result
    )

    loop = asyncio.get_running_loop()
    try:
        # The deadline covers the article's own work, text stage included, but not the
        # wait for a free worker while other articles' text is analysed.
        waited = time.monotonic()
        async with textstage.turn(art.text, art.published, art.title):
            waited = time.monotonic() - waited
            deadline_at = loop.time() + settings.deadline
            async with asyncio.timeout_at(deadline_at):
                texting = time.monotonic()
                cands = await textstage.gather(art.text, art.published, art.title)
                texting = time.monotonic() - texting
        async with asyncio.timeout_at(deadline_at):
            if not isinstance(schema, str):  # the user's own pydantic model
                messages = build_messages(art.text, listings(cands), "custom")
                return await run.call(messages, schema, "custom", settings.max_tokens)
            extracting = time.monotonic()
            fields, chunks = await run.extract(for_schema(schema), cands)
            extracting = time.monotonic() - extracting
    except TimeoutError:
        raise BackendTimeout(
            f"gave up on the article after the {settings.deadline:g} s deadline",
            hint="raise --deadline, or use a faster model",
        ) from None
    assert model is not None  # a named schema (the custom one returned above)
    meta = _meta(schema, art, backend, run, chunks, started)
    # text_s is the text stage as the pipeline saw it (in a worker process: parse_s and
    # candidates_s, plus the hand-over and, for a new worker, its start).
    meta.timings = {"text_wait_s": round(waited, 4), "text_s": round(texting, 4),
                    **cands.timings, "calls": run.calls,
                    "assemble_s": round(extracting - sum(c["s"] for c in run.calls), 4)}
    result = model(**fields, meta=meta)
    result._article = art.text
    if key is not None:
        cache.put(key, result.model_dump(mode="json"))
    runlog.record(result)
    return result


def summarize(
    article: str | Article,
    schema: str | type[BaseModel] = "brief",
    *,
    settings: Settings | None = None,
    backend: Backend | None = None,
    published: dt.date | None = None,
    cache: Any = True,
) -> Any:
    """Summarise one article into a validated, grounded pydantic object.

    article:   the text (plain or HTML) or an `Article` from `summarizer.article`.
    schema:    "brief" (all parts), "event", "participants", "absentees", "appointments",
               "quotes", or your own pydantic model class (returned as an instance of it).
    settings:  which model and limits; default `Settings.from_env()` (embedded model
               unless OPENAI_BASE_URL / SUMMARIZER_MODEL say otherwise).
    backend:   an explicit backend (e.g. `FakeBackend` in tests); overrides `settings`.
    published: the publication date, used to resolve "on Thursday"; beats a dateline.
    cache:     True (default): the same on-disk cache as the CLI ($SUMMARIZER_CACHE_DIR
               or ~/.cache/summarizer); a `summarizer.cache.Cache`; False/None: none.
               A hit makes no model call.
    """
    return run_sync(asummarize(article, schema, settings=settings, backend=backend,
                               published=published, cache=cache))


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, also from a running loop (a Jupyter cell): then on a thread's loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
