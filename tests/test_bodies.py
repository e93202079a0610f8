"""HTTP 200 answers that are not a usable chat completion, from a real server on 127.0.0.1.

A broken body is the server's fault: retried with backoff like a 5xx, then exit 4 quoting
what the server sent; never re-asked as if the model had written it. An error object is
the server's error, shown; a refusal says the model refused, and what it said. No message
names a Python exception.
"""

from __future__ import annotations

import re
import time
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
    BackendError,
    BackendUnavailable,
    ContextLengthExceeded,
    InvalidOutput,
    ModelRefused,
    RateLimited,
)
from summarizer.settings import Settings

pytestmark = pytest.mark.server

PYTHON_NAMES = re.compile(r"\b\w*(Error|Exception)\b|Traceback|NoneType|not subscriptable")


class Headline(BaseModel):
    title: str
    type: str


def settings_for(server: FakeServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"base_url": server.base_url, "model": "fake-model",
                              "api_key": "sk-bodies-test-000000", "timeout": 2.0,
                              "max_retries": 2, "validation_retries": 2}
    values.update(overrides)
    return Settings(**values)


async def complete(settings: Settings) -> tuple[Any, float]:
    backend = OpenAIBackend(settings)
    started = time.monotonic()
    try:
        out: Any = await backend.complete([{"role": "user", "content": "x"}], Headline,
                                          max_tokens=50)
    except Exception as exc:
        out = exc
    return out, time.monotonic() - started


@pytest.mark.parametrize(("body", "shown"), [
    ('{"id": "chatcmpl-1", "choices": [{"mess', '{"id": "chatcmpl-1"'),  # cut off
    ("", "an empty body"),
    ({"id": "chatcmpl-1", "object": "chat.completion", "choices": []}, "no choices"),
    ([1, 2, 3], "[1, 2, 3]"),
])
async def test_a_broken_200_body_is_retried_then_a_backend_failure(server, body, shown):
    server.script(*[Reply.raw_body(body)] * 5)
    out, took = await complete(settings_for(server, max_retries=2))
    assert isinstance(out, BackendUnavailable), out
    assert out.exit_code == 4
    assert shown in str(out)  # what the server sent
    assert not PYTHON_NAMES.search(str(out)), str(out)
    assert server.count() == 3  # max_retries + 1, and no validation re-asks on top
    assert all(len(r.body["messages"]) == 1 for r in server.chat_requests())
    assert took < 4


async def test_a_broken_body_then_a_good_one_succeeds_after_backoff(server):
    server.script(Reply.raw_body('{"choices": [}'))
    out, _ = await complete(settings_for(server))
    assert isinstance(out.value, Headline)
    assert out.attempts == 2  # a transport retry, not a re-ask
    assert server.count() == 2


async def test_an_error_object_in_a_200_is_the_servers_error_shown(server):
    loading = {"error": {"message": "model 'x' is loading, try later"}}
    server.script(*[Reply.raw_body(loading)] * 5)
    out, _ = await complete(settings_for(server, max_retries=1))
    assert isinstance(out, BackendUnavailable)
    assert "model 'x' is loading, try later" in str(out)
    assert not PYTHON_NAMES.search(str(out)), str(out)
    assert server.count() == 2  # an unclassified server failure is retried like a 5xx


@pytest.mark.parametrize(("error", "kind", "requests"), [
    ({"message": "Invalid API key", "code": 401}, AuthenticationError, 1),
    ({"message": "prompt exceeds the context window", "code": 400}, ContextLengthExceeded, 1),
    ({"message": "bad parameter 'seed'", "code": "400"}, BackendError, 1),
    ({"message": "slow down", "code": 429}, RateLimited, 3),
])
async def test_an_error_object_in_a_200_is_classified_by_its_code(server, error, kind,
                                                                  requests):
    server.script(*[Reply.raw_body({"error": error})] * 5)
    out, _ = await complete(settings_for(server, max_retries=2))
    assert type(out) is kind, out
    assert error["message"] in str(out)
    assert server.count() == requests


async def test_a_refusal_says_the_model_refused_and_what_it_said(server):
    server.script(*[Reply.refusal("I'm sorry, I cannot help with that request.")] * 5)
    out, _ = await complete(settings_for(server))
    assert isinstance(out, ModelRefused) and isinstance(out, InvalidOutput)
    assert out.exit_code == 5
    assert "refused" in str(out)
    assert "I'm sorry, I cannot help with that request." in str(out)
    assert not PYTHON_NAMES.search(str(out)), str(out)
    assert server.count() == 1  # asking again gets the same refusal


async def test_the_cli_exits_4_quoting_the_body(server, tmp_path):
    import asyncio
    import sys

    server.script(*[Reply.raw_body("{oops")] * 10)
    article = tmp_path / "a.txt"
    article.write_text("Ministers met in Aktau on Thursday.", encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from summarizer.cli import main; main()", str(article),
        "--schema", "event", "--base-url", server.base_url, "--model", "fake-model",
        "--max-retries", "1", "--no-cache", "-q",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert proc.returncode == 4, text
    assert "not JSON" in text and "{oops" in text
    assert not PYTHON_NAMES.search(text), text
