"""The output contract: JSON Schema files in schemas/, shipped data files, the public API."""

from __future__ import annotations

import json

import pytest

import summarizer
from summarizer.resources import data_dir
from summarizer.schemas import SCHEMAS


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_files_match_the_models(name: str) -> None:
    # Regenerate with: summarize schema NAME > schemas/NAME.schema.json
    shipped = json.loads((data_dir("schemas") / f"{name}.schema.json").read_text())
    assert shipped == SCHEMAS[name].model_json_schema()


def test_prompts_are_found_as_package_data() -> None:
    names = {p.stem for p in data_dir("prompts").glob("*.md")}
    assert {"system", "article", "event", "participants", "absentees", "appointments",
            "quotes"} <= names


def test_public_api_is_pinned() -> None:
    assert sorted(summarizer.__all__) == sorted([
        "Absentee", "AbsenteesResult", "Appointment", "AppointmentsResult", "Article",
        "BackendError", "Brief", "Cache", "ConfigError", "EvalRun", "Event", "EventResult",
        "FakeBackend", "Grounding", "InputError", "InvalidOutput", "KeyQuote", "Location",
        "Participant", "ParticipantsResult", "QuotesResult", "Settings", "SummarizerError",
        "asummarize", "evaluate", "summarize", "to_dataframe",
    ])
    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None


def test_settings_repr_never_shows_the_key() -> None:
    settings = summarizer.Settings(api_key="sk-secret-value-123456", base_url="http://x/v1")
    assert "sk-secret" not in repr(settings)
