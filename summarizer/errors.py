"""One error hierarchy for the whole package, with the exit code of each class.

Every error a user can meet (from the CLI, the library, `summarize serve` or a batch
record's `error.type`) is one of these; anything else is a bug (exit 1, please report
it). The CLI exits with the class's `exit_code`; `hint` is an optional next step.

    SummarizerError                    1  unexpected internal error (a bug)
    ├── ConfigError                    2  bad settings or flags: unknown schema or format,
    │   │                                 model file not found, SUMMARIZER_* not a number,
    │   │                                 a data file missing from the install, HTTP 404
    │   └── OutputLocked               2  another run is writing the same --out file
    ├── InputError                     3  the article cannot be read as text
    │   ├── EmptyInputError            3  empty, whitespace only, HTML with no main text
    │   ├── UnreadableInputError       3  missing file, binary, undecodable bytes
    │   ├── InputTooLarge              3  longer than --max-chars
    │   └── UploadTooLarge             3  `summarize serve`: an upload over its limit (413)
    ├── BackendError                   4  the model server failed (`status_code`, `retryable`)
    │   ├── BackendUnavailable      *  4  connection refused or reset, DNS, 408/409/5xx,
    │   │                                 a 2xx answer that is not a chat completion
    │   ├── BackendTimeout          *  4  a request or the per-article deadline ran out
    │   ├── RateLimited             *  4  HTTP 429, still after the allowed retries
    │   ├── AuthenticationError        4  HTTP 401/403
    │   ├── QuotaExceeded              4  HTTP 429 insufficient_quota
    │   ├── ContextLengthExceeded      4  the prompt does not fit the context window
    │   └── OutputTruncated            4  the model stopped at the token limit
    ├── InvalidOutput                  5  the answer did not validate, even after re-asks
    │   └── ModelRefused               5  the model declined to answer (`refusal`)
    ├── BatchIncomplete                6  a batch finished with some articles failed
    └── GateFailed                     7  an evaluation gate (--fail-under) was not met

    * retried by `summarizer.backends.retry` before it reaches the user.

Other exit codes: 0 success; 2 also for typer's own usage errors; 130 interrupted (Ctrl-C).

`status_code` is the HTTP error status the server answered with (or the numeric code of
its error object), where there was one; None for a refused connection, a 2xx answer that
is not a chat completion, or an error of ours. Errors of other libraries are mapped onto
these by type in `summarizer.backends.failures.classify`.

Messages never contain API keys: backends build them from status codes and server text,
and `redact()` scrubs anything that looks like a key before it is shown or stored.
"""

from __future__ import annotations

import re
import socket
from urllib.parse import parse_qsl, urlsplit, urlunsplit

__all__ = [
    "AuthenticationError",
    "BackendError",
    "BackendTimeout",
    "BackendUnavailable",
    "BatchIncomplete",
    "ConfigError",
    "ContextLengthExceeded",
    "EmptyInputError",
    "GateFailed",
    "InputError",
    "InputTooLarge",
    "InvalidOutput",
    "ModelRefused",
    "OutputLocked",
    "OutputTruncated",
    "QuotaExceeded",
    "RateLimited",
    "SummarizerError",
    "UnreadableInputError",
    "UploadTooLarge",
    "redact",
    "redact_url",
    "register_secret",
    "safe_url",
    "unreachable_message",
]


class SummarizerError(Exception):
    """Base class. `exit_code` is what the CLI exits with; `hint` is an optional next step."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None,
                 status_code: int | None = None) -> None:
        super().__init__(redact(message))
        self.hint = redact(hint) if hint else None
        self.status_code = status_code  # the server's HTTP status, where there was one

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(SummarizerError):
    """Bad settings: unknown schema, model file not found, conflicting flags; also a data
    file missing from the install (prompts/, schemas/) and a 404 from the server."""

    exit_code = 2


class OutputLocked(ConfigError):
    """Another run is writing the same `--out` file: two writers would duplicate records."""


class InputError(SummarizerError):
    """The article cannot be read as text."""

    exit_code = 3


class EmptyInputError(InputError):
    """The input holds no article text (empty, whitespace only, or HTML with no main text)."""


class UnreadableInputError(InputError):
    """Missing file, binary data, or bytes that no text encoding explains."""


class InputTooLarge(InputError):
    """The article is longer than `Settings.max_chars` (`--max-chars`): refused up front,
    before minutes of text analysis and model calls."""


class UploadTooLarge(InputError):
    """`summarize serve`: the uploaded article is over the server's size limit (HTTP 413)."""


class BackendError(SummarizerError):
    """The model backend failed. `retryable` says whether trying again may help;
    `attempts` how many times the call was made."""

    exit_code = 4
    retryable = False

    def __init__(self, message: str, *, hint: str | None = None, attempts: int = 1,
                 status_code: int | None = None) -> None:
        super().__init__(message, hint=hint, status_code=status_code)
        self.attempts = attempts


class BackendUnavailable(BackendError):
    """Connection refused or reset, DNS failure, 5xx, or an answer that is not the API's."""

    retryable = True


class BackendTimeout(BackendError):
    """A request, or the whole per-article deadline, ran out of time."""

    retryable = True


class RateLimited(BackendError):
    """HTTP 429 that kept coming back after the allowed retries."""

    retryable = True


class AuthenticationError(BackendError):
    """HTTP 401/403: the key is missing, wrong, or lacks access to the model."""


class QuotaExceeded(BackendError):
    """The account has no quota left (`insufficient_quota`): retrying cannot help."""


class ContextLengthExceeded(BackendError):
    """The prompt does not fit the model's context window (HTTP 400)."""


class OutputTruncated(BackendError):
    """The model stopped at the token limit (`finish_reason=length`); its JSON is incomplete."""


class InvalidOutput(SummarizerError):
    """The model's answer did not validate against the schema, even after re-asking."""

    exit_code = 5


class ModelRefused(InvalidOutput):
    """The model declined to answer (an OpenAI-style `refusal`): re-asking gets the same."""


class BatchIncomplete(SummarizerError):
    """A batch finished with some articles failed; their records say why."""

    exit_code = 6


class GateFailed(SummarizerError):
    """An evaluation metric fell below its `--fail-under` threshold."""

    exit_code = 7


_SECRET_PATTERNS = [
    # Credentials inside URLs: http://user:password@host, ?api_key=... / &token=...
    re.compile(r"(://[^/\s:@]*:)[^/\s@]+(?=@)"),
    re.compile(r"(?i)([?&](?:[a-z_\-]*key|[a-z_\-]*token|secret|password|passwd|pwd|auth"
               r"|authorization|sig|signature|code)=)[^&#\s\"']+"),
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-\.=]{8,}"),
    re.compile(r"(?i)(api[_-]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',&*]{6,}"),
]
_extra_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret (e.g. the configured API key) so `redact` always removes it."""
    if value and len(value) >= 6:
        _extra_secrets.add(value)


def redact_url(url: str | None) -> str | None:
    """`url` without credentials: the password of `user:password@` and the values of its
    query parameters become ***, except `api-version` (Azure's, harmless and useful).

    Used wherever an endpoint is stored or shown: `meta.base_url`, cache keys, logs,
    reports and error messages.
    """
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL we can parse: scrub what the patterns know
        return redact(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"***@{host}"
    query = "&".join(
        pair if pair.split("=", 1)[0].lower() in _HARMLESS_QUERY or "=" not in pair
        else pair.split("=", 1)[0] + "=***"
        for pair in parts.query.split("&")) if parts.query else ""
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, "")))


_HARMLESS_QUERY = frozenset({"api-version", "api_version"})


def url_secrets(url: str | None) -> list[str]:
    """The secret parts of `url` (password, query values), to register with `redact`."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    if "@" in parts.netloc:  # user:password@, or a bare token@
        found.append(parts.password or parts.username or "")
    for name, value in parse_qsl(parts.query):
        # Named like a secret, or long enough to be one; not ?format=json.
        if name.lower() not in _HARMLESS_QUERY and (
                _SECRET_PARAM.search(name) or len(value) >= 16):
            found.append(value)
    return [s for s in found if s]


_SECRET_PARAM = re.compile(r"(?i)key|token|secret|passw|pwd|auth|sig|code")


def redact(text: str) -> str:
    """Remove API keys and bearer tokens from `text`."""
    for secret in _extra_secrets:
        text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "***", text)
    return text


def safe_url(url: str | None) -> str | None:
    """`url` without user:password@ and without its query string (both can carry keys)."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return redact(urlunsplit((parts.scheme, host, parts.path, "", "")))


_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "connection refused (is the server running?)"),
    (socket.gaierror, "host name not found"),
    (TimeoutError, "timed out"),
    (ConnectionResetError, "connection reset by the server"),
)


def unreachable_message(exc: BaseException, url: str | None) -> str:
    """"cannot reach URL: why", from the deepest cause of a connection error."""
    reason, seen = "", exc
    while seen is not None:
        reason = next((why for kind, why in _REASONS if isinstance(seen, kind)), reason)
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    if not reason:
        reason = str(getattr(exc, "message", "") or exc).rstrip(".").lower() or "no answer"
    return f"cannot reach {safe_url(url) or 'the model server'}: {reason}"
