"""Rendering: the bare contract, Markdown, and the notebook HTML view with highlighted spans."""

from __future__ import annotations

from summarizer import summarize
from summarizer.backends import FakeBackend
from summarizer.output.render import render
from summarizer.schemas import strip_extras

from .test_pipeline import brief_answers


def _brief(seed_text: str):  # type: ignore[no-untyped-def]
    return summarize(seed_text, "brief", backend=FakeBackend().enqueue(*brief_answers()))


def test_contract_view_has_only_the_spec_keys(seed_text: str) -> None:
    data = _brief(seed_text).contract()
    assert "meta" not in data
    assert "grounding" not in data["key_quotes"][0]
    assert strip_extras({"a": [{"grounding": 1, "b": 2}]}) == {"a": [{"b": 2}]}


def test_notebook_html_marks_grounded_spans(seed_text: str) -> None:
    html = _brief(seed_text)._repr_html_()
    assert "<mark" in html and "only fly-by-night politicians</mark>" in html
    assert "✓ exact" in html
    assert "fake (fake)" in html  # which model made it


def test_markdown_and_table_render_every_part(seed_text: str) -> None:
    brief = _brief(seed_text)
    markdown = render(brief, "markdown")
    for heading in ("Participants", "Absentees", "Appointments", "Key Quotes"):
        assert f"### {heading}" in markdown
    table = render(brief, "table")
    assert "Andrei Serdyukov" in table and "2023-11-23" in table
