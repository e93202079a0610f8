"""What the server can show of earlier work: past summaries and eval runs.

Past summaries come from the result cache (its sqlite file, read-only). That is the one
place that knows them today; `past_summaries` / `past_summary` are the only readers, so a
run log can replace the cache here without the server noticing.

Eval runs are the folders under the runs directory (`runs/eval/` by default) that hold a
`report.json`. A request names a run and one of its known files; `run_file` refuses any
name that is not a plain folder name and any path that resolves outside the runs folder
(`..`, absolute paths, symlinks pointing elsewhere).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from summarizer.cache import DB_NAME, default_cache_dir
from summarizer.evaluation.evalrun import PREDICTIONS, REPORT_HTML, REPORT_JSON

__all__ = ["RUN_FILES", "list_runs", "past_summaries", "past_summary", "run_file"]

RUN_FILES = (REPORT_JSON, REPORT_HTML, PREDICTIONS)
_RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
_KEY = re.compile(r"[0-9a-f]{64}")
# Headline metrics shown in the list of runs (report.json holds them all).
RUN_METRICS = ("participants.f1", "absentees.f1", "appointments.f1", "key_quotes.f1",
               "event.date_accuracy", "grounding.invented_quotes",
               "grounding.hallucinated_names", "cost.latency_s")


def _rows(sql: str, args: tuple[Any, ...], cache_dir: Path | None) -> list[tuple[Any, ...]]:
    db = (cache_dir or default_cache_dir()) / DB_NAME
    if not db.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=10.0)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:  # a locked or damaged cache shows as empty, not as a crash
        return []


def _entry(key: str, value: str, created: float) -> dict[str, Any] | None:
    try:
        result = json.loads(value)
    except ValueError:
        return None
    if not isinstance(result, dict):
        return None
    meta = result.get("meta") or {}
    event = result.get("event") or {}
    return {"key": key, "created": created, "schema": meta.get("schema_name"),
            "title": event.get("title"), "model": meta.get("model"),
            "backend": meta.get("backend"), "source": meta.get("source"),
            "chars": meta.get("chars"), "result": result}


def past_summaries(limit: int = 200, cache_dir: Path | None = None) -> list[dict[str, Any]]:
    """The newest past summaries, newest first, without their full results."""
    rows = _rows("SELECT key, value, created FROM results ORDER BY created DESC LIMIT ?",
                 (limit,), cache_dir)
    entries = (_entry(*row) for row in rows)
    return [{k: v for k, v in e.items() if k != "result"} for e in entries if e]


def past_summary(key: str, cache_dir: Path | None = None) -> dict[str, Any] | None:
    """One past summary (with `result`), or None for an unknown or malformed key."""
    if not _KEY.fullmatch(key):
        return None
    rows = _rows("SELECT key, value, created FROM results WHERE key = ?", (key,), cache_dir)
    return _entry(*rows[0]) if rows else None


def run_file(root: Path, name: str, file: str) -> Path | None:
    """`root/name/file` when it is a known run file inside `root`, else None."""
    if file not in RUN_FILES or not _RUN_NAME.fullmatch(name) or ".." in name:
        return None
    base = root.resolve()
    path = (base / name / file).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def list_runs(root: Path) -> list[dict[str, Any]]:
    """Eval runs under `root`, newest first, with their headline metrics."""
    if not root.is_dir():
        return []
    runs = []
    for folder in root.iterdir():
        report = run_file(root, folder.name, REPORT_JSON)
        if report is None:
            continue
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        metrics = data.get("metrics") or {}
        runs.append({
            "name": folder.name, "dataset": Path(str(data.get("dataset", ""))).name,
            "schema": data.get("schema"), "n_articles": data.get("n_articles"),
            "started": data.get("started"), "model": data.get("model"),
            "backend": data.get("backend"),
            "has_html": run_file(root, folder.name, REPORT_HTML) is not None,
            "metrics": {k: metrics[k] for k in RUN_METRICS if k in metrics},
        })
    runs.sort(key=lambda r: (str(r["started"] or ""), r["name"]), reverse=True)
    return runs
