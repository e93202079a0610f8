"""Many summaries as a pandas DataFrame, for notebooks.

    from summarizer import to_dataframe
    to_dataframe(results, "participants")   # one row per person named in any result
    to_dataframe(results, "key_quotes")     # one row per quote
    to_dataframe(results, "event")          # one row per article

`results` are result objects (`summarize(...)`), their JSON dicts, or batch records
(`{"status": "ok", "result": {...}}`, e.g. the lines of `summarize DIR --out r.jsonl`);
failed records are skipped. Each row says which article it came from (`source`) and
where its text was found (`status`, `start`, `end`; empty when not found).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from summarizer.parts import columns

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["to_dataframe"]

_COLUMNS = columns()  # result field -> an item's columns, from the parts registry


def _as_dict(result: Any) -> dict[str, Any] | None:
    data = result.model_dump(mode="json") if hasattr(result, "model_dump") else dict(result)
    if "status" in data and "result" in data:  # a batch record
        return data["result"] if data["status"] == "ok" else None
    return data


def to_dataframe(results: Any, part: str = "participants") -> pd.DataFrame:
    """One row per item of `part` across `results` (one row per article for "event")."""
    import pandas as pd  # optional dependency: pip install "summarizer[notebook]"

    part = {"quotes": "key_quotes"}.get(part, part)
    if part not in (*_COLUMNS, "event"):
        raise ValueError(f"part must be one of: event, {', '.join(_COLUMNS)}")
    items = [results] if hasattr(results, "model_dump") or isinstance(results, dict) \
        else list(results if isinstance(results, Iterable) else [results])
    rows: list[dict[str, Any]] = []
    for result in items:
        data = _as_dict(result)
        if data is None:
            continue
        meta = data.get("meta") or {}
        source = meta.get("source")
        if part == "event":
            event = data.get("event") or {}
            where = event.get("location") or {}
            rows.append({"source": source, "title": event.get("title"),
                         "type": event.get("type"), "date": event.get("date"),
                         "venue": where.get("venue"), "city": where.get("city"),
                         "country": where.get("country"), "model": meta.get("model")})
            continue
        for item in data.get(part) or []:
            g = item.get("grounding") or {}
            rows.append({"source": source, **{c: item.get(c) for c in _COLUMNS[part]},
                         "status": g.get("status"), "start": g.get("start"),
                         "end": g.get("end")})
    columns = ["source", *(("title", "type", "date", "venue", "city", "country", "model")
                           if part == "event" else (*_COLUMNS[part], "status", "start", "end"))]
    return pd.DataFrame(rows, columns=columns)
