"""HTML views of results: notebook cells, `summarize --format html`, and the eval report.

One stylesheet (`STYLE`) serves all three, so that names and quotes look the same
everywhere: names on blue, quotes on amber, a missed reference quote underlined red, and
an empty section said in words ("none stated"). Every view is self-contained: inline
CSS, no scripts, nothing fetched when it is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from pydantic import BaseModel

from summarizer.output.lines import event_lines, footer
from summarizer.parts import list_parts

__all__ = ["STYLE", "highlight_spans", "item_html", "result_html", "result_page"]

STYLE = """
.sz{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222}
.sz table{border-collapse:collapse;margin:.4em 0 1em}
.sz td,.sz th{border:1px solid #ccc;padding:3px 8px;vertical-align:top;text-align:left}
.sz th{background:#f3f3f3;font-weight:600}
.sz h3,.sz h4{margin:1em 0 .3em}
.sz .ok{color:#17702a}.sz .bad{color:#b00020}.sz .none{color:#777;font-style:italic}
.sz mark{border-radius:2px;padding:0 1px;color:inherit}
.sz mark.name,.sz .name{background:#cfe3ff}
.sz mark.quote,.sz .quote{background:#fde3a7}
.sz mark.missed{background:none;border-bottom:2px dashed #b00020}
.sz .article{white-space:pre-wrap;border:1px solid #ddd;padding:1em;background:#fcfcfc;
 max-height:80vh;overflow:auto}
.sz .side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.5em}
.sz .legend mark{margin-right:.6em}
.sz .meta{color:#666;font-size:12px}
.sz .num{text-align:right;font-variant-numeric:tabular-nums}
.sz table.heat td{min-width:4.5em}.sz table.heat th a{color:inherit}
.sz svg.plot{max-width:100%;height:auto}.sz h2{margin-top:1.6em}
.sz section{border-top:2px solid #888;margin-top:2em}
"""

_PARTS = {p.field: p for p in list_parts()}  # the list parts, by result field


def _dump(obj: BaseModel | dict[str, Any]) -> dict[str, Any]:
    return obj if isinstance(obj, dict) else obj.model_dump(mode="json")


def _text(value: Any) -> str:
    return '<span class="none">not stated</span>' if value in (None, "") else escape(str(value))


def _found(g: dict[str, Any] | None) -> str:
    if not g:
        return ""
    if g.get("status") == "not_found":
        return '<span class="bad">✗ not found</span>'
    return f'<span class="ok">✓ {escape(g["status"])} [{g["start"]}:{g["end"]}]</span>'


def _event_table(event: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{k}</th><td>{_text(None if v == 'not stated' else v)}</td></tr>"
                   for k, v in event_lines(event))
    return f'<table class="event">{rows}</table>'


def _item_cells(part: str, item: dict[str, Any]) -> str:
    cells = []
    for col in _PARTS[part].columns:
        value = item.get(col)
        if col == _PARTS[part].name_key and value:
            cells.append(f'<td><span class="name">{escape(str(value))}</span></td>')
        elif col == "text":
            cells.append(f'<td><span class="quote">{escape(str(value))}</span></td>')
        else:
            cells.append(f"<td>{_text(value)}</td>")
    return "".join(cells) + f"<td>{_found(item.get('grounding'))}</td>"


def _part_table(part: str, items: list[dict[str, Any]]) -> str:
    title = f"<h4>{_PARTS[part].title}</h4>"
    if not items:
        return title + '<p class="none">none stated</p>'
    head = "".join(f"<th>{c}</th>" for c in (*_PARTS[part].columns, "found"))
    body = "".join(f"<tr>{_item_cells(part, item)}</tr>" for item in items)
    return f'{title}<table class="{part}"><tr>{head}</tr>{body}</table>'


def highlight_spans(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """`text` as HTML with <mark class="..."> around each (start, end, class) span.

    Earlier and longer spans win; a span overlapping one already marked is dropped, so
    marks never nest.
    """
    out, pos = [], 0
    for start, end, cls in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if start < pos or end <= start:
            continue
        out += [escape(text[pos:start]), f'<mark class="{escape(cls)}">',
                escape(text[start:end]), "</mark>"]
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def _spans(data: dict[str, Any]) -> list[tuple[int, int, str]]:
    spans = []
    for part in _PARTS:
        for item in data.get(part) or []:
            for key, cls in (("grounding", "quote" if part == "key_quotes" else "name"),
                             ("speaker_grounding", "name")):
                g = item.get(key) or {}
                if g.get("start") is not None and g.get("end") is not None:
                    spans.append((g["start"], g["end"], cls))
    return spans


def _summary(data: dict[str, Any]) -> str:
    parts = []
    if "event" in data:
        title = (data["event"] or {}).get("title") or "Event"
        parts.append(f"<h3>{escape(title)}</h3>{_event_table(data['event'])}")
    parts += [_part_table(p, data[p]) for p in _PARTS if p in data]
    if not parts:  # a user's own schema: its fields, plainly
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{_text(v)}</td></tr>"
                       for k, v in data.items() if k != "meta")
        parts.append(f"<table>{rows}</table>")
    if data.get("meta"):
        parts.append(f'<p class="meta">{escape(footer(data["meta"]))}</p>')
        parts += [f'<p class="meta">note: {escape(w)}</p>'
                  for w in data["meta"].get("warnings", [])]
    return "".join(parts)


def result_html(result: BaseModel, *, style: bool = True) -> str:
    """A result as an HTML fragment: the summary beside the article, spans highlighted."""
    data = _dump(result)
    summary = _summary(data)
    article = getattr(result, "article", None)
    css = f"<style>{STYLE}</style>" if style else ""
    if not article:
        return f'<div class="sz sz-result">{css}{summary}</div>'
    legend = ('<p class="legend"><mark class="name">name</mark>'
              '<mark class="quote">quote</mark></p>')
    text = highlight_spans(article, _spans(data))
    return (f'<div class="sz sz-result">{css}<div class="side"><div class="summary">'
            f'{summary}</div><div><h4>Article</h4>{legend}<div class="article">{text}</div>'
            "</div></div></div>")


def item_html(item: BaseModel) -> str:
    """One Event, Participant, Absentee, Appointment or KeyQuote, for a notebook cell."""
    data = _dump(item)
    kind = type(item).__name__
    css = f"<style>{STYLE}</style>"
    if kind == "Event":
        return f'<div class="sz">{css}{_event_table(data)}</div>'
    part = next((p.field for p in _PARTS.values() if p.item is type(item)), None)
    if part is None:
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{_text(v)}</td></tr>"
                       for k, v in data.items())
        return f'<div class="sz">{css}<table>{rows}</table></div>'
    head = "".join(f"<th>{c}</th>" for c in (*_PARTS[part].columns, "found"))
    return (f'<div class="sz">{css}<table class="{part}"><tr>{head}</tr>'
            f"<tr>{_item_cells(part, data)}</tr></table></div>")


def result_page(results: Sequence[BaseModel]) -> str:
    """A whole HTML document for one or more results (`summarize --format html`)."""
    sources = [(getattr(getattr(r, "meta", None), "source", None) or "article")
               for r in results]
    title = sources[0] if len(results) == 1 else f"{len(results)} summaries"
    body = "".join(
        (f"<h2>{escape(str(src))}</h2>" if len(results) > 1 else "")
        + result_html(r, style=False) for r, src in zip(results, sources, strict=True))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width">'
            f"<title>{escape(str(title))}</title><style>body{{margin:1.5em auto;"
            f"max-width:1400px;padding:0 1em}}{STYLE}</style></head>"
            f'<body class="sz">{body}</body></html>\n')
