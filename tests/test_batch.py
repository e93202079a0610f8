"""Batch runs: one durable record per article, resume, kill -9, concurrency and back-off.

The model is the fake OpenAI-compatible server on 127.0.0.1, so the whole real path runs:
batch -> pipeline (schema "event": one call per article) -> instructor -> openai -> HTTP.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fakeserver import FakeServer, Reply
except ImportError:  # pragma: no cover
    from fakeserver import FakeServer, Reply  # type: ignore[no-redef]

from summarizer.backends.retry import AdaptiveLimiter
from summarizer.batch.records import load_latest
from summarizer.batch.runner import run_batch
from summarizer.errors import BatchIncomplete
from summarizer.settings import Settings

pytestmark = pytest.mark.server

KEY = "sk-test-batch-key-000000"


def settings_for(server: FakeServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"base_url": server.base_url, "model": "fake-model",
                              "api_key": KEY, "timeout": 5.0, "max_retries": 1}
    values.update(overrides)
    return Settings.from_env(**values)


def write_articles(folder: Path, n: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"a{i:03d}.txt"
        path.write_text(f"Ministers met in Aktau on Thursday for round {i} of the talks. "
                        f'"We made progress," said minister number {i}.\n', encoding="utf-8")
        paths.append(str(path))
    return paths


def read_records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


async def batch(server: FakeServer, sources: list[str], out: Path, **kw: Any):
    settings = settings_for(server, **kw.pop("settings", {}))
    return await run_batch(sources, out, schema="event", settings=settings,
                           progress=False, **kw)


async def test_good_and_bad_inputs_each_get_one_record(server, tmp_path):
    sources = write_articles(tmp_path / "docs", 2)
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    sources += [str(tmp_path / "empty.txt"), str(tmp_path / "image.png"),
                str(tmp_path / "missing.txt")]
    out = tmp_path / "out.jsonl"
    report = await batch(server, sources, out, concurrency=2)

    assert (report.ok, report.failed, report.skipped) == (2, 3, 0)
    assert report.exit_code == 6
    with pytest.raises(BatchIncomplete):
        report.raise_for_failures()
    records = {Path(r["source"]).name: r for r in read_records(out)}
    assert len(records) == 5
    good = records["a000.txt"]
    assert good["status"] == "ok" and good["error"] is None
    assert good["result"]["event"]["title"]
    assert good["result"]["meta"]["usage"]["calls"] == 1
    assert len(good["text_sha256"]) == 64 and good["schema"] == "event"
    assert good["finished_at"].endswith("+00:00")
    errors = {name: r["error"] for name, r in records.items() if r["status"] == "error"}
    assert errors["empty.txt"]["type"] == "EmptyInputError"
    assert errors["image.png"]["type"] == "UnreadableInputError"
    assert errors["missing.txt"]["type"] == "UnreadableInputError"
    assert all(e["exit_code"] == 3 and e["message"] for e in errors.values())
    assert all(r["result"] is None for r in records.values() if r["status"] == "error")
    assert server.count() == 2  # unreadable inputs never reach the model


async def test_backend_failure_is_a_record_and_resume_retries_only_it(server, tmp_path):
    sources = write_articles(tmp_path / "docs", 3)
    out = tmp_path / "out.jsonl"
    # concurrency 1 makes the order fixed: the second article meets two 500s.
    server.script(Reply.ok(), Reply.error(500), Reply.error(500))
    first = await batch(server, sources, out, concurrency=1)
    assert (first.ok, first.failed) == (2, 1)
    failed = [r for r in read_records(out) if r["status"] == "error"]
    assert failed[0]["source"] == sources[1]
    assert failed[0]["error"] | {"message": ""} == {
        "type": "BackendUnavailable", "message": "", "attempts": 2, "exit_code": 4}

    server.clear()
    second = await batch(server, sources, out, concurrency=1)
    assert (second.ok, second.failed, second.skipped) == (1, 0, 2)
    assert second.exit_code == 0
    assert server.count() == 1  # only the failed article went back to the model
    latest = load_latest(out, "event")
    assert sorted(latest.values()) == ["ok", "ok", "ok"]

    # A third run does nothing; an edited article or another schema is new work.
    Path(sources[0]).write_text("Edited: the summit moved to Minsk.", encoding="utf-8")
    server.clear()
    third = await batch(server, sources, out, concurrency=1)
    assert (third.ok, third.skipped) == (1, 2)
    assert server.count() == 1


async def test_resume_repairs_a_torn_last_line(server, tmp_path):
    sources = write_articles(tmp_path / "docs", 2)
    out = tmp_path / "out.jsonl"
    await batch(server, sources[:1], out)
    with out.open("ab") as f:  # what a power cut in the middle of a write leaves
        f.write(b'{"id": "a001", "source": "')
    report = await batch(server, sources, out)
    assert (report.ok, report.skipped) == (1, 1)
    records = read_records(out)  # every line parses again
    assert [Path(r["source"]).name for r in records] == ["a000.txt", "a001.txt"]


async def test_requests_overlap_up_to_the_concurrency(server, tmp_path):
    server.latency = 0.3
    sources = write_articles(tmp_path / "docs", 12)
    started = time.monotonic()
    report = await batch(server, sources, tmp_path / "out.jsonl", concurrency=4)
    took = time.monotonic() - started
    assert report.ok == 12
    assert server.max_overlap() == 4
    assert took < 12 * 0.3 / 4 * 2  # ideal 0.9 s; serial would be 3.6 s


async def test_429s_halve_the_requests_in_flight(server, tmp_path):
    # Long enough that the first 8 articles' text stages (2 workers, on a loaded machine)
    # all finish while the first request is still out: their requests overlap.
    server.latency = 1.0
    sources = write_articles(tmp_path / "docs", 20)
    server.script(*[Reply.rate_limited(retry_after=0.3)] * 8)
    report = await batch(server, sources, tmp_path / "out.jsonl", concurrency=8,
                         settings={"max_retries": 3})
    assert report.ok == 20 and report.failed == 0
    assert report.lowest_concurrency <= 4
    requests = sorted(server.chat_requests(), key=lambda r: r.started)
    assert len(requests) == 28  # 8 rate limited + their 8 retries + 12 more
    # The first 8 articles went out together; after the 429s the 12 new articles go out
    # 4 at a time, growing back by one per round of successes (5, then 6), not 8.
    assert server.max_overlap(requests[:8]) == 8
    assert server.max_overlap(requests[16:]) <= 6


async def test_limiter_halves_once_per_burst_and_recovers_slowly():
    limiter = AdaptiveLimiter(16, cooldown=60)
    limiter.rate_limited()
    limiter.rate_limited()  # same burst: no second halving
    assert limiter.limit == 8
    for _ in range(8):
        limiter.succeeded()
    assert limiter.limit == 9  # one more per full round of successes
    for _ in range(100):
        limiter.succeeded()
    assert limiter.limit == 16  # never above the maximum
    assert limiter.lowest == 8


CLI = [sys.executable, "-c", "from summarizer.cli import main; main()"]


def batch_command(server, docs, out, *, concurrency: int) -> list[str]:
    """`summarize DOCS --out OUT --schema event` against the fake server, as a user runs it."""
    return [*CLI, str(docs), "--out", str(out), "--schema", "event", "--base-url",
            server.base_url, "--model", "fake-model", "--concurrency", str(concurrency),
            "--no-cache", "--quiet"]


def test_kill_9_mid_run_loses_nothing_and_resume_finishes(server, tmp_path):
    """A real `summarize DIR --out` process, killed with SIGKILL while requests fly."""
    server.latency = 0.25
    write_articles(tmp_path / "docs", 16)
    out = tmp_path / "out.jsonl"
    cmd = batch_command(server, tmp_path / "docs", out, concurrency=2)
    env = {**os.environ, "OPENAI_API_KEY": KEY}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.read_bytes().count(b"\n") >= 4:
                break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    kept = read_records(out)  # every line parses: no torn record
    assert 4 <= len(kept) < 16
    assert all(r["status"] == "ok" for r in kept)
    assert out.read_bytes().endswith(b"\n")

    server.clear()
    done = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    records = read_records(out)
    sources = [r["source"] for r in records]
    assert len(sources) == len(set(sources)) == 16  # all done, none twice
    assert records[: len(kept)] == kept  # the finished ones were kept as they were
    assert server.count() == 16 - len(kept)  # and not asked again


def test_run_batch_under_asyncio_run(server, tmp_path):
    # run_batch is a coroutine: scripts and notebooks drive it with asyncio.run.
    sources = write_articles(tmp_path / "docs", 1)
    report = asyncio.run(batch(server, sources, tmp_path / "out.jsonl"))
    assert report.ok == 1
    assert "1 ok, 0 failed" in report.summary()


async def test_an_embedded_backend_runs_one_article_at_a_time(tmp_path: Path) -> None:
    from summarizer.backends import FakeBackend

    in_flight = peak = 0

    class Local(FakeBackend):
        async def complete(self, messages: Any, model: Any, *, max_tokens: int) -> Any:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1
            return await super().complete(messages, model, max_tokens=max_tokens)

    sources = []
    for i in range(4):
        path = tmp_path / f"a{i}.txt"
        path.write_text(f"The council met on Monday to discuss item {i}.", encoding="utf-8")
        sources.append(str(path))
    event = {"title": "t", "type": "meeting", "date": None, "venue": None, "city": None,
             "country": None, "summary": "s"}
    backend = Local(kind="embedded").enqueue(*([event] * 4))
    report = await run_batch(sources, tmp_path / "out.jsonl", schema="event",
                             settings=Settings(), concurrency=8, progress=False,
                             backend=backend)
    assert report.ok == 4 and peak == 1


def test_two_writers_on_one_out_never_duplicate(server, tmp_path):
    """Two `summarize DIR --out same.jsonl` at once: one runs, the other is refused."""
    server.latency = 0.2
    write_articles(tmp_path / "docs", 20)
    out = tmp_path / "out.jsonl"
    cmd = batch_command(server, tmp_path / "docs", out, concurrency=2)
    env = {**os.environ, "OPENAI_API_KEY": KEY}
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(err for code, err in results if code == 2)
    assert "being written by another summarize run" in refused
    records = read_records(out)
    assert len(records) == 20
    assert len({r["source"] for r in records}) == 20
    assert server.count() == 20

    # Once the first is done, the same command resumes: nothing left to do.
    server.clear()
    again = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert len(read_records(out)) == 20 and server.count() == 0


async def test_a_second_batch_on_the_same_out_in_one_process_is_refused(server, tmp_path):
    from summarizer.errors import OutputLocked

    server.latency = 0.3
    sources = write_articles(tmp_path / "docs", 4)
    out = tmp_path / "out.jsonl"
    first = asyncio.create_task(batch(server, sources, out, concurrency=1))
    await asyncio.sleep(0.2)
    with pytest.raises(OutputLocked) as info:
        await batch(server, sources, out, concurrency=1)
    assert info.value.exit_code == 2
    report = await first
    assert report.ok == 4 and len(read_records(out)) == 4


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_batch_against_a_dead_server_stops_with_exit_4_and_says_how_to_resume(
        tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from summarizer.cli import app

    folder = tmp_path / "news"
    folder.mkdir()
    for i in range(40):
        (folder / f"a{i:02}.txt").write_text(f"Mayor Jane Okafor{i} opened a bridge.\n")
    out = tmp_path / "r.jsonl"
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    result = CliRunner().invoke(app, [str(folder), "--out", str(out), "--concurrency", "4",
                                      "--base-url", url, "--model", "m", "--max-retries", "0",
                                      "-s", "event"])
    assert result.exit_code == 4, result.output
    assert result.stderr.count("stopped after 10 articles in a row failed") == 1
    assert f"cannot reach {url}" in result.stderr
    assert "rerun the same command to resume" in result.stderr
    records = out.read_text().splitlines()
    assert 10 <= len(records) < 20  # the breaker stopped it, with at most 4 in flight


def test_the_breaker_resets_on_success() -> None:
    from summarizer.backends.breaker import CircuitBreaker

    breaker = CircuitBreaker(3)
    down = {"status": "error", "error": {"type": "BackendUnavailable", "message": "down"}}
    for record in (down, down, {"status": "ok"}, down, down):
        breaker.observe(record)
    assert not breaker.tripped
    breaker.observe({"status": "error", "error": {"type": "InputError", "message": "empty"}})
    assert not breaker.tripped  # a bad article says nothing about the server
    breaker.observe(down)
    assert breaker.tripped and "down" in breaker.reason()
