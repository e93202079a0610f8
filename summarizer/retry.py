"""Transport retries: the one layer that retries failed model calls.

The openai client is built with `max_retries=0` and instructor only re-asks on invalid
output, so everything that can go wrong on the wire is handled here, once:

- 429: retried, honouring Retry-After up to `settings.retry_after_cap`;
  `insufficient_quota` fails at once (QuotaExceeded);
- 408, 409, 5xx, connection errors, timeouts, bodies that are not the API's JSON: retried
  with exponential backoff and full jitter;
- 400 (e.g. context length), 401, 403, 404, 422: never retried;
- `finish_reason=length`: not retried with the same budget (OutputTruncated).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import openai

from summarizer.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ContextLengthExceeded,
    ConfigError,
    InvalidOutput,
    OutputTruncated,
    QuotaExceeded,
    RateLimited,
    SummarizerError,
)
from summarizer.settings import Settings

__all__ = ["call_with_retries", "classify", "retry_delay"]

T = TypeVar("T")


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
    if isinstance(exc, SummarizerError):
        return exc
    name = type(exc).__name__
    if name == "IncompleteOutputException":
        return OutputTruncated(
            "the model stopped at the token limit before finishing its JSON",
            hint="raise --max-tokens, or use a smaller schema (e.g. --schema event)",
        )
    if isinstance(exc, openai.APITimeoutError):
        return BackendTimeout("the model server did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return BackendUnavailable(f"cannot reach the model server: {exc.message}")
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
        if status == 400 and ("context" in text.lower() or "too long" in text.lower()
                              or "exceed" in text.lower()):
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
        return BackendUnavailable(f"unexpected answer from the model server: {exc}"[:300])
    return BackendError(f"{name}: {exc}"[:300])


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
    """Run `fn` with transport retries. Returns (result, attempts made)."""
    import asyncio

    attempt = 0
    while True:
        attempt += 1
        try:
            return await fn(), attempt
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = classify(exc)
            retryable = isinstance(error, BackendError) and error.retryable
            if not retryable or attempt > settings.max_retries:
                if isinstance(error, BackendError):
                    error.attempts = attempt
                raise error from _unwrap(exc)
            delay = retry_delay(attempt, exc, settings)
            if on_retry:
                on_retry(error, delay)
            await asyncio.sleep(delay)
