"""The library as the README shows it: exports, FakeBackend with result objects, the cache."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import summarizer

from .conftest import SEED
from .test_cli import ARTICLE, EVENT, write


def test_the_readme_names_are_exported() -> None:
    from summarizer import Article, Cache, FakeBackend  # noqa: F401

    for name in ("FakeBackend", "Article", "Cache", "summarize", "Settings", "Brief"):
        assert name in summarizer.__all__


def test_fake_backend_answers_from_public_result_objects(seed_text: str) -> None:
    from summarizer import Absentee, Brief, Event, FakeBackend, KeyQuote, Location, Participant

    answer = Brief(
        event=Event(title="CSTO summit", type="summit", date=dt.date(2023, 11, 23),
                    location=Location(city="Minsk", country="Belarus")),
        participants=[Participant(name="Vladimir Putin", role="President")],
        absentees=[Absentee(name="Nikol Pashinyan", role="Prime Minister")],
        key_quotes=[KeyQuote(text="This is irresponsible and short-sighted",
                             speaker="Alyaksandr Lukashenka")])
    brief = summarizer.summarize(seed_text, backend=FakeBackend(answer=answer),
                                 published=dt.date(2023, 11, 24), cache=False)
    assert brief.event.date == dt.date(2023, 11, 23) and brief.event.location.city == "Minsk"
    assert [p.name for p in brief.participants] == ["Vladimir Putin"]
    assert [a.name for a in brief.absentees] == ["Nikol Pashinyan"]
    quote = brief.key_quotes[0]
    assert seed_text[quote.grounding.start:quote.grounding.end] == \
        "This is irresponsible and short-sighted"


def test_a_single_part_answers_from_a_list_of_items(seed_text: str) -> None:
    from summarizer import FakeBackend, Participant

    fake = FakeBackend().enqueue([Participant(name="Vladimir Putin"),
                                  Participant(name="Alyaksandr Lukashenka")])
    result = summarizer.summarize(seed_text, "participants", backend=fake, cache=False)
    assert [p.name for p in result.participants] == ["Vladimir Putin", "Alyaksandr Lukashenka"]


def test_a_notebook_gets_what_the_cli_computed(tmp_path: Path) -> None:
    from summarizer.backends import FakeBackend, use_backend
    from summarizer.cli import app

    path = write(tmp_path, "a.txt", ARTICLE)
    with use_backend(FakeBackend().enqueue(EVENT)):
        first = CliRunner().invoke(app, [path, "-s", "event", "-f", "json"])
    assert first.exit_code == 0, first.output
    # The same article and model, from the library with its defaults: no model call.
    again = summarizer.summarize(Path(path).read_text(encoding="utf-8"), "event",
                                 backend=FakeBackend())
    assert again.meta.cached is True
    assert again.event.title == json.loads(first.stdout)["event"]["title"]


HEAVY = ("openai", "instructor", "xllamacpp", "spacy", "scipy", "matplotlib")


def _imported(args: list[str]) -> set[str]:
    """Top-level modules a `python -m summarizer ARGS` process imported (-X importtime)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "summarizer", *args],
                          capture_output=True, text=True, timeout=120)
    names = {line.split("|")[-1].strip().split(".")[0]
             for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return names


def test_help_imports_no_model_or_nlp_library() -> None:
    assert not set(HEAVY) & _imported(["--help"])


@pytest.mark.server
def test_a_cached_result_imports_no_model_or_nlp_library(tmp_path: Path) -> None:
    from .fakeserver import FakeServer

    common = [str(SEED), "-s", "event", "-f", "json", "--model", "m"]
    with FakeServer() as server:
        first = subprocess.run([sys.executable, "-m", "summarizer", *common, "--base-url",
                                server.base_url], capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stderr
        port = server.port
    # The server is gone: the answer can only come from the cache (keyed by host, not port).
    assert not set(HEAVY) & _imported([*common, "--base-url", f"http://127.0.0.1:{port}/v1"])
