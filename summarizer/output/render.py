"""Rendering results: JSON, JSONL, YAML, Markdown, a rich terminal view, and HTML.

JSON keeps everything (contract keys, grounding, meta); `summarizer.schemas.strip_extras`
gives the bare contract of OUTPUT.md. The rich view and HTML show, per item, whether it was
found in the article: a check mark with its character span, or a cross.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import BaseModel
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from summarizer.errors import ConfigError
from summarizer.output.lines import event_lines, footer
from summarizer.parts import columns

__all__ = ["FORMATS", "render", "rich_view", "to_html"]

FORMATS = ("json", "jsonl", "yaml", "markdown", "table", "html")
COLUMNS = columns()  # result field -> an item's columns, from the parts registry


def _dump(result: BaseModel) -> dict[str, Any]:
    data = result.model_dump(mode="json")
    if "meta" in data:  # the contract's keys first, provenance last
        data["meta"] = data.pop("meta")
    return data


def render(result: BaseModel, fmt: str) -> str:
    """The result as text in one of FORMATS (`table` gives plain text; use rich_view)."""
    data = _dump(result)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    if fmt == "jsonl":
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if fmt == "yaml":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if fmt == "markdown":
        return _markdown(data)
    if fmt == "html":
        from summarizer.output.page import result_page

        return result_page([result])
    if fmt == "table":
        import io

        from rich.console import Console

        console = Console(width=120, file=io.StringIO())
        console.print(rich_view(result))
        return console.file.getvalue()  # type: ignore[attr-defined]
    raise ConfigError(f"unknown format {fmt!r}", hint=f"choose one of: {', '.join(FORMATS)}")


def _mark(item: dict[str, Any], key: str = "grounding") -> str:
    g = item.get(key)
    if not g:
        return ""
    if g.get("status") == "not_found":
        return "✗ not found"
    return f"✓ {g['status']} [{g['start']}:{g['end']}]"


def _markdown(data: dict[str, Any]) -> str:
    lines: list[str] = []
    if "event" in data:
        lines.append(f"## {data['event'].get('title', 'Event')}\n")
        lines += [f"- **{k}**: {v}" for k, v in event_lines(data["event"])]
        lines.append("")
    for part in COLUMNS:
        if part not in data:
            continue
        cols = COLUMNS[part]
        lines.append(f"### {part.replace('_', ' ').title()}\n")
        if not data[part]:
            lines += ["_none stated_", ""]
            continue
        lines.append("| " + " | ".join((*cols, "found")) + " |")
        lines.append("|" + "---|" * (len(cols) + 1))
        for item in data[part]:
            cells = [str(item.get(c) or "").replace("|", "\\|").replace("\n", " ")
                     for c in cols]
            lines.append("| " + " | ".join((*cells, _mark(item))) + " |")
        lines.append("")
    if data.get("meta"):
        lines.append(f"_{footer(data['meta'])}_")
    return "\n".join(lines).rstrip() + "\n"


def rich_view(result: BaseModel) -> Any:
    """A rich renderable for the terminal."""
    data = _dump(result)
    blocks: list[Any] = []
    if "event" in data:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan")
        grid.add_column()
        for key, value in event_lines(data["event"]):
            grid.add_row(key, value)
        blocks.append(Panel(grid, title="Event", title_align="left"))
    for part in COLUMNS:
        if part not in data:
            continue
        table = Table(title=part.replace("_", " ").title(), title_justify="left",
                      expand=True, show_lines=part == "key_quotes")
        for col in COLUMNS[part]:
            table.add_column(col, overflow="fold", ratio=3 if col in ("text", "reason") else 1)
        table.add_column("found", no_wrap=True)
        for item in data[part]:
            mark = _mark(item)
            style = "red" if mark.startswith("✗") else "green"
            table.add_row(*(str(item.get(c) or "–") for c in COLUMNS[part]),
                          Text(mark, style=style))
        if not data[part]:  # a row of dashes reads like a nameless person
            table.add_row(Text("none stated", style="dim italic"),
                          *([""] * len(COLUMNS[part])))
        blocks.append(table)
    if not blocks:  # a user's own schema
        blocks.append(json.dumps(data, ensure_ascii=False, indent=2))
    if data.get("meta"):
        blocks.append(Text(footer(data["meta"]), style="dim"))
        for warning in data["meta"].get("warnings", []):
            blocks.append(Text(f"note: {warning}", style="yellow"))
    return Group(*blocks)


def to_html(result: BaseModel) -> str:
    """Self-contained HTML: the summary beside the article with grounded spans marked."""
    from summarizer.output.page import result_html

    return result_html(result)
