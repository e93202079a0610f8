"""report.html: one self-contained page (inline CSS, no scripts, no external assets).

Per article: the event field by field, each list as reference vs prediction with a verdict
per row, and the article text with the predicted quotes and names highlighted where the
scorer found them (its own search, not the prediction's offsets).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from summarizer.evaluation.matching import locate_quote

if TYPE_CHECKING:
    from summarizer.evaluation.dataset import DatasetItem
    from summarizer.evaluation.runner import EvalRun
    from summarizer.evaluation.scoring import ArticleScore, ListScore

__all__ = ["highlight", "report_html", "summary_html"]

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;
vertical-align:top;text-align:left}th{background:#f3f3f3}.ok{color:#17702a}.bad{color:#b00020}
.neutral{color:#777}mark.quote{background:#c9f2c9}mark.name{background:#cfe3ff}
mark.missed{background:none;border-bottom:2px dashed #b00020}
.article{white-space:pre-wrap;border:1px solid #ddd;padding:1em;background:#fcfcfc}
section{border-top:2px solid #888;margin-top:2em}code{font-size:12px}
"""


def _metrics_rows(metrics: dict[str, Any]) -> str:
    def cell(v: Any) -> str:
        return "–" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    return "".join(f"<tr><td>{escape(k)}</td><td>{cell(v)}</td></tr>"
                   for k, v in metrics.items())


def summary_html(run: EvalRun) -> str:
    """The run's metrics as an HTML table (also the notebook view of an EvalRun)."""
    return (f"<p><b>{escape(run.dataset.name)}</b>: {len(run.scores)} articles, schema "
            f"{escape(run.schema)}; {escape(run.calls_summary())}</p>"
            f"<table><tr><th>metric</th><th>value</th></tr>{_metrics_rows(run.metrics)}"
            "</table>")


def _name_spans(name: str, text: str) -> list[tuple[int, int]]:
    words = [w for w in re.split(r"[\s.,]+", name) if w]
    for candidate in (words, words[-1:]):
        if candidate:
            pattern = r"\b" + r"[\s.,]+".join(re.escape(w) for w in candidate) + r"\b"
            found = [m.span() for m in re.finditer(pattern, text, flags=re.IGNORECASE)]
            if found:
                return found
    return []


def highlight(text: str, quotes: Sequence[str], names: Sequence[str],
              missed: Sequence[str] = ()) -> str:
    """The article as HTML with <mark class="quote|name|missed"> around the found spans."""
    spans: list[tuple[int, int, str]] = []
    for quote in quotes:
        where = locate_quote(quote, text)
        if where:
            spans.append((*where, "quote"))
    for quote in missed:
        where = locate_quote(quote, text)
        if where:
            spans.append((*where, "missed"))
    for name in names:
        spans += [(s, e, "name") for s, e in _name_spans(name, text)]
    # Earlier and longer spans win; overlapping later ones are dropped (no nested marks).
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out, pos = [], 0
    for start, end, cls in spans:
        if start < pos:
            continue
        out += [escape(text[pos:start]), f'<mark class="{cls}">', escape(text[start:end]),
                "</mark>"]
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def _describe(kind: str, item: Any) -> str:
    if item is None:
        return ""
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    if kind == "key_quotes":
        return f"“{get('text')}” — {get('speaker') or '(no speaker)'}"
    if kind == "appointments":
        return f"{get('person')} — {get('position')}, {get('organization') or '–'}"
    extra = ", ".join(str(v) for v in (get("role"), get("affiliation")) if v)
    reason = get("reason")
    return (f"{get('name') or '(unnamed)'} ({extra})"
            + (f"; reason: {reason}" if reason else ""))


def _list_table(kind: str, refs: list[Any], preds: list[Any], score: ListScore) -> str:
    rows = []
    for r, p in score.matches:
        verdict = "optional, found" if refs[r].optional else "match"
        rows.append(("ok", verdict, refs[r], preds[p]))
    rows += [("bad", "missed", refs[r], None) for r in score.missed]
    rows += [("bad", "false positive", None, preds[p]) for p in score.false_positives]
    matched = {p for _, p in score.matches}
    rows += [("neutral", "not scored", None, preds[p]) for p in score.ignored
             if p not in matched]
    body = "".join(
        f'<tr><td class="{cls}">{verdict}</td><td>{escape(_describe(kind, ref))}</td>'
        f"<td>{escape(_describe(kind, pred))}</td></tr>" for cls, verdict, ref, pred in rows)
    return (f"<h4>{escape(kind)}: P {score.precision:.2f} R {score.recall:.2f} "
            f"F1 {score.f1:.2f}</h4><table><tr><th>verdict</th><th>reference</th>"
            f"<th>prediction</th></tr>{body}</table>")


def _event_table(item: DatasetItem, pred: dict[str, Any] | None, score: ArticleScore) -> str:
    ref = item.reference.event
    ev = (pred or {}).get("event") or {}
    loc = ev.get("location") or {}
    rows = [("title", ref.title, ev.get("title"), score.event.get("title")),
            ("type", ref.type, ev.get("type"), score.event.get("type")),
            ("date", ref.date, ev.get("date"), score.event.get("date")),
            ("city", ref.location.city, loc.get("city"), score.event.get("city")),
            ("country", ref.location.country, loc.get("country"), score.event.get("country")),
            ("venue", ref.location.venue, loc.get("venue"), None)]
    body = "".join(
        f"<tr><td>{name}</td><td>{escape(str(a))}</td><td>{escape(str(b))}</td>"
        f'<td class="{"ok" if ok else "bad" if ok is not None else "neutral"}">'
        f'{"✓" if ok else "✗" if ok is not None else ""}</td></tr>'
        for name, a, b, ok in rows)
    return ("<h4>event</h4><table><tr><th>field</th><th>reference</th><th>prediction</th>"
            f"<th></th></tr>{body}</table>")


def _article_section(item: DatasetItem, record: dict[str, Any], score: ArticleScore,
                     metrics: dict[str, Any]) -> str:
    pred = record.get("prediction") if score.valid else None
    pred = pred or {}
    parts = [f'<section id="{escape(item.id)}"><h3>{escape(item.id)}</h3>']
    if not score.valid:
        parts.append(f'<p class="bad">no valid prediction: {escape(score.error or "")}</p>')
    if score.event:
        parts.append(_event_table(item, pred, score))
    refs_of: dict[str, Sequence[Any]] = {"participants": item.reference.participants,
               "absentees": item.reference.absentees,
               "appointments": item.reference.appointments,
               "key_quotes": item.reference.key_quotes}
    for kind, refs in refs_of.items():
        if kind in score.lists:
            parts.append(_list_table(kind, list(refs), list(pred.get(kind) or []),
                                     score.lists[kind]))
    g = score.grounding
    if g.hallucinated_names or g.invented_quotes:
        parts.append('<p class="bad">not in the article: '
                     + escape("; ".join([*g.hallucinated_names, *g.invented_quotes])) + "</p>")
    quotes = [q.get("text", "") for q in pred.get("key_quotes") or []]
    names = [p.get("name") for k in ("participants", "absentees") for p in pred.get(k) or []]
    names += [a.get("person") for a in pred.get("appointments") or []]
    missed = [item.reference.key_quotes[i].text
              for i in score.lists.get("key_quotes", _NO_LIST).missed]
    parts.append("<details><summary>metrics</summary><table>"
                 f"{_metrics_rows(metrics)}</table></details>")
    parts.append('<h4>article</h4><p><mark class="quote">predicted quote</mark> '
                 '<mark class="name">predicted name</mark> '
                 '<mark class="missed">missed reference quote</mark></p>')
    parts.append('<div class="article">'
                 + highlight(item.text, quotes, [n for n in names if n], missed)
                 + "</div></section>")
    return "".join(parts)


class _NoList:
    missed: list[int] = []  # noqa: RUF012 - a read-only stand-in for a missing ListScore


_NO_LIST = _NoList()


def report_html(run: EvalRun) -> str:
    per_article = run.per_article()
    index = "".join(f'<li><a href="#{escape(s.id)}">{escape(s.id)}</a>'
                    + ("" if s.valid else ' <span class="bad">(failed)</span>') + "</li>"
                    for s in run.scores)
    sections = "".join(
        _article_section(item, record, score, per_article[score.id])
        for item, record, score in zip(run.items, run.records, run.scores, strict=True))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>eval '
            f"{escape(run.dataset.name)}</title><style>{_CSS}</style></head><body>"
            f"<h1>Evaluation: {escape(run.dataset.name)}</h1>{summary_html(run)}"
            f"<ul>{index}</ul>{sections}</body></html>")
