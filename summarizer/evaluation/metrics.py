"""Dataset-level metrics: micro-averaged P/R/F1 and accuracies, as one flat dict.

Metric names are `FIELD.METRIC` (e.g. `participants.f1`), the names `--fail-under` takes.
A rate over nothing is 1.0 where "nothing" cannot be wrong (precision of an empty
prediction, grounding of no quotes) and None where it is simply not measured (role
accuracy without a single matched pair).
"""

from __future__ import annotations

from collections.abc import Sequence

from summarizer.evaluation.scoring import ArticleScore, ListScore, scored_fields

__all__ = [
    "LOWER_IS_BETTER", "METRIC_HELP", "Metrics", "aggregate", "check_gates", "metric_names",
    "parse_gate", "prf",
]

Metrics = dict[str, float | None]

_ATTRIBUTES = {"participants": ("role", "affiliation"), "absentees": ("role", "affiliation"),
               "appointments": ("organization",)}
_EVENT = ("date", "city", "country", "type", "title")

# Shown in `summarize eval --help`: what a gate can be put on.
METRIC_HELP = (
    "participants|absentees|appointments.{precision,recall,f1}; "
    "participants|absentees.{role_accuracy,affiliation_accuracy}; "
    "appointments.organization_accuracy; "
    "key_quotes.{precision,recall,f1,attributed_precision,attributed_recall,attributed_f1}; "
    "event.{date,city,country,type,title}_accuracy, event.title_similarity; "
    "grounding.{quote_verbatim_rate,name_grounded_rate}; schema.validity"
)

LOWER_IS_BETTER = (
    ".fp", ".fn", "grounding.hallucinated_names", "grounding.invented_quotes",
    "grounding.overclaimed", "confusion.", "cost.",
)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1; an empty side counts as perfect (nothing claimed, nothing due)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _ratio(num: float, den: float, empty: float | None) -> float | None:
    return num / den if den else empty


def _lists(scores: Sequence[ArticleScore], key: str, out: Metrics, prefix: str,
           name: str) -> None:
    parts: list[ListScore] = [s.lists[key] for s in scores if key in s.lists]
    tp, fp, fn = (sum(getattr(x, a) for x in parts) for a in ("tp", "fp", "fn"))
    p, r, f = prf(tp, fp, fn)
    out.update({f"{prefix}.{name}precision": p, f"{prefix}.{name}recall": r,
                f"{prefix}.{name}f1": f})
    if not name:
        out.update({f"{prefix}.tp": tp, f"{prefix}.fp": fp, f"{prefix}.fn": fn})
    pairs = sum(len(x.matches) for x in parts)
    for attr in _ATTRIBUTES.get(key, ()):
        right = sum(x.correct.get(attr, 0) for x in parts)
        out[f"{prefix}.{attr}_accuracy"] = _ratio(right, pairs, None)


def aggregate(scores: Sequence[ArticleScore], schema: str = "brief") -> Metrics:
    """All metrics of a run (or of one article: pass a one-element list)."""
    fields = scored_fields(schema)
    out: Metrics = {}
    n = len(scores)
    for key in ("participants", "absentees", "appointments"):
        if key in fields:
            _lists(scores, key, out, key, "")
    if "key_quotes" in fields:
        _lists(scores, "key_quotes", out, "key_quotes", "")
        _lists(scores, "key_quotes_attributed", out, "key_quotes", "attributed_")
    if "event" in fields:
        for name in _EVENT:
            out[f"event.{name}_accuracy"] = _ratio(
                sum(s.event.get(name, 0.0) for s in scores), n, None)
        # "Both null" counts as right above; over the references that state a day, a
        # summarizer that never gives a date scores 0 here.
        dated = [s for s in scores if s.event.get("has_date")]
        out["event.date_accuracy_dated"] = _ratio(
            sum(s.event.get("date", 0.0) for s in dated), len(dated), None)
        out["event.title_similarity"] = _ratio(
            sum(s.event.get("title_similarity", 0.0) for s in scores), n, None)
    g = [s.grounding for s in scores]
    out["grounding.quote_verbatim_rate"] = _ratio(sum(x.quotes_verbatim for x in g),
                                                  sum(x.quotes for x in g), 1.0)
    out["grounding.name_grounded_rate"] = _ratio(sum(x.names_found for x in g),
                                                 sum(x.names for x in g), 1.0)
    out["grounding.hallucinated_names"] = sum(len(x.hallucinated_names) for x in g)
    out["grounding.invented_quotes"] = sum(len(x.invented_quotes) for x in g)
    out["grounding.overclaimed"] = sum(x.overclaimed for x in g)
    if "participants" in fields and "absentees" in fields:
        for name in ("absent_as_participant", "participant_as_absent"):
            out[f"confusion.{name}"] = sum(len(s.confusion.get(name, [])) for s in scores)
    out["schema.validity"] = _ratio(sum(s.valid for s in scores), n, None)
    u = [s.usage for s in scores]
    latencies = [x.get("latency_s", 0.0) for x in u]
    costs = [x["cost_usd"] for x in u if x.get("cost_usd") is not None]
    out.update({
        "cost.latency_s": _ratio(sum(latencies), n, None),
        "cost.latency_s_max": max(latencies, default=None),
        "cost.prompt_tokens": sum(x.get("prompt_tokens", 0) for x in u),
        "cost.completion_tokens": sum(x.get("completion_tokens", 0) for x in u),
        "cost.retries": sum(x.get("retries", 0) for x in u),
        "cost.cost_usd": sum(costs) if costs else None,
        "cost.model_calls": sum(x.get("calls", 0) for x in u),
        "cost.cached": sum(bool(x.get("cached")) for x in u),
    })
    return out


def metric_names(schema: str = "brief") -> list[str]:
    """Every metric a run of `schema` reports."""
    return list(aggregate([], schema))


def parse_gate(text: str) -> tuple[str, float]:
    """`participants.f1=0.8` -> ("participants.f1", 0.8); ValueError when malformed."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"expected FIELD.METRIC=VALUE, got {text!r}")
    return name.strip(), float(value)


def check_gates(metrics: Metrics, gates: dict[str, float]) -> list[str]:
    """One line per metric below its threshold (a metric not measured fails too)."""
    failed = []
    for name, threshold in gates.items():
        value = metrics.get(name)
        if value is None:
            failed.append(f"{name} = n/a (not measured) < {threshold:g}")
        elif value < threshold:
            failed.append(f"{name} = {value:.3f} < {threshold:g}")
    return failed
