"""The words every view of a result shares: the event's lines and the provenance footer."""

from __future__ import annotations

from typing import Any

__all__ = ["event_lines", "footer"]


def event_lines(event: dict[str, Any]) -> list[tuple[str, str]]:
    loc = event.get("location") or {}
    where = ", ".join(v for v in (loc.get("venue"), loc.get("city"), loc.get("country")) if v)
    when = event.get("date") or "not stated"
    if event.get("date_evidence"):
        when += f'  (from "{event["date_evidence"]["expression"]}")'
    return [("title", event.get("title", "")), ("type", event.get("type", "")),
            ("date", when), ("where", where or "not stated"),
            ("summary", event.get("summary", ""))]


def footer(meta: dict[str, Any] | None) -> str:
    if not meta:
        return ""
    usage = meta.get("usage") or {}
    cached = " (from cache)" if meta.get("cached") else ""
    return (f"model: {meta['model']} ({meta['backend']}){cached} · "
            f"{usage.get('calls', 0)} calls, {usage.get('completion_tokens', 0)} tokens out, "
            f"{meta.get('latency_s', 0):.1f} s")
