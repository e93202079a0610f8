"""A batch with its text stage in worker processes (and run ahead of the requests):
still one fsynced record per article, still resumable after kill -9 (no worker left
behind), and the embedded model still decodes one request at a time, never beside the
text stage. Behaviour only: nothing here is timed against a target.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from summarizer.batch.runner import run_batch
from summarizer.settings import Settings
from summarizer.text import workers as textstage

from .test_batch import batch_command

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fakeserver import minimal_instance
except ImportError:  # pragma: no cover
    from fakeserver import minimal_instance  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = sorted((ROOT / "evals" / "articles").glob("*.txt"))
KEY = "sk-test-workers-000000"


def copy_articles(folder: Path, n: int) -> list[str]:
    """The repo's eval articles (real news, so the text stage has work), cycled to n."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        src = ARTICLES[i % len(ARTICLES)]
        dst = folder / f"{i:03d}-{src.name}"
        # A distinct text per copy: the same text twice would be one article done once.
        dst.write_text(src.read_text(encoding="utf-8") + f"\n\n(copy {i})\n", encoding="utf-8")
        paths.append(str(dst))
    return paths


def texts_taken_from_prefetch(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts whose candidates the pipeline took from a prefetched job (filled as the
    batch runs): the articles whose text stage ran ahead of their request."""
    taken: list[str] = []
    real_take = textstage.Prefetch.take

    def take(self: textstage.Prefetch, text: str, published: Any, title: Any) -> Any:
        future = real_take(self, text, published, title)
        if future is not None:
            taken.append(text)
        return future

    monkeypatch.setattr(textstage.Prefetch, "take", take)
    return taken


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.mark.server
async def test_one_fsynced_record_per_article_with_the_text_stage_ahead(
        server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server.latency = 0.05
    sources = copy_articles(tmp_path / "docs", 8)
    out = tmp_path / "out.jsonl"
    synced: list[int] = []  # the out file's size at each fsync of it
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if os.path.exists(out) and os.fstat(fd).st_ino == os.stat(out).st_ino:
            synced.append(os.fstat(fd).st_size)

    monkeypatch.setattr(os, "fsync", fsync)
    prefetched = texts_taken_from_prefetch(monkeypatch)
    settings = Settings.from_env(base_url=server.base_url, model="fake-model", api_key=KEY,
                                 timeout=5.0, max_retries=1)
    report = await run_batch(sources, out, schema="event", settings=settings,
                             concurrency=3, progress=False, cache=None)
    assert report.ok == 8 and report.failed == 0
    got = records(out)
    assert sorted(r["source"] for r in got) == sorted(sources)  # one record each
    # One fsync per record, each after a whole line: the synced sizes are the line ends.
    ends = []
    size = 0
    for line in out.read_bytes().splitlines(keepends=True):
        size += len(line)
        ends.append(size)
    assert synced == ends
    # The text stage ran in the workers, ahead of the requests, for every article.
    assert len(prefetched) == 8
    assert all(r["result"]["meta"]["timings"]["parse_s"] > 0 for r in got)


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.server
def test_kill_9_with_text_workers_leaves_whole_records_no_worker_and_resumes(
        server, tmp_path: Path) -> None:
    server.latency = 0.3
    copy_articles(tmp_path / "docs", 24)
    out = tmp_path / "out.jsonl"
    cmd = batch_command(server, tmp_path / "docs", out, concurrency=4)
    env = {**os.environ, "OPENAI_API_KEY": KEY, "SUMMARIZER_TEXT_WORKERS": "2"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid) or workers
            if out.exists() and out.read_bytes().count(b"\n") >= 4:
                break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        workers = _children(proc.pid) or workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert workers, "the batch had no text worker processes"
    # The workers notice their parent is gone and exit: none keeps a core busy.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not [p for p in workers if _alive(p)]

    kept = records(out)  # every line parses: no torn record
    assert 4 <= len(kept) < 24 and all(r["status"] == "ok" for r in kept)
    server.clear()
    done = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    final = records(out)
    sources = [r["source"] for r in final]
    assert len(sources) == len(set(sources)) == 24  # all done, none twice
    assert final[: len(kept)] == kept
    assert server.count() == 24 - len(kept)  # the finished ones were not asked again


async def test_the_embedded_model_decodes_one_at_a_time_never_beside_the_text_stage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real EmbeddedBackend (its locks, its thread hand-off), llama.cpp replaced by a
    stub that answers the smallest valid JSON after a short 'decode'."""
    from summarizer import backends
    from summarizer.backends import embedded

    events: list[tuple[float, float, str]] = []  # (start, end, what)
    lock = threading.Lock()
    in_decode = peak = 0

    class StubServer:
        def handle_chat_completions(self, request: dict[str, Any]) -> dict[str, Any]:
            nonlocal in_decode, peak
            with lock:
                in_decode += 1
                peak = max(peak, in_decode)
            start = time.monotonic()
            time.sleep(0.02)
            schema = json.loads(request["grammar"])
            content = json.dumps(minimal_instance(schema))
            with lock:
                in_decode -= 1
            events.append((start, time.monotonic(), "decode"))
            return {"id": "x", "object": "chat.completion", "created": 0, "model": "stub",
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {
                        "role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}

    monkeypatch.setattr(embedded, "_load_server", lambda *a, **k: StubServer())
    monkeypatch.setattr(embedded, "_compact_grammar", lambda schema: json.dumps(schema))
    real_gather = textstage.gather

    async def gather(text: str, published: Any, title: Any = None) -> Any:
        start = time.monotonic()
        try:
            return await real_gather(text, published, title)
        finally:
            events.append((start, time.monotonic(), "text"))

    monkeypatch.setattr(textstage, "gather", gather)

    def no_prefetch(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the text stage must not run ahead of an embedded decode")

    monkeypatch.setattr(textstage.Prefetch, "start", no_prefetch)
    model = tmp_path / "own-model.gguf"  # a user's own GGUF: not the small default, so
    model.write_bytes(b"GGUF")           # every part is asked (5 decodes per brief)
    settings = Settings.from_env(model=str(model), max_retries=0)
    backend = backends.get_backend(settings)
    assert backend.kind == "embedded" and not backend.small
    sources = copy_articles(tmp_path / "docs", 4)
    report = await run_batch(sources, tmp_path / "out.jsonl", schema="brief",
                             settings=settings, concurrency=8, progress=False,
                             backend=backend, cache=None)
    assert report.ok == 4, report.failures
    decodes = [e for e in events if e[2] == "decode"]
    texts = [e for e in events if e[2] == "text"]
    assert len(texts) == 4 and len(decodes) >= 4
    assert peak == 1  # one decode at a time
    for d_start, d_end, _ in decodes:  # and none while an article's text is analysed
        assert all(d_end <= t_start or d_start >= t_end for t_start, t_end, _ in texts)


def test_the_text_workers_are_forked_processes() -> None:
    # What the tests above rely on: the text stage is not in this process.
    cands = asyncio.run(textstage.gather(ARTICLES[0].read_text(encoding="utf-8"), None))
    pool = textstage._pool
    assert pool is not None and pool.active
    assert cands.timings["parse_s"] > 0
    textstage.shutdown()


@pytest.mark.server
async def test_articles_the_cache_serves_are_not_analysed_ahead(
        server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.cache import Cache

    sources = copy_articles(tmp_path / "docs", 4)
    settings = Settings.from_env(base_url=server.base_url, model="fake-model", api_key=KEY,
                                 timeout=5.0, max_retries=1)
    cache = Cache(tmp_path / "cache")
    first = await run_batch(sources, tmp_path / "a.jsonl", schema="event", settings=settings,
                            concurrency=2, progress=False, cache=cache)
    assert first.ok == 4 and server.count() == 4
    started: list[str] = []
    real_start = textstage.Prefetch.start

    async def start(self: textstage.Prefetch, text: str, *args: Any) -> None:
        started.append(text)
        await real_start(self, text, *args)

    monkeypatch.setattr(textstage.Prefetch, "start", start)
    again = await run_batch(sources, tmp_path / "b.jsonl", schema="event", settings=settings,
                            concurrency=2, progress=False, cache=cache)
    assert again.ok == 4 and again.calls == 0 and server.count() == 4
    assert started == []  # no text stage for a result the cache serves
    assert all(r["result"]["meta"]["cached"] for r in records(tmp_path / "b.jsonl"))


async def test_a_batch_on_the_small_default_model_runs_like_one_against_a_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The small default model is never asked (the text layer decides), so its batch has no
    # decode to keep apart from the text stage: several articles in flight, each article's
    # text analysed ahead in the workers, and the model never loaded.
    from summarizer import backends
    from summarizer.backends import embedded

    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "SUMMARIZER_MODEL"):
        monkeypatch.delenv(name, raising=False)

    def no_model(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the small default model must not be loaded for a batch")

    monkeypatch.setattr(embedded, "_load_server", no_model)
    prefetched = texts_taken_from_prefetch(monkeypatch)
    in_flight = peak = 0
    real_gather = textstage.gather

    async def gather(text: str, published: Any, title: Any = None) -> Any:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            await asyncio.sleep(0.05)  # long enough for the other slots to take theirs
            return await real_gather(text, published, title)
        finally:
            in_flight -= 1

    monkeypatch.setattr(textstage, "gather", gather)
    settings = Settings.from_env(max_retries=0)
    backend = backends.get_backend(settings)
    assert backend.kind == "embedded" and backend.small
    sources = copy_articles(tmp_path / "docs", 6)
    report = await run_batch(sources, tmp_path / "out.jsonl", schema="brief",
                             settings=settings, concurrency=3, progress=False,
                             backend=backend, cache=None)
    assert report.ok == 6 and report.calls == 0, report.failures
    assert len(prefetched) == 6  # every article's text stage ran ahead, in the workers
    assert peak > 1  # more than one article in flight
