"""Transport retries: the one layer that retries failed model calls.

The openai client is built with `max_retries=0` and instructor only re-asks on invalid
output, so everything that can go wrong on the wire is handled here, once:

- 429: retried, honouring Retry-After up to `settings.retry_after_cap`;
  `insufficient_quota` fails at once (QuotaExceeded);
- 408, 409, 5xx, connection errors, timeouts, bodies that are not the API's JSON: retried
  with exponential backoff and full jitter;
- 400 (e.g. context length), 401, 403, 404, 422: never retried;
- `finish_reason=length`: not retried with the same budget (OutputTruncated);
- a 2xx answer that is not a chat completion (a proxy's HTML page, a truncated or empty
  body, no choices): retried like a 5xx, then BackendUnavailable quoting what the server
  sent; a 2xx `{"error": ...}` is the server's error, classified by its code; a
  `refusal` is ModelRefused (exit 5), never re-asked. The `reject_non_json` response hook
  decides this before instructor sees the body, so a broken server is never mistaken for
  invalid model output and re-asked.

Every retry is announced to the `on_retry` callback and to the listeners registered with
`retry_listener()` in the current context: batch runs feed them to an `AdaptiveLimiter`
to slow down on 429s without threading a callback through the pipeline.

Invalid output is instructor's business (re-asks, `settings.validation_retries`), and the
per-article deadline is the pipeline's (`asyncio.timeout`), which cancels a retry loop
mid-sleep or mid-request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from summarizer.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ConfigError,
    ContextLengthExceeded,
    InvalidOutput,
    ModelRefused,
    OutputTruncated,
    QuotaExceeded,
    RateLimited,
    SummarizerError,
    unreachable_message,
)
from summarizer.settings import Settings

if TYPE_CHECKING:
    import openai  # imported where used: loading it costs a second the cache can skip

__all__ = [
    "AdaptiveLimiter",
    "RetryListener",
    "ServerAnswerError",
    "call_with_retries",
    "classify",
    "completion_problem",
    "overflows_context",
    "reject_non_json",
    "retry_delay",
    "retry_listener",
    "server_error",
]

T = TypeVar("T")

RetryListener = Callable[[SummarizerError, float], None]
"""Called with the error that will be retried and the seconds we wait before retrying."""

_listeners: ContextVar[tuple[RetryListener, ...]] = ContextVar(
    "summarizer_retry_listeners", default=()
)


@contextlib.contextmanager
def retry_listener(listener: RetryListener) -> Iterator[None]:
    """Announce every retry made in this context (and tasks started from it) to `listener`."""
    token = _listeners.set((*_listeners.get(), listener))
    try:
        yield
    finally:
        _listeners.reset(token)


class ServerAnswerError(Exception):
    """Raised by `reject_non_json` for a 2xx answer that is not a usable chat completion.

    The openai client wraps it in an APIConnectionError (its cause); `classify` finds it
    there and returns the `error` decided here instead of a parse failure further down.
    """

    def __init__(self, error: SummarizerError) -> None:
        super().__init__(str(error))
        self.error = error


async def reject_non_json(response: Any) -> None:
    """httpx2 response hook: a 2xx answer must be a chat completion, or it is the server's
    failure, never the model's.

    Without it the openai client hands a proxy's HTML page, a truncated or empty body,
    `choices: []` or `{"error": ...}` to instructor, which reports a parse error and
    re-asks at once (or fails on an IndexError), blaming the model for a broken server.
    """
    if not response.is_success:
        return  # error statuses are classified by their status code
    content_type = response.headers.get("content-type", "")
    if "event-stream" in content_type:
        return
    if "json" not in content_type:
        import openai

        await response.aread()
        raise openai.APIResponseValidationError(
            response,
            None,
            message=f"the server answered HTTP {response.status_code} with "
            f"{content_type.split(';')[0] or 'no content type'} instead of JSON",
        )
    if not response.request.url.path.endswith("/chat/completions"):
        return
    await response.aread()
    problem = completion_problem(response.content, response.status_code)
    if problem is not None:
        raise ServerAnswerError(problem)


def _snippet(body: bytes) -> str:
    text = body[:200].decode("utf-8", "replace").strip()
    return repr(text) + ("..." if len(body) > 200 else "") if text else "an empty body"


def completion_problem(body: bytes, status: int = 200) -> SummarizerError | None:
    """What is wrong with a 2xx chat completion body, as our error, or None if nothing.

    - not JSON, empty, not an object, no choices, no message: BackendUnavailable
      (retried with backoff, like a 5xx), quoting what the server sent;
    - `{"error": ...}`: the server's own error, with its message (`server_error`);
    - a `refusal`: ModelRefused, with what the model said (not re-asked: it would
      refuse again).
    """
    where = f"the server answered HTTP {status} with"
    try:
        data = json.loads(body)
    except ValueError:
        return BackendUnavailable(f"{where} a body that is not JSON: {_snippet(body)}")
    if not isinstance(data, dict):
        return BackendUnavailable(f"{where} something other than a chat completion: "
                                  f"{_snippet(body)}")
    choices = data.get("choices")
    if data.get("error") and not choices:
        return server_error(data["error"], where=f"{where} an error")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return BackendUnavailable(f"{where} a completion that holds no choices: "
                                  f"{_snippet(body)}")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        return BackendUnavailable(f"{where} a completion without a message: "
                                  f"{_snippet(body)}")
    refusal = message.get("refusal")
    if refusal:
        return ModelRefused(f"the model refused to answer: {str(refusal)[:300]}",
                            hint="try another model, or --schema with fewer parts")
    return None


def server_error(err: Any, *, where: str = "the server answered with an error") \
        -> SummarizerError:
    """An `{"error": {...}}` object from a server, as our error: its code decides."""
    if isinstance(err, dict):
        message = str(err.get("message") or json.dumps(err))[:300]
        code = str(err.get("code") or err.get("status") or err.get("type") or "")
    else:
        message, code = str(err)[:300], ""
    text = f"{where}: {message}"
    status = int(code) if code.isdigit() else None
    if "insufficient_quota" in code + message:
        return QuotaExceeded(text, hint="check the plan and billing of this API key")
    if status == 429 or "rate_limit" in code:
        return RateLimited(text)
    if status in (401, 403) or code == "invalid_api_key":
        return AuthenticationError(text, hint="check OPENAI_API_KEY and that the key may "
                                              "use this model")
    if status in (None, 400, 413) and overflows_context(message):
        return ContextLengthExceeded(text)
    if status is not None and 400 <= status < 500 and status not in (408, 409):
        return BackendError(text)
    return BackendUnavailable(text)  # a failure the server did not classify: retried


def overflows_context(message: str) -> bool:
    """Whether a server's error text says the prompt does not fit the context window."""
    lowered = message.lower()
    return any(word in lowered for word in ("context", "too long", "exceed"))


def _unwrap(exc: BaseException) -> BaseException:
    """instructor wraps API errors in InstructorRetryException; look at the real cause."""
    seen = 0
    while type(exc).__name__ == "InstructorRetryException" and exc.__cause__ and seen < 5:
        exc = exc.__cause__
        seen += 1
    return exc


def _server_text(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    err = body.get("error", body) if isinstance(body, dict) else {}
    message = err.get("message") if isinstance(err, dict) else None
    return str(message or exc.message or "")[:300]


def classify(exc: BaseException) -> SummarizerError:
    """Map any exception from a model call onto our error hierarchy."""
    exc = _unwrap(exc)
    cause: BaseException | None = exc
    for _ in range(3):  # ours, or the cause of the client's APIConnectionError
        if isinstance(cause, ServerAnswerError):
            return cause.error
        cause = cause.__cause__ if cause is not None else None
    if isinstance(exc, SummarizerError):
        return exc
    import openai

    name = type(exc).__name__
    if name == "IncompleteOutputException":
        return OutputTruncated(
            "the model stopped at the token limit before finishing its JSON",
            hint="raise --max-tokens, or use a smaller schema (e.g. --schema event)",
        )
    if isinstance(exc, openai.APITimeoutError):
        return BackendTimeout("the model server did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        # Which URL, and why (refused, no such host): "Connection error." alone says neither.
        url = getattr(getattr(exc, "request", None), "url", None)
        return BackendUnavailable(unreachable_message(exc, str(url) if url else None))
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        text = _server_text(exc)
        code = ""
        if isinstance(exc.body, dict):
            err = exc.body.get("error", exc.body)
            if isinstance(err, dict):
                code = str(err.get("code") or err.get("type") or "")
        if status == 429 and "insufficient_quota" in (code + text):
            return QuotaExceeded(
                "the account has no quota left (insufficient_quota)",
                hint="check the plan and billing of this API key; retrying cannot help",
            )
        if status == 429:
            return RateLimited(f"rate limited (HTTP 429): {text}")
        if status in (401, 403):
            return AuthenticationError(
                f"the server refused the credentials (HTTP {status})",
                hint="check OPENAI_API_KEY and that the key may use this model",
            )
        if status == 404:
            return ConfigError(
                f"not found (HTTP 404): {text}",
                hint="check --model and --base-url (it usually ends in /v1)",
            )
        if status == 400 and overflows_context(text):
            return ContextLengthExceeded(f"the prompt does not fit the model: {text}")
        if status in (408, 409) or status >= 500:
            return BackendUnavailable(f"the model server failed (HTTP {status}): {text}")
        return BackendError(f"the model server rejected the request (HTTP {status}): {text}")
    if name in ("ValidationError", "JSONDecodeError", "ResponseParsingError",
                "InstructorRetryException"):
        return InvalidOutput(f"the model's answer did not match the schema: {exc}"[:500])
    if isinstance(exc, TimeoutError):
        return BackendTimeout("the per-article deadline ran out")
    if isinstance(exc, openai.APIResponseValidationError | openai.APIError):
        message = getattr(exc, "message", None) or str(exc)
        return BackendUnavailable(f"unexpected answer from the model server: {message}"[:300])
    # Not an error we know: the message says what happened, never a Python type name
    # (the exception itself stays the cause, for -vv and bug reports).
    return BackendError(f"the model call failed unexpectedly: {exc}"[:300],
                        hint="rerun with -vv to see the details, and please report it")


def _retry_after(exc: BaseException) -> float | None:
    exc = _unwrap(exc)
    response = getattr(exc, "response", None)
    headers: Any = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to backoff


def retry_delay(attempt: int, exc: BaseException, settings: Settings) -> float:
    """Seconds to wait before attempt `attempt + 1`: Retry-After if given, else jitter."""
    after = _retry_after(exc)
    if after is not None:
        return max(0.0, min(after, settings.retry_after_cap))
    return random.uniform(0, min(8.0, 0.5 * 2 ** (attempt - 1)))


async def call_with_retries(
    fn: Callable[[], Awaitable[T]],
    settings: Settings,
    *,
    on_retry: Callable[[SummarizerError, float], None] | None = None,
) -> tuple[T, int]:
    """Run `fn` with transport retries. Returns (result, attempts made).

    The error raised at the end carries `attempts` (how many times `fn` ran), whatever
    its type, so that a batch record can say how hard we tried.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return await fn(), attempt
        except asyncio.CancelledError:
            raise  # the deadline or the user: never swallowed, never retried
        except Exception as exc:
            error = classify(exc)
            retryable = isinstance(error, BackendError) and error.retryable
            if not retryable or attempt > settings.max_retries:
                error.attempts = attempt  # type: ignore[attr-defined]
                raise error from _unwrap(exc)
            delay = retry_delay(attempt, exc, settings)
            for listener in (*_listeners.get(), *([on_retry] if on_retry else [])):
                listener(error, delay)
            await asyncio.sleep(delay)


class AdaptiveLimiter:
    """At most `limit` holders at once; 429s halve the limit, successes grow it back.

    Additive increase, multiplicative decrease, as TCP does: one halving per `cooldown`
    seconds (a burst of 429s from one overload is one signal), and +1 after `limit`
    successes in a row (one round), never above `maximum`.
    """

    def __init__(self, maximum: int, *, cooldown: float = 1.0) -> None:
        self.maximum = self.limit = self.lowest = max(1, maximum)
        self.cooldown = cooldown
        self.in_flight = 0
        self._streak = 0
        self._last_cut = -float("inf")
        self._changed = asyncio.Event()

    async def __aenter__(self) -> AdaptiveLimiter:
        while self.in_flight >= self.limit:
            self._changed.clear()
            await self._changed.wait()
        self.in_flight += 1
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.in_flight -= 1
        self._changed.set()

    def rate_limited(self, *_: object) -> None:
        now = time.monotonic()
        self._streak = 0
        if now - self._last_cut >= self.cooldown:
            self._last_cut = now
            self.limit = max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)

    def on_retry(self, error: SummarizerError, delay: float) -> None:
        if isinstance(error, RateLimited):
            self.rate_limited()

    def succeeded(self) -> None:
        self._streak += 1
        if self.limit < self.maximum and self._streak >= self.limit:
            self.limit += 1
            self._streak = 0
            self._changed.set()
