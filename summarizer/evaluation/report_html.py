"""report.html: one self-contained page (inline CSS and SVG, no scripts, no external assets).

It opens with what can be read at a glance: precision/recall/F1 per field (a table and
bars), a per-article x field heat table, and a latency histogram; the full metric list
is folded away. The stylesheet is `summarizer.output.page.STYLE`, shared with the notebook
views and `summarize --format html`. Then, per article: the event field by field, each
list as reference vs prediction with a verdict per row, and the article text with the
predicted quotes and names highlighted where the scorer found them (its own search, not
the prediction's offsets).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from summarizer.evaluation.evalrun import split_result
from summarizer.evaluation.matching import quote_span
from summarizer.output.page import STYLE

if TYPE_CHECKING:
    from summarizer.evaluation.dataset import DatasetItem
    from summarizer.evaluation.evalrun import EvalRun
    from summarizer.evaluation.scoring import ArticleScore, ListScore

__all__ = ["field_table", "highlight", "report_html", "summary_html"]

_HEAT = (("participants F1", "participants.f1"), ("absentees F1", "absentees.f1"),
         ("appointments F1", "appointments.f1"), ("quotes F1", "key_quotes.f1"),
         ("attributed quotes F1", "key_quotes.attributed_f1"),
         ("date", "event.date_accuracy"), ("type", "event.type_accuracy"),
         ("title similarity", "event.title_similarity"),
         ("quotes verbatim", "grounding.quote_verbatim_rate"))


def _num(v: Any) -> str:
    return "–" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))


def field_table(m: dict[str, Any]) -> str:
    """Precision, recall and F1 per list field (the report's first table)."""
    from summarizer.evaluation.plots import LIST_FIELDS

    rows = []
    for f in LIST_FIELDS:
        if f"{f}.f1" not in m:
            continue
        rows.append((f.replace("_", " "), m[f"{f}.precision"], m[f"{f}.recall"], m[f"{f}.f1"],
                     f"{m[f'{f}.tp']} / {m[f'{f}.fp']} / {m[f'{f}.fn']}"))
        if f == "key_quotes":
            rows.append(("quotes with speaker", m["key_quotes.attributed_precision"],
                         m["key_quotes.attributed_recall"], m["key_quotes.attributed_f1"], ""))
    body = "".join(f"<tr><th>{escape(n)}</th><td class=num>{_num(p)}</td><td class=num>"
                   f"{_num(r)}</td><td class=num><b>{_num(f1)}</b></td><td class=num>{c}</td>"
                   "</tr>" for n, p, r, f1, c in rows)
    return ('<table class="fields"><tr><th>field</th><th>precision</th><th>recall</th>'
            f"<th>F1</th><th>tp / fp / fn</th></tr>{body}</table>")


def _heat_table(run: EvalRun) -> str:
    from summarizer.evaluation.plots import heat_color

    per_article = run.per_article()
    columns = [(label, key) for label, key in _HEAT if key in run.metrics]
    head = "".join(f"<th>{escape(label)}</th>" for label, _ in columns)
    rows = []
    for score in run.scores:
        m = per_article[score.id]
        cells = "".join(f'<td class=num style="background:{heat_color(m.get(key))}">'
                        f"{_num(m.get(key))}</td>" for _, key in columns)
        failed = "" if score.valid else ' <span class="bad">(failed)</span>'
        rows.append(f'<tr><th><a href="#{escape(score.id)}">{escape(score.id)}</a>{failed}'
                    f"</th>{cells}</tr>")
    return (f'<table class="heat"><tr><th>article</th>{head}</tr>{"".join(rows)}</table>')


def _overview(run: EvalRun) -> str:
    from summarizer.evaluation.plots import f1_bars, latency_histogram

    m = run.metrics
    g = (f"{m.get('grounding.hallucinated_names', 0)} hallucinated names, "
         f"{m.get('grounding.invented_quotes', 0)} invented quotes, schema validity "
         f"{_num(m.get('schema.validity'))}")
    latencies = [split_result(r)[1].get("latency_s") for r in run.records]
    return ("<h2>Per field</h2>"
            f'<div class="side"><div>{field_table(m)}<p>{escape(g)}</p></div>'
            f'<div class="figure">{f1_bars(m)}</div></div>'
            "<h2>Per article</h2>"
            "<p>Each cell is that article's score; red is 0, green is 1, grey is not "
            "measured. Click an article for its diff.</p>" + _heat_table(run)
            + f'<h2>Latency</h2><div class="figure">{latency_histogram(latencies)}</div>'
            + _timings_html(run)
            + f"<details><summary>all {len(m)} metrics</summary><table>"
            f"<tr><th>metric</th><th>value</th></tr>{_metrics_rows(m)}</table></details>")


def _timings_html(run: EvalRun) -> str:
    """Time per stage (median, max, total) and the slowest articles with their breakdown."""
    from summarizer.evaluation.report import STAGE_LABELS, STAGES, stage_timings

    t = stage_timings(run.records)
    if not t["n"]:
        return ""
    rows = "".join(
        f"<tr><td>{escape('article (all)' if k == 'total_s' else STAGE_LABELS[k])}</td>"
        + "".join(f"<td class=num>{v[x]:.3f}</td>" for x in ("median", "max", "total"))
        + "</tr>" for k, v in t["stages"].items())
    head = "".join(f"<th>{escape(STAGE_LABELS[k])}</th>" for k in STAGES)
    slow = []
    for r in t["slowest"]:
        calls = ", ".join(f"{c.get('part')} {float(c.get('s') or 0):.2f} s" for c in r["calls"])
        why = STAGE_LABELS[r["why"]] + (f" ({calls})" if r["why"] == "calls_s" and calls
                                        else "")
        cells = "".join(f"<td class=num>{r['stages'][k]:.3f}</td>" for k in STAGES)
        slow.append(f'<tr><th><a href="#{escape(str(r["id"]))}">{escape(str(r["id"]))}</a>'
                    f"</th><td class=num>{r['total_s']:.3f}</td>"
                    f"<td class=num>{escape(str(r['chars'] or ''))}</td>{cells}"
                    f"<td>{escape(why)}</td></tr>")
    return (f"<h3>Time per stage ({t['n']} articles timed, seconds)</h3>"
            "<table><tr><th>stage</th><th>median</th><th>max</th><th>total</th></tr>"
            f"{rows}</table><h3>Slowest articles</h3><table><tr><th>article</th>"
            f"<th>total</th><th>chars</th>{head}<th>most time in</th></tr>{''.join(slow)}"
            "</table>")


def _metrics_rows(metrics: dict[str, Any]) -> str:
    def cell(v: Any) -> str:
        return "not measured" if v is None else (f"{v:.3f}" if isinstance(v, float)
                                                 else str(v))

    return "".join(f"<tr><td>{escape(k)}</td><td>{cell(v)}</td></tr>"
                   for k, v in metrics.items())


def summary_html(run: EvalRun) -> str:
    """The notebook view of an EvalRun: the per-field table and its F1 bars."""
    from summarizer.evaluation.plots import f1_bars

    return (f'<div class="sz"><style>{STYLE}</style><p><b>{escape(run.dataset.name)}</b>: '
            f"{len(run.scores)} articles, schema {escape(run.schema)}; "
            f"{escape(run.calls_summary())}</p>"
            f'<div class="side"><div>{field_table(run.metrics)}</div>'
            f"<div>{f1_bars(run.metrics)}</div></div>"
            f"<details><summary>all {len(run.metrics)} metrics</summary><table><tr><th>"
            f"metric</th><th>value</th></tr>{_metrics_rows(run.metrics)}</table></details>"
            "</div>")


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
        where = quote_span(quote, text)
        if where:
            spans.append((*where, "quote"))
    for quote in missed:
        where = quote_span(quote, text)
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


def _stated(value: Any) -> str:
    return '<span class="none">not stated</span>' if value in (None, "") else \
        escape(str(value))


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
        f"<tr><td>{name}</td><td>{_stated(a)}</td><td>{_stated(b)}</td>"
        f'<td class="{"ok" if ok else "bad" if ok is not None else "neutral"}">'
        f'{"✓" if ok else "✗" if ok is not None else ""}</td></tr>'
        for name, a, b, ok in rows)
    return ("<h4>event</h4><table><tr><th>field</th><th>reference</th><th>prediction</th>"
            f"<th></th></tr>{body}</table>")


def _article_section(item: DatasetItem, record: dict[str, Any], score: ArticleScore,
                     metrics: dict[str, Any]) -> str:
    pred = (split_result(record)[0] if score.valid else None) or {}
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
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>eval '
            f"{escape(run.dataset.name)}</title><style>{_PAGE_CSS}{STYLE}</style></head>"
            f'<body class="sz"><h1>Evaluation: {escape(run.dataset.name)}</h1>'
            f"{_headline(run)}{_overview(run)}"
            f"<h2>Articles</h2><ul>{index}</ul>{sections}</body></html>")


_PAGE_CSS = "body{margin:2em auto;max-width:1200px;padding:0 1em}"


def _headline(run: EvalRun) -> str:
    model = run.info.get("model") or run.info.get("backend") or ""
    return (f"<p>{len(run.scores)} articles, schema {escape(run.schema)}"
            + (f", model {escape(str(model))}" if model else "")
            + f"; {escape(run.calls_summary())}</p>")


def compare_html(deltas: Sequence[Any], labels: tuple[str, str]) -> str:
    """A page for `summarize eval compare --html`: per-field deltas (table and bars)."""
    from summarizer.evaluation.plots import LIST_FIELDS, delta_bars

    by_name = {d.metric: d for d in deltas}
    rows, f1 = [], {}
    for f in LIST_FIELDS:
        if f"{f}.f1" not in by_name:
            continue
        cells = []
        for metric in ("precision", "recall", "f1"):
            d = by_name[f"{f}.{metric}"]
            cls = {True: "ok", False: "bad"}.get(d.better, "") if d.better is not None else ""
            delta = "–" if d.delta is None else f"{d.delta:+.3f}"
            cells.append(f"<td class=num>{_num(d.a)}</td><td class=num>{_num(d.b)}</td>"
                         f'<td class="num {cls}">{delta}</td>')
        f1[f] = by_name[f"{f}.f1"].delta
        rows.append(f"<tr><th>{escape(f.replace('_', ' '))}</th>{''.join(cells)}</tr>")
    a, b = (escape(x) for x in labels)
    sub = "".join(f"<th>{a}</th><th>{b}</th><th>Δ</th>" for _ in range(3))
    table = ('<table class="fields"><tr><th rowspan=2>field</th><th colspan=3>precision</th>'
             '<th colspan=3>recall</th><th colspan=3>F1</th></tr>'
             f"<tr>{sub}</tr>{''.join(rows)}</table>")
    every = "".join(
        f"<tr><td>{escape(d.metric)}</td><td class=num>{_num(d.a)}</td><td class=num>"
        f"{_num(d.b)}</td><td class=num>{'–' if d.delta is None else f'{d.delta:+.3f}'}"
        "</td></tr>" for d in deltas)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{b} vs {a}'
            f"</title><style>{_PAGE_CSS}{STYLE}</style></head><body class=\"sz\">"
            f"<h1>{b} vs {a}</h1><h2>Per field</h2>{table}"
            f'<div class="figure">{delta_bars(f1, labels)}</div>'
            f"<details><summary>all {len(deltas)} metrics</summary><table><tr><th>metric</th>"
            f"<th>{a}</th><th>{b}</th><th>Δ</th></tr>{every}</table></details></body></html>")
