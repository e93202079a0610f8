"""`summarize logs` and `summarize models`: the run log (SQLite) and what can be used."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.backends import FakeBackend, use_backend
from summarizer.cli import app

from .test_cli import ARTICLE, EVENT, write

runner = CliRunner()


@pytest.fixture
def fake() -> Iterator[FakeBackend]:
    backend = FakeBackend()
    with use_backend(backend):
        yield backend


def logged() -> list[dict]:
    result = runner.invoke(app, ["logs", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_each_summary_is_logged_and_can_be_shown(fake: FakeBackend, tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", ARTICLE)
    fake.enqueue(EVENT)
    for _ in range(2):  # the second comes from the cache
        assert runner.invoke(app, [path, "-s", "event", "-f", "json"]).exit_code == 0
    rows = logged()
    assert [r["cached"] for r in rows] == [True, False]  # newest first
    first = rows[1]
    assert first["source"] == path and first["schema"] == "event"
    assert first["backend"] == "fake" and first["model"] == "fake"
    assert first["prompt_tokens"] > 0 and first["latency_s"] >= 0
    shown = json.loads(runner.invoke(app, ["logs", str(first["id"]), "--json"]).stdout)
    assert shown["result"]["event"]["title"] == "Bridge opening"
    assert len(logged()) == 2 and len(json.loads(
        runner.invoke(app, ["logs", "-n", "1", "--json"]).stdout)) == 1


def test_the_log_file_is_owner_only_and_in_wal_mode(fake: FakeBackend, tmp_path: Path) -> None:
    fake.enqueue(EVENT)
    assert runner.invoke(app, [write(tmp_path, "a.txt", ARTICLE), "-s", "event"]).exit_code == 0
    db = Path(runner.invoke(app, ["logs", "--path"]).stdout.strip())
    assert db == Path(os.environ["SUMMARIZER_LOG_DB"])
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_no_log_and_the_environment_turn_it_off(fake: FakeBackend, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "a.txt", ARTICLE)
    fake.enqueue(EVENT, EVENT)
    assert runner.invoke(app, [path, "-s", "event", "--no-log", "--no-cache"]).exit_code == 0
    assert logged() == []
    monkeypatch.setenv("SUMMARIZER_LOG", "0")
    assert runner.invoke(app, [path, "-s", "event", "--no-cache"]).exit_code == 0
    assert logged() == []
    monkeypatch.delenv("SUMMARIZER_LOG")
    fake.enqueue(EVENT)
    assert runner.invoke(app, [path, "-s", "event", "--no-cache"]).exit_code == 0
    assert len(logged()) == 1  # --no-log held for its own run only


@pytest.mark.server
def test_no_key_or_credential_reaches_the_log(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from .fakeserver import FakeServer

    key = "sk-test-0123456789abcdefSECRET"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    with FakeServer() as server:
        url = server.base_url.replace("http://", "http://alice:hunter2pass@") + "?token=t0ps3cr3t"
        result = runner.invoke(app, [write(tmp_path, "a.txt", ARTICLE), "-s", "event",
                                     "--base-url", url, "--model", "m"])
    assert result.exit_code == 0, result.output
    assert "hunter2pass" not in result.output and "t0ps3cr3t" not in result.output
    db = Path(os.environ["SUMMARIZER_LOG_DB"])
    stored = b"".join(p.read_bytes() for p in db.parent.iterdir())
    for secret in (key, "hunter2pass", "t0ps3cr3t", "alice"):
        assert secret.encode() not in stored
    assert logged()[0]["base_url"] == f"http://127.0.0.1:{server.port}/v1"


def test_parallel_processes_all_get_logged(tmp_path: Path) -> None:
    script = (
        "from summarizer import runlog\n"
        "from summarizer.schemas import EventResult, Event, Meta\n"
        "for i in range(25):\n"
        "    runlog.record(EventResult(event=Event(title=str(i), type='x'),\n"
        "                  meta=Meta(schema_name='event', backend='fake', model='m')))\n")
    procs = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(3)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert len(json.loads(runner.invoke(app, ["logs", "-n", "500", "--json"]).stdout)) == 75


def test_models_lists_the_default_the_folder_and_the_endpoint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tiny-llama.gguf").write_bytes(b"GGUF" + bytes(2048))
    monkeypatch.setenv("SUMMARIZER_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://bob:pa55word@localhost:11434/v1")
    monkeypatch.setenv("SUMMARIZER_MODEL", "llama3.1")
    result = runner.invoke(app, ["models", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["kind"]: r for r in json.loads(result.stdout)}
    default = rows["embedded (default)"]
    assert default["where"].endswith(".gguf") and default["size"].endswith("MB")
    assert rows["gguf file"]["name"] == "tiny-llama" and rows["gguf file"]["size"] == "2.0 KB"
    endpoint = rows["endpoint (OPENAI_BASE_URL)"]
    assert endpoint["where"] == "http://localhost:11434/v1" and endpoint["name"] == "llama3.1"
    assert "pa55word" not in result.stdout
    table = runner.invoke(app, ["models"], terminal_width=200).stdout
    assert "tiny-llama" in table and "SmolLM2" in table


def test_a_log_that_cannot_be_written_never_fails_a_summary(
        fake: FakeBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SUMMARIZER_LOG_DB", str(blocker / "logs.db"))
    fake.enqueue(EVENT)
    result = runner.invoke(app, [write(tmp_path, "a.txt", ARTICLE), "-s", "event", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["event"]["title"] == "Bridge opening"
    assert "could not write the run log" in result.stderr
