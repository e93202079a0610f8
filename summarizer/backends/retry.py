"""Transport retries: the one layer that retries failed model calls (with tenacity).

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
  (`summarizer.backends.failures`, where errors are classified) decides this before
  instructor sees the body, so a broken server is never mistaken for invalid model output
  and re-asked.

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
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from summarizer.backends.failures import classify, unwrap
from summarizer.errors import BackendError, RateLimited, SummarizerError
from summarizer.settings import Settings

if TYPE_CHECKING:
    import tenacity  # imported where used, with the first model call

__all__ = [
    "AdaptiveLimiter",
    "RetryListener",
    "call_with_retries",
    "retry_delay",
    "retry_listener",
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


def _retry_after(exc: BaseException) -> float | None:
    exc = unwrap(exc)
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


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, BackendError) and exc.retryable


async def call_with_retries(
    fn: Callable[[], Awaitable[T]],
    settings: Settings,
    *,
    on_retry: Callable[[SummarizerError, float], None] | None = None,
) -> tuple[T, int]:
    """Run `fn` with transport retries. Returns (result, attempts made).

    Every failure is classified (`failures.classify`) as it happens, so tenacity decides
    on our errors: retryable BackendErrors are retried, up to `settings.max_retries`
    times; anything else is raised at once. The error raised at the end carries
    `attempts` (how many times `fn` ran), whatever its type, so that a batch record can
    say how hard we tried. Cancellation (the deadline, the user) is never retried.
    """
    import tenacity  # here: `summarize --help` and cached results make no calls

    attempts = 0
    cause: BaseException | None = None  # what the server sent last: Retry-After is on it

    async def attempt() -> T:
        nonlocal attempts, cause
        attempts += 1
        try:
            return await fn()
        except Exception as exc:  # CancelledError is a BaseException: it passes untouched
            cause = unwrap(exc)
            error = classify(exc)
            error.attempts = attempts  # type: ignore[attr-defined]
            if error is exc:
                raise
            raise error from cause

    def wait(state: tenacity.RetryCallState) -> float:
        return retry_delay(state.attempt_number, cause or _outcome(state), settings)

    def announce(state: tenacity.RetryCallState) -> None:
        error = _outcome(state)
        assert isinstance(error, SummarizerError)
        for listener in (*_listeners.get(), *([on_retry] if on_retry else [])):
            listener(error, state.upcoming_sleep)

    retrying = tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(_retryable),
        stop=tenacity.stop_after_attempt(settings.max_retries + 1),
        wait=wait,
        before_sleep=announce,
        sleep=asyncio.sleep,
        reraise=True,  # our error, not tenacity's RetryError
    )
    return await retrying(attempt), attempts


def _outcome(state: tenacity.RetryCallState) -> BaseException:
    exc = state.outcome.exception() if state.outcome else None
    assert exc is not None  # tenacity waits and announces only after a failure
    return exc


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
