"""Running a dataset through the summarizer and scoring it: `evaluate` and `rescore`.

`evaluate` runs the articles through the batch runner (`summarizer.batch.runner.run_batch`,
the same as `summarize DIR --out FILE`): one backend for the run, up to `concurrency`
articles in flight (one when an embedded model decodes), one progress bar, and `predictions.jsonl`
in the batch's record format. So an eval run resumes like a batch: rerun it with the same
`out` and the articles whose record is `ok` are not done again (with or without the cache),
only the failed and the missing ones. The run directory is described in `evalrun.py`.

`rescore` also reads predictions.jsonl files written before the batch format (records
with `prediction`, `meta`, `error`, `error_type`, `latency_s`), converting them on read.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.errors import BackendUnavailable, ConfigError, InputError
from summarizer.evaluation.dataset import DatasetItem, load_dataset
from summarizer.evaluation.evalrun import PREDICTIONS, REPORT_JSON, EvalRun, split_result
from summarizer.evaluation.metrics import aggregate
from summarizer.evaluation.scoring import ArticleScore, score_article
from summarizer.schemas import schema_for

if TYPE_CHECKING:
    from summarizer.batch.runner import SummarizeFn
    from summarizer.cache import Cache
    from summarizer.settings import Settings

__all__ = ["EvalRun", "evaluate", "read_predictions", "rescore", "score_records",
           "upgrade_record"]



def _resolve_cache(cache: Cache | bool | None) -> Cache | None:
    if cache is True:
        from summarizer.cache import Cache

        return Cache()
    return None if cache is False or cache is None else cache


def _score(item: DatasetItem, record: dict[str, Any], schema: str) -> ArticleScore:
    prediction, meta = split_result(record)
    error = record.get("error")
    message = (error.get("message") or error.get("type")) if isinstance(error, dict) else None
    return score_article(item.reference, prediction, item.text, schema=schema,
                         meta=meta, error=message or (None if prediction is not None
                                                      else "no result"))


def score_records(items: Sequence[DatasetItem], records: Sequence[dict[str, Any]],
                  schema: str, dataset: Path, out: Path | None = None,
                  info: dict[str, Any] | None = None) -> EvalRun:
    """Score stored records against the dataset's references (no model involved).

    `records` are batch records (or older eval records: `upgrade_record`), one per item.
    """
    by_id = {r["id"]: upgrade_record(r) for r in records}
    missing = [i.id for i in items if i.id not in by_id]
    if missing:
        raise InputError(f"no prediction for: {', '.join(missing)}")
    ordered = [by_id[i.id] for i in items]
    scores = [_score(i, r, schema) for i, r in zip(items, ordered, strict=True)]
    return EvalRun(dataset=dataset, schema=schema, items=list(items), records=ordered,
                   scores=scores, metrics=aggregate(scores, schema), out=out, info=info or {})


def upgrade_record(record: dict[str, Any]) -> dict[str, Any]:
    """A predictions.jsonl line in the batch record format, whichever format it was written in.

    Before eval ran on the batch runner a line was `{id, schema, prediction, meta, error,
    error_type, latency_s}`; its latency becomes `result.meta.latency_s` (or is lost for
    a failed article, as failed batch records have no meta).
    """
    if "status" in record or "prediction" not in record:
        return record
    ok = record.get("error") is None
    result = None
    if ok:
        meta = dict(record.get("meta") or {})
        if "latency_s" in record:
            meta["latency_s"] = record["latency_s"]
        result = {**(record.get("prediction") or {}), "meta": meta}
    return {
        "id": record["id"], "source": None, "text_sha256": None,
        "status": "ok" if ok else "error", "schema": record.get("schema", "brief"),
        "result": result,
        "error": None if ok else {"type": record.get("error_type") or "Error",
                                  "message": record["error"], "attempts": 1, "exit_code": 1},
        "finished_at": None,
    }


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
             progress: bool = True, concurrency: int = 4, backend: Any = None) -> EvalRun:
    """Summarize every article of `dataset` and score it against its reference.

    `cache=True` uses the default on-disk cache, `False`/`None` none. Errors of single
    articles are recorded (schema validity 0) and the run goes on. With `out`, the run
    directory gets predictions.jsonl (written as it goes), report.json and report.html;
    an `out` that holds an earlier, interrupted run of the same dataset and schema is
    resumed. `backend` (e.g. a `FakeBackend`) replaces the one `settings` names;
    `summarize_fn` replaces `asummarize` (as in `run_batch`).
    """
    from summarizer.batch.runner import run_batch
    from summarizer.pipeline.run import run_sync
    from summarizer.settings import Settings

    schema_for(schema)  # unknown schema: fail before any work
    items = load_dataset(dataset, limit=limit)
    out_dir = Path(out) if out is not None else None
    started = dt.datetime.now(dt.UTC)
    by_source = {str(item.path): item for item in items}
    run_settings = settings or Settings.from_env()
    if backend is None:  # here, not in run_batch: a resumed run must be of the same model
        from summarizer.backends import get_backend

        backend = get_backend(run_settings)
    if out_dir is not None:
        _check_resumable(out_dir / PREDICTIONS, schema, backend)
    with tempfile.TemporaryDirectory(prefix="summarizer-eval-") as scratch:
        predictions = (out_dir or Path(scratch)) / PREDICTIONS
        report = run_sync(run_batch(
            list(by_source), predictions, schema=schema,
            settings=run_settings, concurrency=concurrency,
            progress=progress, backend=backend, summarize_fn=summarize_fn,
            cache=_resolve_cache(cache), read=lambda source: by_source[source].article()))
        if report.stopped:
            raise BackendUnavailable(report.stopped, hint=(
                f"rerun with --out {out_dir} to resume" if out_dir else
                "once the server answers, run the evaluation again"))
        records = _latest_records(items, read_predictions(predictions.parent))
    info = {"started": started.isoformat(timespec="seconds"),
            "duration_s": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 3),
            **_settings_info(settings), **({"resumed": report.skipped} if report.skipped else {})}
    run = score_records(items, records, schema, Path(dataset).resolve(), out_dir, info)
    _write(run)
    return run


def _check_resumable(predictions: Path, schema: str, backend: Any) -> None:
    """Refuse to resume a run directory whose finished articles another model did: its
    records would be kept, and the report would mix two models under one name."""
    try:
        lines = predictions.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"cannot read {predictions}: {exc}") from None
    ours = (getattr(backend, "kind", None), getattr(backend, "model", None))
    for line in lines:
        try:
            record = json.loads(line)
            meta = (record.get("result") or {}).get("meta") or {}
        except (ValueError, AttributeError):
            continue  # torn or foreign: the batch runner ignores it too
        if record.get("status") != "ok" or record.get("schema") != schema:
            continue
        theirs = (meta.get("backend"), meta.get("model"))
        if theirs != ours:
            raise ConfigError(
                f"{predictions.parent} holds an eval run of {theirs[0]} {theirs[1]!r}, "
                f"not of {ours[0]} {ours[1]!r}: resuming it would mix the two",
                hint="pass another --out (or delete its predictions.jsonl)")


def _latest_records(items: Sequence[DatasetItem],
                    records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each item's latest record for its current text (a resumed run appends records)."""
    wanted = {item.id: item.article().sha256 for item in items}
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        if wanted.get(record["id"]) == record.get("text_sha256"):
            latest[record["id"]] = record
    return list(latest.values())


def read_predictions(run_dir: str | Path) -> list[dict[str, Any]]:
    """The records of a run's predictions.jsonl, in the batch record format (old runs'
    lines are converted: `upgrade_record`)."""
    path = Path(run_dir) / PREDICTIONS
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    return [upgrade_record(json.loads(line)) for line in lines if line.strip()]


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
    records = list({r["id"]: r for r in records}.values())  # a resumed run: the latest
    items = [i for i in load_dataset(dataset) if i.id in {r["id"] for r in records}]
    run = score_records(items, records, schema, Path(dataset).resolve(),
                        run_dir if write else None, {**info, "rescored": True})
    _write(run)
    return run
