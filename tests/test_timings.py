"""Every result says where its time went (meta.timings), so a slow article says why."""

from __future__ import annotations

from summarizer import FakeBackend, summarize


def test_a_result_carries_its_time_per_stage(seed_text: str) -> None:
    brief = summarize(seed_text, "brief", backend=FakeBackend(small=True), cache=False)
    t = brief.meta.timings
    assert {"text_wait_s", "text_s", "parse_s", "candidates_s", "calls", "assemble_s"} <= set(t)
    assert t["parse_s"] > 0 and t["candidates_s"] > 0
    assert t["parse_s"] + t["candidates_s"] <= t["text_s"] <= brief.meta.latency_s
    assert t["calls"] == []  # the small default makes no model call


def test_each_model_call_is_timed_by_part(seed_text: str) -> None:
    from tests.servehelp import AutoFake

    brief = summarize(seed_text, "event", backend=AutoFake(), cache=False)
    assert [c["part"] for c in brief.meta.timings["calls"]] == ["event"]
    assert brief.meta.timings["calls"][0]["s"] >= 0
