"""Faults of an OpenAI-compatible server, against a real HTTP server on 127.0.0.1.

Each test says how many requests reached the server, how long the whole call took at
most, and what the user gets in the end (a result, or which error). Settings are small
(timeouts of a second or two) so that the suite runs in seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fakeserver import FakeServer, Reply
except ImportError:  # pragma: no cover
    from fakeserver import FakeServer, Reply  # type: ignore[no-redef]
from pydantic import BaseModel

from summarizer.backends import OpenAIBackend
from summarizer.errors import (
    AuthenticationError,
    BackendTimeout,
    BackendUnavailable,
    InvalidOutput,
    OutputTruncated,
    QuotaExceeded,
)
from summarizer.settings import Settings

pytestmark = pytest.mark.server

SENTINEL = "sk-SENTINEL-do-not-leak-12345"
ARTICLE = ("MINSK, Nov 23 - Leaders of the security bloc met in Minsk on Thursday. "
           '"We stand together," said the host, President Alexander Lukashenko.')


class Headline(BaseModel):
    title: str
    type: str


def settings_for(server: FakeServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "base_url": server.base_url, "model": "fake-model", "api_key": SENTINEL,
        "timeout": 2.0, "deadline": 30.0, "max_retries": 2, "validation_retries": 1,
        "retry_after_cap": 5.0,
    }
    values.update(overrides)
    return Settings.from_env(**values)  # as the CLI builds them (registers the key)


async def complete(settings: Settings) -> tuple[Any, float]:
    """One model call through the real client; returns (result or exception, seconds)."""
    backend = OpenAIBackend(settings)
    started = time.monotonic()
    try:
        out: Any = await backend.complete(
            [{"role": "user", "content": ARTICLE}], Headline, max_tokens=50)
    except Exception as exc:
        out = exc
    return out, time.monotonic() - started


async def test_429_waits_retry_after_then_succeeds(server):
    server.script(Reply.rate_limited(retry_after=1))
    out, took = await complete(settings_for(server))
    assert isinstance(out.value, Headline)
    assert out.attempts == 2
    assert server.count() == 2
    gap = server.chat_requests()[1].started - server.chat_requests()[0].started
    assert 0.9 <= gap < 1.8  # honoured Retry-After: 1, no more
    assert took < 3


async def test_retry_after_beyond_the_cap_is_capped(server):
    server.script(Reply.rate_limited(retry_after=3600))
    out, took = await complete(settings_for(server, retry_after_cap=0.5))
    assert isinstance(out.value, Headline)
    assert server.count() == 2
    assert took < 2.5


async def test_repeated_500s_give_up_after_max_retries(server):
    server.script(*[Reply.error(500, message="upstream exploded")] * 10)
    out, took = await complete(settings_for(server, max_retries=2))
    assert isinstance(out, BackendUnavailable)
    assert "HTTP 500" in str(out)
    assert out.attempts == 3
    assert server.count() == 3  # max_retries + 1, then stop
    assert took < 4  # backoff with jitter: at most 0.5 s + 1 s


async def test_401_is_not_retried(server):
    server.script(Reply.error(401, message="Incorrect API key provided: sk-SENT****2345",
                              code="invalid_api_key"))
    out, took = await complete(settings_for(server))
    assert isinstance(out, AuthenticationError)
    assert out.exit_code == 4 and out.hint
    assert server.count() == 1
    assert took < 1.5


async def test_insufficient_quota_fails_at_once(server):
    server.script(Reply.quota(), Reply.quota())
    out, took = await complete(settings_for(server))
    assert isinstance(out, QuotaExceeded)
    assert server.count() == 1  # a 429, but retrying cannot help
    assert took < 1.5


async def test_hang_times_out_per_request_then_gives_up(server):
    server.script(Reply.hang(30), Reply.hang(30))
    out, took = await complete(settings_for(server, timeout=0.5, max_retries=1))
    assert isinstance(out, BackendTimeout)
    assert out.attempts == 2
    assert server.count() == 2
    assert 1.0 <= took < 3.5  # timeout x attempts, plus one backoff of at most 0.5 s


async def test_connection_reset_is_retried(server):
    server.script(Reply.reset())
    out, took = await complete(settings_for(server))
    assert isinstance(out.value, Headline)
    assert out.attempts == 2
    assert server.count() == 2
    assert took < 2


async def test_malformed_json_is_reasked_once_and_succeeds(server):
    server.script(Reply.raw_content('{"title": "Summit", "type": '))
    out, took = await complete(settings_for(server, validation_retries=1, max_retries=0))
    assert isinstance(out.value, Headline)
    assert out.attempts == 1  # a re-ask is not a transport retry
    assert server.count() == 2
    # The re-ask shows the model its mistake.
    assert len(server.chat_requests()[1].body["messages"]) > 1
    assert took < 2


async def test_reasks_and_transport_retries_have_separate_budgets(server):
    server.script(Reply.error(503), Reply.raw_content("not json"))
    out, took = await complete(settings_for(server, validation_retries=1, max_retries=1))
    assert isinstance(out.value, Headline)
    assert server.count() == 3  # 503 -> retry -> invalid -> re-ask -> ok
    assert took < 3


async def test_empty_content_is_invalid_output_after_reasks(server):
    server.script(*[Reply.raw_content("")] * 5)
    out, took = await complete(settings_for(server, validation_retries=2))
    assert isinstance(out, InvalidOutput)
    assert out.exit_code == 5
    assert server.count() == 3  # the first answer and 2 re-asks; never transport-retried
    assert took < 2


async def test_html_page_with_200_is_a_server_failure(server):
    # Decision: a 2xx that is not JSON comes from a proxy or a wrong URL, not the model;
    # it is retried like a 5xx and never re-asked as if the model had written it.
    server.script(*[Reply.html(200)] * 5)
    out, took = await complete(settings_for(server, max_retries=2))
    assert isinstance(out, BackendUnavailable)
    assert "instead of JSON" in str(out)
    assert server.count() == 3  # max_retries + 1; no validation re-asks
    assert took < 4


async def test_finish_reason_length_fails_after_one_request(server):
    server.script(Reply.truncated(), Reply.truncated())
    out, took = await complete(settings_for(server, validation_retries=2, max_retries=2))
    assert isinstance(out, OutputTruncated)
    assert "max-tokens" in (out.hint or "")
    assert server.count() == 1  # same budget, same truncation: never asked again
    assert took < 1.5


async def test_drip_feed_is_stopped_by_the_article_deadline(server):
    from summarizer.pipeline import asummarize

    # One byte every 0.2 s: the 2 s read timeout never fires, only the deadline can.
    server.script(Reply.drip(seconds=60, interval=0.2))
    settings = settings_for(server, deadline=1.5, timeout=2.0)
    started = time.monotonic()
    with pytest.raises(BackendTimeout, match="deadline"):
        await asummarize(ARTICLE, "event", settings=settings)
    took = time.monotonic() - started
    assert 1.4 <= took < 2.5
    assert server.count() == 1
    # The deadline really cancelled the request: the client hung up on the server.
    for _ in range(40):
        if server.chat_requests()[0].client_gone:
            break
        await asyncio.sleep(0.05)
    assert server.chat_requests()[0].client_gone


async def test_pipeline_event_schema_end_to_end(server):
    from summarizer.pipeline import asummarize

    server.script(Reply.raw_content("{oops"))
    result = await asummarize(ARTICLE, "event", settings=settings_for(server))
    assert result.event.title
    assert result.meta.usage.calls == 1
    assert server.count() == 2


async def test_api_key_never_leaks(server, tmp_path: Path, caplog, monkeypatch):
    """The key goes to the server and nowhere else: logs, errors, batch files, cache."""
    from summarizer.batch.runner import run_batch
    from summarizer.cache import Cache

    for name in ("", "openai", "instructor", "httpx", "httpx2", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    monkeypatch.setenv("OPENAI_LOG", "debug")
    errors: list[str] = []
    for reply in (Reply.error(401), Reply.quota(), Reply.html(), Reply.error(500),
                  Reply.raw_content("")):
        server.script(*[reply] * 4)
        out, _ = await complete(settings_for(server, max_retries=1, retry_after_cap=0.1))
        assert isinstance(out, Exception)
        errors += [str(out), repr(out), str(out.hint), str(out.__cause__)]

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(ARTICLE)
    (docs / "bad.txt").write_text(ARTICLE + " Another.")
    (docs / "empty.txt").write_text("")
    server.clear()
    server.script(Reply.ok(), *[Reply.error(401)] * 4)
    cache = Cache(tmp_path / "cache")
    report = await run_batch(
        [str(docs / "good.txt"), str(docs / "bad.txt"), str(docs / "empty.txt")],
        tmp_path / "out.jsonl", schema="event", concurrency=1, progress=False,
        settings=settings_for(server, max_retries=0), cache=cache)
    assert (report.ok, report.failed) == (1, 2)

    # The server did get the key: the test can see it when it is there.
    assert server.chat_requests()[0].headers["authorization"] == f"Bearer {SENTINEL}"
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    assert SENTINEL not in caplog.text
    assert SENTINEL not in "\n".join(errors)
    stored = [p for p in tmp_path.rglob("*") if p.is_file() and "docs" not in p.parts]
    assert stored, "expected the batch file and the cache database"
    for path in stored:
        assert SENTINEL.encode() not in path.read_bytes(), path
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {r["error"]["type"] for r in records if r["error"]} == {
        "AuthenticationError", "EmptyInputError"}


@pytest.mark.server
async def test_a_server_that_rejects_json_schema_gets_json_mode(server: FakeServer) -> None:
    # llama-cpp-python's server answers 400 to `response_format: json_schema`.
    server.script(Reply.error(400, message="'json_schema' is not a valid response_format "
                                          "type", code="invalid_request_error"),
                  Reply.ok({"title": "Summit in Minsk", "type": "summit"}))
    backend = OpenAIBackend(settings_for(server))
    out = await backend.complete([{"role": "user", "content": "x"}], Headline, max_tokens=50)
    assert isinstance(out.value, Headline)
    assert len(server.requests) == 2
    assert "response_format" in server.requests[0].body
    assert server.requests[1].body.get("response_format", {}).get("type") != "json_schema"
    assert backend.constrained is False
