"""Running a dataset through the summarizer and scoring it: `evaluate` and `rescore`.

A run directory holds everything needed to look at a run again without any model:
  predictions.jsonl  one record per article: the prediction's JSON (or the error), its meta
  report.json        the dataset path, the schema, all metrics, per-article scores
  report.html        a self-contained page: per-article diffs and highlighted article text
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.errors import ConfigError, InputError, redact
from summarizer.evaluation.dataset import DatasetItem, load_dataset
from summarizer.evaluation.metrics import Metrics, aggregate
from summarizer.evaluation.report import PREDICTIONS, REPORT_JSON
from summarizer.evaluation.scoring import ArticleScore, score_article
from summarizer.schemas import schema_for

if TYPE_CHECKING:
    import pandas as pd

    from summarizer.cache import Cache
    from summarizer.settings import Settings

__all__ = ["EvalRun", "SummarizeFn", "default_summarize_fn", "evaluate", "read_predictions",
           "rescore", "score_records"]

# summarize(article, schema, *, settings=..., published=..., cache=...) -> Result
SummarizeFn = Callable[..., Any]


@dataclass
class EvalRun:
    """A scored run: what `evaluate` and `rescore` return."""

    dataset: Path
    schema: str
    items: list[DatasetItem]
    records: list[dict[str, Any]]
    scores: list[ArticleScore]
    metrics: Metrics
    out: Path | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def model_calls(self) -> int:
        return sum(s.usage.get("calls", 0) for s in self.scores)

    @property
    def cached(self) -> int:
        return sum(bool(s.usage.get("cached")) for s in self.scores)

    def calls_summary(self) -> str:
        """E.g. "0 model calls (all 6 from cache)"."""
        n, cached, calls = len(self.scores), self.cached, self.model_calls
        noun = "call" if calls == 1 else "calls"
        if self.info.get("rescored"):
            return (f"0 model calls (re-scored {n} stored predictions; the original run "
                    f"made {calls})")
        if n and cached == n:
            return f"{calls} model {noun} (all {n} from cache)"
        return f"{calls} model {noun} ({cached} of {n} articles from cache)"

    def per_article(self) -> dict[str, Metrics]:
        return {s.id: aggregate([s], self.schema) for s in self.scores}

    def to_json(self) -> dict[str, Any]:
        per_article = self.per_article()
        return {
            **self.info,
            "dataset": str(self.dataset),
            "schema": self.schema,
            "n_articles": len(self.scores),
            "metrics": self.metrics,
            "articles": [{**s.to_dict(), "metrics": per_article[s.id]} for s in self.scores],
        }

    def to_dataframe(self, per: str = "field") -> pd.DataFrame:
        """Scores as a DataFrame.

        per="field" (default): one row per article and field, indexed (article, field):
        precision, recall, f1, tp, fp, fn for the lists; accuracy for the event's
        date, city, country, type and title. per="article": one row per article with
        validity, error and every per-article metric.
        """
        import pandas as pd  # optional dependency: only notebooks need it

        if per == "article":
            rows = [{"id": s.id, "valid": s.valid, "error": s.error, **m}
                    for s, m in zip(self.scores, self.per_article().values(), strict=True)]
            return pd.DataFrame(rows).set_index("id")
        if per != "field":
            raise ValueError(f"per must be 'field' or 'article', not {per!r}")
        long: list[dict[str, Any]] = []
        for s in self.scores:
            for name, score in s.lists.items():
                long.append({"article": s.id, "field": name, "precision": score.precision,
                             "recall": score.recall, "f1": score.f1, "tp": score.tp,
                             "fp": score.fp, "fn": score.fn, "accuracy": None})
            for name, value in s.event.items():
                long.append({"article": s.id, "field": f"event.{name}", "accuracy": value})
        columns = ["article", "field", "precision", "recall", "f1", "tp", "fp", "fn",
                   "accuracy"]
        return pd.DataFrame(long, columns=columns).set_index(["article", "field"])

    def _repr_html_(self) -> str:
        from summarizer.evaluation.report_html import summary_html

        return summary_html(self)


def _console() -> Any:
    """stderr, never a Jupyter widget: a kernel without ipywidgets would warn, and the
    bar is only a courtesy there."""
    from rich.console import Console

    return Console(stderr=True, force_jupyter=False)


def default_summarize_fn() -> SummarizeFn:
    """The package's real `summarize` (imported late: scoring never needs a model)."""
    try:
        from summarizer.pipeline import summarize
    except ImportError as exc:  # pragma: no cover - only before the pipeline exists
        raise ConfigError(f"the summarizer pipeline is not available: {exc}") from None
    return summarize


def _resolve_cache(cache: Cache | bool | None) -> Cache | None:
    if cache is True:
        from summarizer.cache import Cache

        return Cache()
    return None if cache is False or cache is None else cache


def _run_one(fn: SummarizeFn, item: DatasetItem, schema: str, settings: Settings | None,
             cache: Cache | None) -> dict[str, Any]:
    started = time.perf_counter()
    record: dict[str, Any] = {"id": item.id, "schema": schema, "prediction": None,
                              "meta": None, "error": None, "error_type": None}
    try:
        result = fn(item.article(), schema, settings=settings, published=item.published,
                    cache=cache)
        data = result.model_dump(mode="json") if hasattr(result, "model_dump") else dict(result)
        record["meta"] = data.pop("meta", None)
        record["prediction"] = data
    except Exception as exc:  # one bad article must not stop the run: it is a record
        record["error"] = redact(str(exc)) or type(exc).__name__
        record["error_type"] = type(exc).__name__
    # What the user waited for this article, cached or not.
    record["latency_s"] = round(time.perf_counter() - started, 4)
    return record


def _score(item: DatasetItem, record: dict[str, Any], schema: str) -> ArticleScore:
    meta = dict(record.get("meta") or {})
    meta["latency_s"] = record.get("latency_s", meta.get("latency_s", 0.0))
    return score_article(item.reference, record.get("prediction"), item.text, schema=schema,
                         meta=meta, error=record.get("error"))


def score_records(items: Sequence[DatasetItem], records: Sequence[dict[str, Any]],
                  schema: str, dataset: Path, out: Path | None = None,
                  info: dict[str, Any] | None = None) -> EvalRun:
    """Score stored records against the dataset's references (no model involved)."""
    by_id = {r["id"]: r for r in records}
    missing = [i.id for i in items if i.id not in by_id]
    if missing:
        raise InputError(f"no prediction for: {', '.join(missing)}")
    ordered = [by_id[i.id] for i in items]
    scores = [_score(i, r, schema) for i, r in zip(items, ordered, strict=True)]
    return EvalRun(dataset=dataset, schema=schema, items=list(items), records=ordered,
                   scores=scores, metrics=aggregate(scores, schema), out=out, info=info or {})


def _settings_info(settings: Settings | None) -> dict[str, Any]:
    if settings is None:
        return {}
    from urllib.parse import urlsplit

    try:
        backend: str | None = settings.backend
    except ConfigError:
        backend = None
    host = urlsplit(settings.base_url).hostname if settings.base_url else None
    return {"backend": backend, "model": settings.model, "base_url_host": host}


def _write(run: EvalRun) -> None:
    from summarizer.evaluation.report import write_report

    if run.out is not None:
        write_report(run, run.out)


def evaluate(dataset: str | Path, schema: str = "brief", settings: Settings | None = None,
             out: str | Path | None = None, limit: int | None = None,
             cache: Cache | bool | None = True, summarize_fn: SummarizeFn | None = None,
             progress: bool = True) -> EvalRun:
    """Summarize every article of `dataset` and score it against its reference.

    `cache=True` uses the default on-disk cache, `False`/`None` none. Errors of single
    articles are recorded (schema validity 0) and the run goes on. With `out`, the run
    directory gets predictions.jsonl (written as it goes), report.json and report.html.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    schema_for(schema)  # unknown schema: fail before any work
    items = load_dataset(dataset, limit=limit)
    fn = summarize_fn or default_summarize_fn()
    cache_obj = _resolve_cache(cache)
    out_dir = Path(out) if out is not None else None
    predictions = None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        predictions = (out_dir / PREDICTIONS).open("w", encoding="utf-8")
    started = dt.datetime.now(dt.UTC)
    records = []
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=_console(), transient=True,
                   disable=not progress)
    try:
        with bar:
            task = bar.add_task("evaluating", total=len(items))
            for item in items:
                bar.update(task, description=item.id)
                bar.refresh()  # now: the embedded model may hold the GIL for the whole article
                record = _run_one(fn, item, schema, settings, cache_obj)
                records.append(record)
                if predictions is not None:
                    predictions.write(json.dumps(record, ensure_ascii=False) + "\n")
                    predictions.flush()
                bar.advance(task)
                bar.refresh()  # the bar moves as each article finishes
    finally:
        if predictions is not None:
            predictions.close()
    info = {"started": started.isoformat(timespec="seconds"),
            "duration_s": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 3),
            **_settings_info(settings)}
    run = score_records(items, records, schema, Path(dataset).resolve(), out_dir, info)
    _write(run)
    return run


def read_predictions(run_dir: str | Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / PREDICTIONS
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    return [json.loads(line) for line in lines if line.strip()]


def rescore(run_dir: str | Path, dataset: str | Path | None = None,
            write: bool = True) -> EvalRun:
    """Score a run's stored predictions again (e.g. after a scoring fix): no model calls.

    The dataset defaults to the one recorded in the run's report.json.
    """
    run_dir = Path(run_dir)
    info: dict[str, Any] = {}
    report = run_dir / REPORT_JSON
    if report.exists():
        old = json.loads(report.read_text(encoding="utf-8"))
        info = {k: old[k] for k in ("started", "duration_s", "backend", "model",
                                    "base_url_host") if k in old}
        dataset = dataset or old.get("dataset")
    if dataset is None:
        raise InputError(f"{run_dir} has no report.json naming its dataset",
                         hint="pass the dataset explicitly")
    records = read_predictions(run_dir)
    if not records:
        raise InputError(f"{run_dir / PREDICTIONS} holds no predictions")
    schema = records[0].get("schema", "brief")
    items = [i for i in load_dataset(dataset) if i.id in {r["id"] for r in records}]
    run = score_records(items, records, schema, Path(dataset).resolve(),
                        run_dir if write else None, {**info, "rescored": True})
    _write(run)
    return run
