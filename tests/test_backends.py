"""The backend seam without a server: the registry, errors mapped by type, the retry loop."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import openai
import pytest
from instructor.core import exceptions as instructor_errors
from pydantic import BaseModel

from summarizer.backends import (
    EmbeddedBackend,
    FakeBackend,
    OpenAIBackend,
    get_backend,
    register_backend,
    use_backend,
)
from summarizer.backends.failures import classify, server_error
from summarizer.backends.retry import AdaptiveLimiter, call_with_retries, retry_listener
from summarizer.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ConfigError,
    ContextLengthExceeded,
    InvalidOutput,
    OutputTruncated,
    QuotaExceeded,
    RateLimited,
)
from summarizer.settings import Settings

URL = "http://127.0.0.1:9/v1/chat/completions"


# -- the registry ----------------------------------------------------------------------------
def test_the_built_in_kinds_follow_the_settings() -> None:
    assert isinstance(get_backend(Settings()), EmbeddedBackend)
    assert isinstance(get_backend(Settings(base_url="http://127.0.0.1:9/v1")), OpenAIBackend)
    with pytest.raises(ConfigError, match=r"neither a \.gguf"):
        get_backend(Settings(model="llama3"))  # no key, no URL: as before the registry


def test_use_backend_answers_every_call_until_the_block_ends() -> None:
    fake = FakeBackend()
    with use_backend(fake) as installed:
        assert installed is fake
        assert get_backend(Settings()) is fake
        assert get_backend(Settings(model="llama3")) is fake  # whatever the settings
    assert isinstance(get_backend(Settings()), EmbeddedBackend)


def test_a_plugin_registers_by_kind_or_by_predicate_newest_first() -> None:
    mine, theirs = FakeBackend(model="mine"), FakeBackend(model="theirs")
    by_model = register_backend(lambda s: (s.model or "").startswith("mine:"),
                                lambda s: mine)
    by_kind = register_backend("openai", lambda s: theirs)
    try:
        assert get_backend(Settings(model="mine:x")) is mine
        assert get_backend(Settings(base_url="http://127.0.0.1:9/v1")) is theirs
        assert isinstance(get_backend(Settings()), EmbeddedBackend)
        with use_backend(FakeBackend()) as fake:  # a test's fake comes before plugins
            assert get_backend(Settings(model="mine:x")) is fake
    finally:
        by_model.remove()
        by_kind.remove()
    assert isinstance(get_backend(Settings(base_url="http://127.0.0.1:9/v1")), OpenAIBackend)


# -- errors mapped by type ---------------------------------------------------------------------
def _status(cls: type[openai.APIStatusError], status: int, body: Any = None,
            headers: dict[str, str] | None = None) -> openai.APIStatusError:
    response = httpx2.Response(status, headers=headers or {},
                               request=httpx2.Request("POST", URL))
    return cls(f"Error code: {status}", response=response, body=body)


def _err(message: str, code: str = "") -> dict[str, Any]:
    return {"error": {"message": message, "code": code}}


@pytest.mark.parametrize(("exc", "kind", "status"), [
    (_status(openai.RateLimitError, 429, _err("slow down")), RateLimited, 429),
    (_status(openai.RateLimitError, 429, _err("no money", "insufficient_quota")),
     QuotaExceeded, 429),
    (_status(openai.AuthenticationError, 401), AuthenticationError, 401),
    (_status(openai.PermissionDeniedError, 403), AuthenticationError, 403),
    (_status(openai.NotFoundError, 404, _err("no such model")), ConfigError, 404),
    (_status(openai.BadRequestError, 400, _err("maximum context length is 8192 tokens")),
     ContextLengthExceeded, 400),
    (_status(openai.BadRequestError, 400, _err("too big", "context_length_exceeded")),
     ContextLengthExceeded, 400),
    (_status(openai.BadRequestError, 400, _err("bad temperature")), BackendError, 400),
    (_status(openai.UnprocessableEntityError, 422, _err("bad field")), BackendError, 422),
    (_status(openai.ConflictError, 409), BackendUnavailable, 409),
    (_status(openai.APIStatusError, 408), BackendUnavailable, 408),
    (_status(openai.InternalServerError, 503), BackendUnavailable, 503),
])
def test_http_errors_are_mapped_by_class_and_keep_their_status(
        exc: openai.APIStatusError, kind: type[Exception], status: int) -> None:
    error = classify(exc)
    assert type(error) is kind
    assert error.status_code == status


def test_transport_and_parse_failures_are_mapped_by_type() -> None:
    request = httpx2.Request("POST", URL)
    refused = openai.APIConnectionError(request=request)
    refused.__cause__ = ConnectionRefusedError()
    assert isinstance(classify(refused), BackendUnavailable)
    assert "connection refused" in str(classify(refused))
    assert isinstance(classify(openai.APITimeoutError(request=request)), BackendTimeout)
    assert isinstance(classify(httpx2.ReadTimeout("slow", request=request)), BackendTimeout)
    assert isinstance(classify(httpx2.ConnectError("refused", request=request)),
                      BackendUnavailable)
    assert isinstance(classify(instructor_errors.IncompleteOutputException()), OutputTruncated)
    assert isinstance(classify(json.JSONDecodeError("no", "{", 1)), InvalidOutput)

    class Headline(BaseModel):
        title: str

    with pytest.raises(Exception) as invalid:
        Headline.model_validate({})
    assert isinstance(classify(invalid.value), InvalidOutput)
    assert isinstance(classify(instructor_errors.ResponseParsingError("bad")), InvalidOutput)
    # instructor's wrapper is looked through, to the API error it gave up on
    wrapped = instructor_errors.InstructorRetryException(n_attempts=1, total_usage=0)
    wrapped.__cause__ = _status(openai.AuthenticationError, 401)
    assert isinstance(classify(wrapped), AuthenticationError)
    # a class merely *named* like a known one is not mistaken for it
    look_alike = type("ValidationError", (Exception,), {})
    assert type(classify(look_alike("x"))) is BackendError
    assert classify(TimeoutError()).message == "the per-article deadline ran out"


def test_a_servers_error_object_is_decided_by_its_code() -> None:
    assert isinstance(server_error({"message": "x", "code": "insufficient_quota"}),
                      QuotaExceeded)
    assert server_error({"message": "x", "code": 429}).status_code == 429
    assert isinstance(server_error({"message": "x", "code": "exceed_context_size_error"}),
                      ContextLengthExceeded)
    unknown = server_error({"message": "x"})
    assert isinstance(unknown, BackendUnavailable) and unknown.status_code is None


def test_json_mode_fallback_goes_by_status_not_by_message_text() -> None:
    backend = OpenAIBackend(Settings(base_url="http://127.0.0.1:9/v1", model="m"))
    said_400 = BackendError("'json_schema' is not a valid response_format", status_code=400)
    no_status = BackendError("HTTP 400: json_schema is not a valid response_format")
    context = ContextLengthExceeded("json_schema prompt too long", status_code=400)
    assert backend._rejects_json_schema(said_400)
    assert not backend._rejects_json_schema(no_status)
    assert not backend._rejects_json_schema(context)


# -- the retry loop (tenacity) ---------------------------------------------------------------
def test_retries_wait_retry_after_tell_listeners_and_count_attempts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise _status(openai.RateLimitError, 429, _err("slow"), {"retry-after": "2"})
        return "ok"

    heard: list[tuple[str, float]] = []
    limiter = AdaptiveLimiter(8, cooldown=0)
    settings = Settings(max_retries=4, retry_after_cap=60)
    with retry_listener(limiter.on_retry):
        out = asyncio.run(call_with_retries(
            flaky, settings, on_retry=lambda e, d: heard.append((type(e).__name__, d))))
    assert out == ("ok", 3)
    assert slept == [2.0, 2.0]
    assert heard == [("RateLimited", 2.0), ("RateLimited", 2.0)]
    assert limiter.limit == 2  # halved on each 429


def test_the_last_error_carries_the_attempts_and_its_cause(
        monkeypatch: pytest.MonkeyPatch) -> None:
    async def sleep(seconds: float) -> None:
        return None

    monkeypatch.setattr(asyncio, "sleep", sleep)
    calls = 0

    async def down() -> None:
        nonlocal calls
        calls += 1
        raise _status(openai.InternalServerError, 502)

    with pytest.raises(BackendUnavailable) as info:
        asyncio.run(call_with_retries(down, Settings(max_retries=2)))
    assert calls == 3 and info.value.attempts == 3 and info.value.status_code == 502
    assert isinstance(info.value.__cause__, openai.InternalServerError)

    async def refused() -> None:
        raise _status(openai.AuthenticationError, 401)

    with pytest.raises(AuthenticationError) as never:
        asyncio.run(call_with_retries(refused, Settings(max_retries=2)))
    assert never.value.attempts == 1  # never retried


def test_cancellation_is_never_retried() -> None:
    calls = 0

    async def cancelled() -> None:
        nonlocal calls
        calls += 1
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(call_with_retries(cancelled, Settings(max_retries=3)))
    assert calls == 1


def test_the_embedded_models_errors_by_type_then_by_text() -> None:
    from summarizer.backends.embedded import _llama_error

    typed = _llama_error({"code": 400, "message": "request too large",
                          "type": "exceed_context_size_error"})
    assert isinstance(typed, ContextLengthExceeded) and typed.status_code == 400
    # older llama.cpp: no code and no type, only words
    assert isinstance(_llama_error({"message": "the prompt exceeds the context size"}),
                      ContextLengthExceeded)
    other = _llama_error({"code": 500, "message": "out of memory"})
    assert type(other) is BackendError and other.status_code == 500


def test_why_a_server_is_unreachable_is_read_from_the_causes_types() -> None:
    import socket

    from summarizer.errors import unreachable_message

    lookup = openai.APIConnectionError(request=httpx2.Request("POST", URL))
    lookup.__cause__ = httpx2.ConnectError("boom")
    lookup.__cause__.__cause__ = socket.gaierror(-2, "Name or service not known")
    assert unreachable_message(lookup, URL).endswith(": host name not found")
    reset = RuntimeError("x")
    reset.__context__ = ConnectionResetError()
    assert unreachable_message(reset, None) == \
        "cannot reach the model server: connection reset by the server"
