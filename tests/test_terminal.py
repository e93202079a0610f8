"""What a person at a terminal sees: run through a real pseudo-terminal, not CliRunner.

CliRunner replaces stdout with a buffer, so it cannot catch a bug in deciding "is this a
terminal". These tests start the installed `summarize` under pexpect, against a real
OpenAI-compatible server on 127.0.0.1 (tests/fakeserver.py).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from .conftest import SEED
from .fakeserver import FakeServer

pexpect = pytest.importorskip("pexpect")

SUMMARIZE = str(Path(sys.executable).with_name("summarize"))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
pytestmark = pytest.mark.server


def run_in_terminal(args: list[str], *, timeout: float = 120,
                    extra_env: dict[str, str] | None = None) -> tuple[int, str]:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "60",
           "SUMMARIZER_LOG": "0", **(extra_env or {})}
    child = pexpect.spawn(SUMMARIZE, args, env=env, encoding="utf-8", timeout=timeout,
                          dimensions=(60, 160))
    output = child.read()
    child.close()
    return child.exitstatus, ANSI.sub("", output)


def test_a_terminal_gets_the_readable_view_not_json() -> None:
    with FakeServer(latency=0.5) as server:
        code, out = run_in_terminal([str(SEED), "--base-url", server.base_url, "--model", "m"])
    assert code == 0, out
    assert "Participants" in out and "Key Quotes" in out and "found" in out
    assert '"meta"' not in out and '"event": {' not in out
    # The status line is taken off the terminal before the table is printed, not left on
    # the row the table starts on.
    assert not re.search(r"0:00:\d\d *╭", out), out[:2000]


def test_an_empty_section_says_none_stated() -> None:
    # The server's minimal answers hold no absentees: the section says so in words.
    with FakeServer() as server:
        code, out = run_in_terminal([str(SEED), "--schema", "absentees", "--base-url",
                                     server.base_url, "--model", "m"])
    assert code == 0, out
    assert "none stated" in out
    assert not re.search(r"│\s*[–-]\s*│\s*[–-]\s*│", out)  # no row of dashes


def test_the_status_line_shows_the_step_and_the_elapsed_time(tmp_path: Path) -> None:
    second = tmp_path / "second.txt"
    second.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    with FakeServer(latency=0.6) as server:
        code, out = run_in_terminal([str(SEED), str(second), "--schema", "brief",
                                     "--base-url", server.base_url, "--model", "m",
                                     "--no-cache"])
    assert code == 0, out
    assert "article 1 of 2" in out and "article 2 of 2" in out
    assert re.search(r"\(part \d of 5\)", out)
    assert re.search(r"0:00:0\d", out)  # elapsed time


def test_an_explicit_format_wins_on_a_terminal() -> None:
    with FakeServer() as server:
        code, out = run_in_terminal([str(SEED), "--schema", "event", "--base-url",
                                     server.base_url, "--model", "m", "-f", "json"])
    assert code == 0, out
    assert '"event": {' in out


def _articles(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i:02}.txt").write_text(f"Mayor Jane Okafor{i} opened a bridge.\n")
    return folder


def test_a_batch_progress_bar_shows_failures_with_their_reason(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out = run_in_terminal([str(_articles(tmp_path / "news", 12)), "--out",
                                 str(tmp_path / "r.jsonl"), "-s", "event", "--base-url",
                                 f"http://127.0.0.1:{port}/v1", "--model", "m",
                                 "--max-retries", "0", "--concurrency", "2"])
    assert code == 4, out
    assert re.search(r"failed \d+ skipped \d+ \(\d+× cannot reach", out)
    assert "stopped after 10 articles in a row failed" in out


def test_ctrl_c_in_a_batch_says_how_to_resume(tmp_path: Path) -> None:
    env = {**os.environ, "TERM": "xterm-256color", "SUMMARIZER_LOG": "0"}
    with FakeServer(latency=3.0) as server:
        child = pexpect.spawn(SUMMARIZE, [str(_articles(tmp_path / "news", 6)), "--out",
                                          str(tmp_path / "r.jsonl"), "-s", "event",
                                          "--base-url", server.base_url, "--model", "m"],
                              env=env, encoding="utf-8", timeout=60, dimensions=(40, 160))
        child.expect("summarizing")  # the progress bar is up: the batch is running
        child.sendintr()
        child.expect(pexpect.EOF)
        out = ANSI.sub("", child.before)
        child.close()
    assert child.exitstatus == 130, out
    assert "rerun the same command to resume" in out


def test_logs_on_a_terminal_list_runs_and_show_one() -> None:
    env_log = {"SUMMARIZER_LOG": "1"}
    with FakeServer() as server:
        code, out = run_in_terminal([str(SEED), "-s", "event", "--base-url", server.base_url,
                                     "--model", "m"], extra_env=env_log)
    assert code == 0, out
    code, listing = run_in_terminal(["logs"], extra_env=env_log)
    assert code == 0 and "csto_minsk_summit" in listing and "event" in listing
    code, shown = run_in_terminal(["logs", "1"], extra_env=env_log)
    assert code == 0 and "run 1" in shown and "Event" in shown


def test_the_status_line_says_why_it_waits_between_retries() -> None:
    from .fakeserver import Reply

    with FakeServer() as server:
        server.script(*[Reply.error(503, message="overloaded")] * 2)
        code, out = run_in_terminal([str(SEED), "-s", "event", "--base-url", server.base_url,
                                     "--model", "m", "--no-cache"])
    assert code == 0, out
    assert re.search(r"retrying in \d+\.\d s: the model server failed \(HTTP 503\)", out)
