"""The `summarize` command: formats, inputs, bad inputs and exit codes (fake backend)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from summarizer.backends import FakeBackend, use_backend
from summarizer.cli import app

from .conftest import SEED

runner = CliRunner()

EVENT = {"title": "Bridge opening", "type": "ceremony", "date": None, "venue": None,
         "city": None, "country": None, "summary": "The mayor opened a bridge."}
ARTICLE = ("date 2024-03-05\nMayor Jane Okafor opened the Riverside Bridge in Lagos on "
           "Monday.\n\n\"This bridge joins two halves of our city,\" Okafor said.\n")


@pytest.fixture
def fake() -> Iterator[FakeBackend]:
    backend = FakeBackend()
    with use_backend(backend):
        yield backend


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def test_event_json_for_one_file(fake: FakeBackend, tmp_path: Path) -> None:
    fake.enqueue({**EVENT, "date": "D1"})
    result = runner.invoke(app, [write(tmp_path, "a.txt", ARTICLE), "--schema", "event",
                                 "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["event"]["date"] == "2024-03-04"  # "on Monday" before Tue 5 March
    assert data["meta"]["model"] == "fake" and data["meta"]["backend"] == "fake"
    assert list(data)[-1] == "meta"  # the contract first, provenance last


def test_piped_output_defaults_to_json_and_jsonl_for_several(fake: FakeBackend,
                                                             tmp_path: Path) -> None:
    a = write(tmp_path, "a.txt", ARTICLE)
    b = write(tmp_path, "b.txt", ARTICLE.replace("Okafor", "Mensah"))
    fake.enqueue(EVENT, EVENT)
    result = runner.invoke(app, [a, b, "--schema", "event", "--no-cache"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert [json.loads(line)["meta"]["source"] for line in lines] == [a, b]


def test_stdin_and_yaml(fake: FakeBackend) -> None:
    fake.enqueue(lambda m, _: {"key_quotes": [{"quote": "Q1", "speaker": "Jane Okafor"}]})
    result = runner.invoke(app, ["-", "--schema", "quotes", "--format", "yaml", "--no-cache"],
                           input=ARTICLE)
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    assert data["key_quotes"][0]["text"] == "This bridge joins two halves of our city"
    assert data["key_quotes"][0]["grounding"]["status"] == "exact"


def test_markdown_shows_grounding(fake: FakeBackend, tmp_path: Path) -> None:
    fake.enqueue({"participants": [{"name": "Jane Okafor", "role": "Mayor",
                                    "affiliation": None}]})
    result = runner.invoke(app, [write(tmp_path, "a.txt", ARTICLE), "-s", "participants",
                                 "-f", "markdown", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "| Jane Okafor | Mayor |" in result.stdout and "✓ exact" in result.stdout


def test_html_article(fake: FakeBackend, tmp_path: Path) -> None:
    page = ("<html><head><title>Bridge</title><meta property='article:published_time' "
            "content='2024-03-05'></head><body><nav>Home | News | Sport</nav><article><p>"
            + ARTICLE.split("\n", 1)[1].replace("\n\n", "</p><p>")
            + "</p></article><footer>© Lagos Daily</footer></body></html>")
    fake.enqueue({**EVENT, "date": "D1"})
    result = runner.invoke(app, [write(tmp_path, "a.html", page), "-s", "event", "-f", "json",
                                 "--no-cache"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["event"]["date"] == "2024-03-04"
    assert data["meta"]["published_from"] == "html"
    assert "Sport" not in fake.calls[0][0][-1]["content"]  # boilerplate never reached the model


@pytest.mark.parametrize(
    ("content", "needle"),
    [("", "empty"), ("   \n\n ", "empty"), (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG"),
     (b"%PDF-1.7\n" + bytes(range(256)), "PDF")],
)
def test_bad_input_exits_3_with_a_clear_message(fake: FakeBackend, tmp_path: Path,
                                                content: Any, needle: str) -> None:
    result = runner.invoke(app, [write(tmp_path, "bad.txt", content), "--no-cache"])
    assert result.exit_code == 3
    assert needle in result.stderr
    assert fake.calls == []


def test_missing_file_exits_3(fake: FakeBackend) -> None:
    result = runner.invoke(app, ["no/such/article.txt"])
    assert result.exit_code == 3 and "no such file" in result.stderr


def test_unknown_schema_exits_2(fake: FakeBackend) -> None:
    result = runner.invoke(app, [str(SEED), "--schema", "gossip"])
    assert result.exit_code == 2 and "unknown schema" in result.stderr


def test_one_bad_file_among_several_exits_6_and_keeps_the_good(fake: FakeBackend,
                                                               tmp_path: Path) -> None:
    good = write(tmp_path, "a.txt", ARTICLE)
    bad = write(tmp_path, "b.txt", "")
    fake.enqueue(EVENT)
    result = runner.invoke(app, [good, bad, "-s", "event", "--no-cache"])
    assert result.exit_code == 6
    assert json.loads(result.stdout.strip())["meta"]["source"] == good
    assert "b.txt" in result.stderr


def test_a_failing_backend_exits_4(fake: FakeBackend, tmp_path: Path) -> None:
    from summarizer.errors import AuthenticationError

    fake.enqueue(AuthenticationError("the server refused the credentials (HTTP 401)"))
    result = runner.invoke(app, [write(tmp_path, "a.txt", ARTICLE), "-s", "event",
                                 "--no-cache"])
    assert result.exit_code == 4 and "HTTP 401" in result.stderr


def test_schema_command_prints_the_contract() -> None:
    result = runner.invoke(app, ["schema", "brief"])
    assert result.exit_code == 0
    props = json.loads(result.stdout)["properties"]
    assert {"event", "participants", "absentees", "appointments", "key_quotes"} <= set(props)


def test_help_explains_backends_and_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for needle in ("--base-url", "OPENAI_API_KEY", "Exit codes", "eval"):
        assert needle in result.stdout
    run_help = runner.invoke(app, ["run", "--help"]).stdout
    assert "--schema" in run_help and "--published" in run_help


def test_eval_is_a_subcommand() -> None:
    result = runner.invoke(app, ["eval", "--help"])
    assert result.exit_code == 0 and "DATASET" in result.stdout


def test_second_run_is_served_from_the_cache(fake: FakeBackend, tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", ARTICLE)
    fake.enqueue(EVENT)
    first = runner.invoke(app, [path, "-s", "event", "-f", "json"])
    second = runner.invoke(app, [path, "-s", "event", "-f", "json"])
    assert first.exit_code == second.exit_code == 0
    assert len(fake.calls) == 1
    assert json.loads(second.stdout)["meta"]["cached"] is True
    assert json.loads(second.stdout)["event"] == json.loads(first.stdout)["event"]


@pytest.mark.server
def test_several_files_against_an_http_server(tmp_path: Path) -> None:
    from .fakeserver import FakeServer

    a = write(tmp_path, "a.txt", ARTICLE)
    b = write(tmp_path, "b.txt", ARTICLE.replace("Okafor", "Mensah"))
    with FakeServer() as server:
        result = runner.invoke(app, [a, b, "-s", "event", "--base-url", server.base_url,
                                     "--model", "fake-model", "--no-cache"])
        assert result.exit_code == 0, result.stderr
        assert len(result.stdout.strip().splitlines()) == 2
        assert len(server.requests) == 2  # one client, one event loop, both articles


@pytest.mark.server
def test_max_retries_bounds_requests_to_a_failing_server(tmp_path: Path) -> None:
    from .fakeserver import FakeServer, Reply

    a = write(tmp_path, "a.txt", ARTICLE)
    with FakeServer() as server:
        server.script(*[Reply.error(500, message="boom")] * 5)
        result = runner.invoke(app, [a, "-s", "event", "--base-url", server.base_url,
                                     "--model", "fake-model", "--no-cache",
                                     "--max-retries", "1"])
        assert result.exit_code == 4
        assert len(server.requests) == 2  # the first try and one retry
        assert "HTTP 500" in result.stderr
