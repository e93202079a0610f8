"""Ray Data: summarise a dataset of articles on a cluster, one record per row.

    import ray
    ds = ray.data.from_items([{"id": "a1", "text": "...", "published": "2023-11-24"}])
    out = summarize_dataset(ds, schema="event", settings=settings, concurrency=8)
    out.write_json("records/")  # the same records as `summarize DIR --out x.jsonl`

Rows need `text`; `id`, `published` (a date or "YYYY-MM-DD") and `source` are optional.
Each actor holds one backend (one HTTP connection pool), runs its rows as a local batch
does (`summarizer.batch.stream`: its text workers ahead of up to `concurrency` requests,
the same 429 back-off), and `actors` of them run side by side. Meant for an
OpenAI-compatible endpoint: an embedded model would be loaded once per actor, on cores
that Ray also schedules other work on.

Install with `pip install "summarizer[ray]"`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any

from summarizer.article import Article, from_text
from summarizer.backends.retry import AdaptiveLimiter
from summarizer.batch.records import make_record
from summarizer.batch.runner import summarize_article
from summarizer.errors import InputError, register_secret
from summarizer.settings import Settings

if TYPE_CHECKING:  # ray is an optional extra
    import ray.data

__all__ = ["RECORD_COLUMNS", "summarize_dataset"]

RECORD_COLUMNS = ("id", "source", "text_sha256", "status", "schema", "result", "error",
                  "finished_at")


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:  # the row's data: an InputError record (exit 3), not a bug of ours
        raise InputError(f"published must be a date like 2023-11-24, not {value!r}") \
            from None


class _Summarizer:
    """The Ray actor's callable: one backend, one limiter and one text-stage prefetcher for
    all its batches. `__call__` is async, so Ray runs several batches of an actor at once
    on one event loop (4 in Ray 2.60): while one batch's last requests wait on the server,
    the next batch's text is analysed."""

    def __init__(self, schema: str, settings: Settings, concurrency: int,
                 text_workers: int) -> None:
        import os

        from summarizer.backends import get_backend
        from summarizer.batch.stream import prefetcher
        from summarizer.pipeline import asummarize

        register_secret(settings.api_key)  # this is a new process: redact the key here too
        # The actor's text workers: as many as the CPUs Ray reserved for it, not one per
        # core of the node (every actor on the node would fork that many).
        os.environ["SUMMARIZER_TEXT_WORKERS"] = str(max(1, text_workers))
        self.schema, self.settings = schema, settings
        self.summarize_fn = asummarize
        self.backend = get_backend(settings)
        self.concurrency = concurrency
        self.limiter = AdaptiveLimiter(concurrency)
        self.prefetch = prefetcher(asummarize, self.backend, schema)

    async def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        from summarizer.batch.stream import stream

        rows = batch.to_pylist()
        records: list[dict[str, Any] | None] = [None] * len(rows)
        place: dict[int, int] = {}  # id(article) -> its row

        async def articles() -> AsyncIterator[Article]:
            for index, row in enumerate(rows):
                article = self._article(index, row)
                if isinstance(article, dict):  # the row's own error record
                    records[index] = article
                    continue
                place[id(article)] = index
                yield article

        def finish(article: Article, record: dict[str, Any]) -> None:
            records[place[id(article)]] = record

        await stream(articles(), finish, run=self._one, concurrency=self.concurrency,
                     prefetch=self.prefetch)
        # Nested records as JSON text columns would lose their shape; Arrow keeps structs.
        return pa.Table.from_pylist(records)

    def _article(self, index: int, row: dict[str, Any]) -> Article | dict[str, Any]:
        row_id = str(row.get("id") or f"row-{index}")
        source = row.get("source")
        try:
            return from_text(str(row.get("text") or ""), published=_as_date(row.get("published")),
                             id=row_id, source=source)
        except Exception as exc:  # empty text or a bad date: a record, not a failed job
            return make_record(id=row_id, source=source, text_sha256=None,
                               schema=self.schema, error=exc)

    def _one(self, article: Article) -> Awaitable[dict[str, Any]]:
        return summarize_article(
            article, schema=self.schema, settings=self.settings, backend=self.backend,
            summarize_fn=self.summarize_fn, published=article.published,
            limiter=self.limiter)


def summarize_dataset(
    ds: ray.data.Dataset,
    *,
    schema: str,
    settings: Settings,
    concurrency: int = 4,
    actors: int = 1,
    text_workers: int = 1,
) -> ray.data.Dataset:
    """Map the summarizer over `ds`; each row becomes one record (see `RECORD_COLUMNS`).

    `concurrency` is requests in flight per actor; `actors` is how many actors map in
    parallel; `text_workers` is each actor's text-stage processes, and the CPUs Ray
    reserves for it (the text stage is the CPU an article costs here: ~90 ms of a spaCy
    parse and candidates, benchmarks/RESULTS.md). Failed rows are records with
    `status: "error"`, never a failed job.
    """
    from summarizer.schemas import schema_for

    schema_for(schema)  # fail here, not in every actor
    if settings.backend != "openai":
        from summarizer.errors import ConfigError

        raise ConfigError("summarize_dataset needs an OpenAI-compatible endpoint",
                          hint="set base_url (or OPENAI_BASE_URL) in the settings")
    import ray.data

    return ds.map_batches(
        _Summarizer,
        fn_constructor_kwargs={"schema": schema, "settings": settings,
                               "concurrency": concurrency, "text_workers": text_workers},
        batch_format="pyarrow",
        # Bigger batches than requests in flight: Ray's cost per batch is paid less often,
        # and the actor streams each batch's rows through its text workers and requests.
        batch_size=max(16, concurrency),
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=max(1, text_workers),
    )
