"""A circuit breaker for batches: stop when the server is plainly not there.

Without it, a batch against a dead `--base-url` retries every article in turn and writes
one error record per article, for minutes. After `threshold` articles *in a row* failed
in a way that the next one will fail too (connection refused or reset, a refused key, no
quota), the batch takes no new articles, lets those in flight finish, and stops with
exit 4, saying why once and how to resume. One success resets the count.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from summarizer.errors import AuthenticationError, BackendUnavailable, QuotaExceeded

__all__ = ["CircuitBreaker", "failure_reasons"]

# Errors that say "the server cannot serve anyone right now", not "this article is bad".
# A record names its error's class (`error.type`), so the breaker compares those names.
FATAL_IN_A_ROW = frozenset(kind.__name__ for kind in (BackendUnavailable, AuthenticationError,
                                                      QuotaExceeded))


class CircuitBreaker:
    def __init__(self, threshold: int = 10) -> None:
        self.threshold = threshold
        self.in_a_row = 0
        self.last: dict[str, Any] | None = None

    @property
    def tripped(self) -> bool:
        return self.threshold > 0 and self.in_a_row >= self.threshold

    def observe(self, record: dict[str, Any]) -> None:
        """Count a finished article's record (ok resets, a fatal-looking error counts)."""
        error = record.get("error") or {}
        if record.get("status") == "ok":
            self.in_a_row = 0
        elif error.get("type") in FATAL_IN_A_ROW:
            self.in_a_row += 1
            self.last = error

    def reason(self) -> str:
        message = (self.last or {}).get("message", "the model server failed")
        return f"stopped after {self.threshold} articles in a row failed: {message}"


def failure_reasons(failures: list[dict[str, Any]], top: int = 2) -> str:
    """The most common failure reasons, e.g. "12× cannot reach http://...: refused"."""
    counts = Counter(str(f.get("message") or f.get("type"))[:80] for f in failures)
    return "; ".join(f"{n}× {reason}" for reason, n in counts.most_common(top))
