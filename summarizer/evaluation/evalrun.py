"""The types an evaluation run shares: `EvalRun` and the files of a run directory.

Kept apart so that the runner (which makes runs), report.py and report_html.py (which
show them) all import from here and never from each other: no import circles.

A run directory holds everything needed to look at a run again without any model:
  predictions.jsonl  one batch record per article (summarizer.batch.records' format)
  report.json        the dataset path, the schema, all metrics, per-article scores
  report.html        a self-contained page: per-article diffs and highlighted article text
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.evaluation.metrics import Metrics, aggregate

if TYPE_CHECKING:
    import pandas as pd

    from summarizer.evaluation.dataset import DatasetItem
    from summarizer.evaluation.scoring import ArticleScore

__all__ = ["PREDICTIONS", "REPORT_HTML", "REPORT_JSON", "EvalRun", "split_result"]

# The files of a run directory.
PREDICTIONS, REPORT_JSON, REPORT_HTML = "predictions.jsonl", "report.json", "report.html"


def split_result(record: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """A record's result as (prediction: the contract's keys, or None when the article
    failed; meta: provenance, latency_s and timings, {} when there is none)."""
    result = dict(record.get("result") or {}) if record.get("status") == "ok" else None
    meta = dict((result or {}).pop("meta", None) or {})
    return result, meta


@dataclass
class EvalRun:
    """A scored run: what `evaluate` and `rescore` return.

    `items`, `records` and `scores` are parallel, in dataset order. A record is the
    article's batch record (`summarizer.batch.records`); `split_result` parts its result
    into the prediction (the contract's keys) and its `meta`.
    """

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
        if self.info.get("resumed"):
            return (f"{calls} model {noun} ({self.info['resumed']} of {n} articles finished "
                    f"by an earlier run of this directory, {cached} from cache)")
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
