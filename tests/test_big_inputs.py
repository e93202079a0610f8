"""Huge inputs: refused past --max-chars (exit 3) before any text work; below it, the
per-article deadline covers the text stage too; in a batch, one big article neither blocks
the others' requests nor spends their deadlines. Real server and CLI processes."""

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
    from tests.fakeserver import FakeServer
except ImportError:  # pragma: no cover
    from fakeserver import FakeServer  # type: ignore[no-redef]

from summarizer import Settings
from summarizer.backends import FakeBackend
from summarizer.batch.runner import run_batch
from summarizer.errors import InputTooLarge
from summarizer.text import workers as textstage

from .conftest import SEED

pytestmark = pytest.mark.server

CLI = [sys.executable, "-c", "from summarizer.cli import main; main()"]


def big_text(chars: int) -> str:
    """News prose (the seed article, repeated with numbered paragraphs) of `chars` chars."""
    seed = SEED.read_text(encoding="utf-8")
    parts, size, i = [], 0, 0
    while size < chars:
        block = f"Part {i}. {seed}\n\n"
        parts.append(block)
        size += len(block)
        i += 1
    return "".join(parts)[:chars]


def settings_for(server: FakeServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"base_url": server.base_url, "model": "fake-model",
                              "api_key": "sk-big-inputs-000000", "timeout": 30.0,
                              "max_retries": 1}
    values.update(overrides)
    return Settings(**values)


def test_a_text_over_max_chars_is_refused_at_once_with_exit_3(server, tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text(big_text(2_000_000), encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run([*CLI, str(path), "--base-url", server.base_url, "--model", "m",
                           "--no-cache"], capture_output=True, text=True, timeout=120)
    took = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    assert "too long" in done.stderr and "2,000,000 characters" in done.stderr
    assert "200,000" in done.stderr and "--max-chars" in done.stderr
    assert server.count() == 0
    assert took < 10  # start-up and reading: no text analysis, no model


def test_the_library_refuses_before_any_text_work():
    text = big_text(3_000)
    fake = FakeBackend()
    started = time.monotonic()
    with pytest.raises(InputTooLarge, match="3,000 characters") as info:
        asyncio.run(_summarize(text, fake, Settings(max_chars=2_000)))
    assert info.value.exit_code == 3
    assert fake.calls == []
    assert time.monotonic() - started < 1
    assert Settings().max_chars == 200_000  # the documented default


async def _summarize(text: str, backend: Any, settings: Settings) -> Any:
    from summarizer.pipeline import asummarize

    return await asummarize(text, "event", settings=settings, backend=backend)


def _session_alive(sid: int) -> list[int]:
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == sid:
                    alive.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return alive


def test_the_deadline_covers_the_text_stage(server, tmp_path):
    # 5 MB of text: minutes of analysis on 2 cores. With --deadline 3 the run ends in about
    # 3 s plus start-up, and the worker analysing it is killed, not left running.
    server.latency = 30  # were the text stage fast, the model call would hit the deadline
    path = tmp_path / "big.txt"
    path.write_text(big_text(5_000_000), encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.Popen([*CLI, str(path), "--schema", "event", "--base-url",
                             server.base_url, "--model", "m", "--no-cache", "--deadline", "3",
                             "--max-chars", "6000000"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    took = time.monotonic() - started
    assert proc.returncode == 4, err
    assert "3 s deadline" in err
    assert took < 15, took
    time.sleep(0.5)
    assert _session_alive(proc.pid) == []  # no text worker outlives the command


async def test_one_big_article_does_not_starve_a_batch(server, tmp_path, monkeypatch):
    """The issue's case: 20 normal articles and a 2 MB one, --concurrency 8 --deadline 8,
    a server answering in 2 s. Every normal article succeeds.

    With one text worker, the articles queued behind the big one wait up to 8 s for it:
    that wait must not count against their own 8 s.
    """
    monkeypatch.setenv("SUMMARIZER_TEXT_WORKERS", "1")
    server.latency = 2.0
    docs = tmp_path / "docs"
    docs.mkdir()
    sources = []
    for i in range(20):
        path = docs / f"a{i:02d}.txt"
        path.write_text(f"Ministers met in Aktau on Thursday for round {i}. "
                        f'"We made progress," said minister number {i}.\n', encoding="utf-8")
        sources.append(str(path))
    big = docs / "big.txt"
    big.write_text(big_text(2_000_000), encoding="utf-8")
    sources.insert(4, str(big))
    out = tmp_path / "out.jsonl"
    started = time.monotonic()
    report = await run_batch(sources, out, schema="event", concurrency=8, progress=False,
                             settings=settings_for(server, deadline=8.0,
                                                   max_chars=3_000_000))
    took = time.monotonic() - started
    records = {Path(r["source"]).name: r for r in map(json.loads, out.read_text().splitlines())}
    assert len(records) == 21
    normal = [r for name, r in records.items() if name != "big.txt"]
    assert [r["error"] for r in normal if r["status"] != "ok"] == []
    assert report.ok >= 20
    if records["big.txt"]["status"] == "error":  # its own deadline, at its own time
        assert records["big.txt"]["error"]["type"] == "BackendTimeout"
    assert took < 40


async def test_a_worker_killed_at_the_deadline_is_replaced():
    # The pool survives cancelled work: the next article gets a fresh worker.
    text = big_text(3_000_000)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await textstage.gather(text, None, None)
    cands = await textstage.gather(SEED.read_text(encoding="utf-8"), None, None)
    assert cands.quotes


def test_candidates_cross_the_process_boundary_intact(seed_text, seed_published):
    # The text stage runs in a worker process: its result must pickle without loss.
    import pickle

    from summarizer.text.candidates import gather

    cands = gather(seed_text, seed_published, "CSTO summit")
    again = pickle.loads(pickle.dumps(cands))
    assert again == cands
    assert asyncio.run(textstage.gather(seed_text, seed_published, "CSTO summit")) == cands
