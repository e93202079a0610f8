"""Every error a user can meet is in `summarizer.errors`, drawn in its docstring with its
exit code; what used to escape as FileNotFoundError, KeyError or ValueError is mapped."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from summarizer import errors, resources
from summarizer.errors import ConfigError, InputError, SummarizerError
from summarizer.schemas import Location
from summarizer.settings import Settings

CLASSES = {name: getattr(errors, name) for name in errors.__all__
           if isinstance(getattr(errors, name), type)}


def test_the_docstring_draws_every_class_with_its_exit_code() -> None:
    doc = errors.__doc__ or ""
    drawn = dict(re.findall(r"^[\s│├└─]*(\w+)\s+\*?\s*(\d)\s", doc, re.MULTILINE))
    assert set(drawn) == set(CLASSES)
    for name, cls in CLASSES.items():
        assert issubclass(cls, SummarizerError)
        assert int(drawn[name]) == cls.exit_code, name


def test_errors_carry_the_status_code_where_there_is_one() -> None:
    assert errors.RateLimited("x", status_code=429).status_code == 429
    assert errors.ConfigError("x").status_code is None


def test_a_missing_data_directory_is_a_config_error(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "summarizer")
    resources.data_dir.cache_clear()
    try:
        with pytest.raises(ConfigError, match="missing from the install") as info:
            resources.data_dir("prompts")
        assert info.value.exit_code == 2 and "reinstall" in (info.value.hint or "")
    finally:
        resources.data_dir.cache_clear()


def test_settings_name_an_unknown_setting() -> None:
    with pytest.raises(ConfigError, match=r"unknown setting.*colour"):
        Settings().replace(colour="red")
    with pytest.raises(ConfigError, match=r"unknown setting.*colour"):
        Settings.from_env(colour="red")


def test_a_non_integer_llama_verbosity_is_a_config_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.backends.embedded import _verbosity

    monkeypatch.setenv("SUMMARIZER_LLAMA_VERBOSITY", "loud")
    with pytest.raises(ConfigError, match="SUMMARIZER_LLAMA_VERBOSITY"):
        _verbosity()


def test_an_unknown_format_is_a_config_error() -> None:
    from summarizer.output.render import render
    from summarizer.schemas import ParticipantsResult

    with pytest.raises(ConfigError, match="unknown format 'pdf'") as info:
        render(ParticipantsResult(participants=[]), "pdf")
    assert "json" in (info.value.hint or "")


def test_fake_backend_names_an_answer_it_cannot_use() -> None:
    from summarizer.backends.fake import _as_fields

    with pytest.raises(ConfigError, match="list of Location"):
        _as_fields([Location(city="Minsk")])


def test_a_bad_published_date_in_a_dataset_row_is_an_input_error() -> None:
    from summarizer.batch.distributed import _as_date

    assert _as_date("2023-11-24") == dt.date(2023, 11, 24)
    with pytest.raises(InputError, match="published must be a date"):
        _as_date("24/11/2023")
