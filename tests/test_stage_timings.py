"""The eval report says where the time went: per-stage medians and maxima, and the slowest
articles with their stage breakdown (the stage that took the most named)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from rich.console import Console

from summarizer.evaluation.report import _timing_tables, stage_timings
from summarizer.evaluation.report_html import _timings_html


def record(id: str, latency: float, parse: float, calls: list[float],
           wait: float = 0.0) -> dict[str, Any]:
    timings = {"text_wait_s": wait, "text_s": parse + 0.01, "parse_s": parse,
               "candidates_s": 0.005, "calls": [{"part": "event", "s": s} for s in calls],
               "assemble_s": 0.002}
    return {"id": id, "status": "ok", "result": {"meta": {
        "latency_s": latency, "timings": timings, "chars": 1000}}}


RECORDS = [
    record("quick", 0.1, 0.05, []),
    record("parse-heavy", 3.0, 2.9, []),
    record("chatty", 4.0, 0.05, [1.5, 2.4]),
    {"id": "failed", "status": "error", "result": None,  # no timings
     "error": {"type": "BackendError", "message": "boom", "attempts": 1, "exit_code": 4}},
    {"id": "batch", "status": "ok", "result": {"meta": {"latency_s": 0.3, "timings": {
        "text_wait_s": 0.2, "text_s": 0.05, "parse_s": 0.04, "candidates_s": 0.005,
        "calls": [], "assemble_s": 0.001}}}},
]


def test_medians_maxima_and_the_slowest_articles_with_why() -> None:
    t = stage_timings(RECORDS, slowest=3)
    assert t["n"] == 4  # the failed article has no timings
    assert t["stages"]["parse_s"]["max"] == 2.9
    assert t["stages"]["calls_s"]["max"] == 3.9  # the calls of one article, summed
    assert [r["id"] for r in t["slowest"]] == ["chatty", "parse-heavy", "batch"]
    why = {r["id"]: r["why"] for r in t["slowest"]}
    assert why == {"chatty": "calls_s", "parse-heavy": "text_s", "batch": "text_wait_s"}
    json.dumps(t)  # goes into report.json as is


def test_the_terminal_and_html_reports_show_the_breakdown() -> None:
    t = stage_timings(RECORDS)
    console = Console(record=True, width=250)
    for table in _timing_tables(t):
        console.print(table)
    text = console.export_text()
    assert "time per stage" in text and "slowest articles" in text
    assert "model calls (event 1.50, event 2.40)" in text  # a slow article says why
    html = _timings_html(SimpleNamespace(records=RECORDS))  # type: ignore[arg-type]
    assert "Slowest articles" in html and "parse-heavy" in html and "spaCy parse" in html


def test_no_timings_no_tables() -> None:
    assert stage_timings([{"id": "x", "meta": None}])["n"] == 0
    assert _timing_tables(stage_timings([])) == []
    assert _timings_html(SimpleNamespace(records=[])) == ""  # type: ignore[arg-type]
