"""Evaluation harness: run a dataset through the summarizer and score it (EVAL.md).

    from summarizer.evaluation import evaluate
    run = evaluate("evals", out="runs/eval/today")
    run.metrics["participants.f1"]; run.to_dataframe()

Scoring is pure (`score_article`), so stored predictions can be re-scored (`rescore`)
without any model.
"""

from summarizer.evaluation.dataset import DatasetItem, Reference, load_dataset, load_reference
from summarizer.evaluation.metrics import aggregate, check_gates, metric_names
from summarizer.evaluation.report import Delta, compare, print_compare, print_run
from summarizer.evaluation.runner import EvalRun, evaluate, rescore, score_records
from summarizer.evaluation.scoring import ArticleScore, ListScore, score_article

__all__ = [
    "ArticleScore",
    "DatasetItem",
    "Delta",
    "EvalRun",
    "ListScore",
    "Reference",
    "aggregate",
    "check_gates",
    "compare",
    "evaluate",
    "load_dataset",
    "load_reference",
    "metric_names",
    "print_compare",
    "print_run",
    "rescore",
    "score_article",
    "score_records",
]
