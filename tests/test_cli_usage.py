"""The CLI as the README documents it: formats that parse back, exit codes, help pages."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from summarizer.backends import FakeBackend, use_backend
from summarizer.cli import app

from .conftest import SEED
from .test_cli import ARTICLE, EVENT, write

runner = CliRunner()


@pytest.fixture
def fake() -> Iterator[FakeBackend]:
    backend = FakeBackend()
    with use_backend(backend):
        yield backend


def _two(tmp_path: Path) -> list[str]:
    return [write(tmp_path, "a.txt", ARTICLE),
            write(tmp_path, "b.txt", ARTICLE.replace("Okafor", "Mensah"))]


def _steady(obj: dict[str, Any]) -> dict[str, Any]:
    """A result without what differs between two runs of the same article (timing)."""
    meta = {k: v for k, v in obj["meta"].items() if k not in ("latency_s", "timings", "cached")}
    return {**obj, "meta": meta}


def _run(fake: FakeBackend, files: list[str], *extra: str) -> Any:
    fake.enqueue(*[EVENT] * len(files))
    result = runner.invoke(app, [*files, "-s", "event", *extra])
    assert result.exit_code == 0, result.output
    return result


def test_every_format_of_several_articles_parses_back_to_the_jsonl_objects(
        fake: FakeBackend, tmp_path: Path) -> None:
    files = _two(tmp_path)
    jsonl = [json.loads(line) for line in
             _run(fake, files, "-f", "jsonl", "--no-cache").stdout.splitlines()]
    as_json = json.loads(_run(fake, files, "-f", "json", "--no-cache").stdout)
    as_yaml = list(yaml.safe_load_all(_run(fake, files, "-f", "yaml", "--no-cache").stdout))
    assert [o["meta"]["source"] for o in jsonl] == files
    assert [_steady(o) for o in as_json] == [_steady(o) for o in jsonl]
    assert [_steady(o) for o in as_yaml] == [_steady(o) for o in jsonl]


def test_one_article_is_one_object_in_json_and_yaml(fake: FakeBackend, tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", ARTICLE)
    data = json.loads(_run(fake, [path], "-f", "json").stdout)
    assert data["event"]["title"] == "Bridge opening"
    assert yaml.safe_load(_run(fake, [path], "-f", "yaml").stdout)["meta"]["source"] == path


def test_out_records_hold_the_object_that_is_printed_when_piped(
        fake: FakeBackend, tmp_path: Path) -> None:
    files = _two(tmp_path)
    piped = [json.loads(line) for line in
             _run(fake, files, "--no-cache").stdout.splitlines()]
    out = tmp_path / "r.jsonl"
    _run(fake, files, "--no-cache", "--out", str(out), "-q")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in records] == ["ok", "ok"]
    by_source = {r["source"]: r["result"] for r in records}
    assert [_steady(by_source[o["meta"]["source"]]) for o in piped] == \
        [_steady(o) for o in piped]


def test_an_unknown_format_is_a_usage_error_listing_the_choices(fake: FakeBackend) -> None:
    result = runner.invoke(app, [str(SEED), "--format", "xml"])
    assert result.exit_code == 2
    assert "unknown format 'xml'" in result.stderr
    assert "json, jsonl, yaml, markdown, table, html" in result.stderr
    assert "(" not in result.stderr.split("hint:")[1]  # not a Python tuple


@pytest.mark.parametrize("name", ["Brief", "EVENT", "Participants", "key-quotes"])
def test_schema_names_are_case_insensitive(fake: FakeBackend, tmp_path: Path,
                                           name: str) -> None:
    fake.enqueue(*[lambda m, model: _minimal(model)] * 5)
    result = runner.invoke(app, [write(tmp_path, "a.txt", ARTICLE), "-s", name, "-f", "json",
                                 "--no-cache"])
    assert result.exit_code == 0, result.output


def _minimal(model: Any) -> dict[str, Any]:
    from .fakeserver import minimal_instance

    schema = model.model_json_schema()
    return minimal_instance(schema, schema.get("$defs"))


def test_a_mistyped_schema_gets_a_suggestion(fake: FakeBackend) -> None:
    result = runner.invoke(app, [str(SEED), "--schema", "particpants"])
    assert result.exit_code == 2
    assert "did you mean 'participants'" in result.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("with_model", [False, True])
def test_an_unreachable_server_exits_4_naming_the_url_and_the_reason(
        tmp_path: Path, with_model: bool) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    args = [write(tmp_path, "a.txt", ARTICLE), "-s", "event", "--base-url", url,
            "--max-retries", "0", "--no-cache"]
    result = runner.invoke(app, args + (["--model", "m"] if with_model else []))
    assert result.exit_code == 4, result.output
    assert f"cannot reach {url}" in result.stderr
    assert "connection refused" in result.stderr
    assert "--model NAME" not in result.stderr


def test_credentials_in_the_url_are_never_shown(tmp_path: Path) -> None:
    url = f"http://user:s3cretpass@127.0.0.1:{_closed_port()}/v1?api_key=abcdef123456"
    result = runner.invoke(app, [write(tmp_path, "a.txt", ARTICLE), "-s", "event",
                                 "--base-url", url, "--model", "m", "--max-retries", "0",
                                 "--no-cache"])
    assert result.exit_code == 4
    assert "s3cretpass" not in result.output and "abcdef123456" not in result.output
    assert "cannot reach http://127.0.0.1" in result.stderr


def test_dash_h_is_help_and_the_main_help_lists_the_run_options() -> None:
    long, short = runner.invoke(app, ["--help"]), runner.invoke(app, ["-h"])
    assert long.exit_code == short.exit_code == 0
    assert long.stdout == short.stdout
    for option in ("--schema", "--format", "--base-url", "--out", "--published", "--no-cache"):
        assert option in long.stdout
    assert runner.invoke(app, ["eval", "-h"]).exit_code == 0
    assert runner.invoke(app, [str(SEED), "-h"]).exit_code == 0


def test_eval_help_lists_every_gate_metric_whole() -> None:
    from summarizer.evaluation.metrics import LOWER_IS_BETTER, metric_names

    text = runner.invoke(app, ["eval", "--help"], terminal_width=80).stdout
    words = set(text.split())
    gateable = [n for n in metric_names("brief") if not any(t in n for t in LOWER_IS_BETTER)]
    missing = [n for n in gateable if n not in words]
    assert not missing, missing
