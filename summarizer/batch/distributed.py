"""Ray Data: summarise a dataset of articles on a cluster, one record per row.

    import ray
    ds = ray.data.from_items([{"id": "a1", "text": "...", "published": "2023-11-24"}])
    out = summarize_dataset(ds, schema="event", settings=settings, concurrency=8)
    out.write_json("records/")  # the same records as `summarize DIR --out x.jsonl`

Rows need `text`; `id`, `published` (a date or "YYYY-MM-DD") and `source` are optional.
Each actor holds one backend (one HTTP connection pool) and one event loop, and keeps up
to `concurrency` requests in flight with the same 429 back-off as a local batch; `actors`
of them run side by side. Meant for an OpenAI-compatible endpoint: an embedded model would
be loaded once per actor, on cores that Ray also schedules other work on.

Install with `pip install "summarizer[ray]"`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

from summarizer.article import from_text
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
    """The Ray actor's callable: one backend and one event loop for all its batches."""

    def __init__(self, schema: str, settings: Settings, concurrency: int) -> None:
        from summarizer.backends import get_backend
        from summarizer.pipeline import asummarize

        register_secret(settings.api_key)  # this is a new process: redact the key here too
        self.schema, self.settings = schema, settings
        self.summarize_fn = asummarize
        self.backend = get_backend(settings)
        # The openai client's connections belong to the loop that opened them: keep one.
        self.loop = asyncio.new_event_loop()
        self.limiter = AdaptiveLimiter(concurrency)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        rows = batch.to_pylist()
        records = self.loop.run_until_complete(self._all(rows))
        # Nested records as JSON text columns would lose their shape; Arrow keeps structs.
        return pa.Table.from_pylist(records)

    async def _all(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await asyncio.gather(*(self._one(i, row) for i, row in enumerate(rows)))

    async def _one(self, index: int, row: dict[str, Any]) -> dict[str, Any]:
        row_id = str(row.get("id") or f"row-{index}")
        source = row.get("source")
        try:
            published = _as_date(row.get("published"))
            article = from_text(str(row.get("text") or ""), published=published, id=row_id,
                                source=source)
        except Exception as exc:  # empty text or a bad date: a record, not a failed job
            return make_record(id=row_id, source=source, text_sha256=None,
                               schema=self.schema, error=exc)
        return await summarize_article(
            article, schema=self.schema, settings=self.settings, backend=self.backend,
            summarize_fn=self.summarize_fn, published=published, limiter=self.limiter)


def summarize_dataset(
    ds: ray.data.Dataset,
    *,
    schema: str,
    settings: Settings,
    concurrency: int = 4,
    actors: int = 1,
) -> ray.data.Dataset:
    """Map the summarizer over `ds`; each row becomes one record (see `RECORD_COLUMNS`).

    `concurrency` is requests in flight per actor; `actors` is how many actors map in
    parallel. Failed rows are records with `status: "error"`, never a failed job.
    """
    from summarizer.schemas import schema_for

    schema_for(schema)  # fail here, not in every actor
    if settings.backend != "openai":
        from summarizer.errors import ConfigError

        raise ConfigError("summarize_dataset needs an OpenAI-compatible endpoint",
                          hint="set base_url (or OPENAI_BASE_URL) in the settings")
    return ds.map_batches(
        _Summarizer,
        fn_constructor_kwargs={"schema": schema, "settings": settings,
                               "concurrency": concurrency},
        batch_format="pyarrow",
        batch_size=max(1, concurrency * 2),
        concurrency=actors,
        num_cpus=0.5,  # the actor mostly waits on the network
    )
