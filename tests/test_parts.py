"""The parts registry: what the pipeline, the output formats and the scorer all read.

A part added to the registry without its contract field, its columns or its prompt
template fails here, not in a user's run.
"""

from __future__ import annotations

import typing

import pytest

from summarizer import FakeBackend, summarize
from summarizer.parts import PARTS, columns, for_schema
from summarizer.resources import data_dir
from summarizer.schemas import SCHEMAS, Brief
from summarizer.text.candidates import gather


@pytest.mark.parametrize("name", list(PARTS))
def test_each_part_is_a_field_of_the_brief_with_its_columns_and_template(name: str) -> None:
    part = PARTS[name]
    annotation = Brief.model_fields[part.field].annotation
    item = typing.get_args(annotation)[0] if part.columns else annotation
    assert item is part.item
    assert set(part.columns) <= set(part.item.model_fields)
    assert (data_dir("prompts") / f"{part.template}.md").is_file()
    assert name in SCHEMAS and set(SCHEMAS[name].model_fields) >= {part.field, "meta"}


def test_schemas_are_made_of_registered_parts() -> None:
    assert [p.name for p in for_schema("brief")] == list(PARTS)
    assert [p.field for p in for_schema("quotes")] == ["key_quotes"]
    # The order users see in tables, pages and frames: the registry's.
    assert list(columns()) == ["participants", "absentees", "appointments", "key_quotes"]


def test_a_small_model_is_asked_nothing_unless_a_part_says_its_picks_help(
        seed_text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # benchmarks/ablation.py measured the 135M model's picks as no better than the code's.
    small = FakeBackend(small=True)
    brief = summarize(seed_text, "brief", backend=small, cache=False)
    assert small.calls == [] and brief.participants and brief.key_quotes
    cands = gather(seed_text, None)
    monkeypatch.setattr(PARTS["participants"], "small_model_chooses", True)
    draft = PARTS["participants"].ask(cands, small)
    assert draft is not None and PARTS["quotes"].ask(cands, small) is None
    # A bare choice, at least one: a small model left free answers [] to everything.
    schema = draft.model_json_schema()
    assert schema["properties"]["participants"]["minItems"] == 1


def test_a_part_without_its_template_is_a_config_error() -> None:
    from summarizer.errors import ConfigError
    from summarizer.pipeline.prompts import template

    with pytest.raises(ConfigError, match=r"no_such_part\.md"):
        template("no_such_part")
