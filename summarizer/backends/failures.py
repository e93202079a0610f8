"""What went wrong in a model call, as our errors (`summarizer.errors`), decided by type.

`classify` maps the exceptions of the libraries under a backend onto the hierarchy by
`isinstance`: openai's `APIStatusError` subclasses (and `status_code` for the statuses
openai has no class for, 408 and 5xx), its connection and timeout errors, raw httpx /
httpx2 transport errors, instructor's exceptions and pydantic's `ValidationError`. Every
error that came from an HTTP answer carries its `status_code`.

A 2xx answer that is not a chat completion is the server's failure, never the model's:
`reject_non_json` (an httpx2 response hook) and `completion_problem` decide that before
instructor sees the body. What a server's `{"error": ...}` object means is decided by its
code (`server_error`). Only one thing is read from an error's text, and only where the
server gives no type or status for it: that the prompt overflowed the context window
(`overflows_context`).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

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

if TYPE_CHECKING:
    import openai  # imported where used: loading it costs a second the cache can skip

__all__ = [
    "ServerAnswerError",
    "classify",
    "completion_problem",
    "error_codes",
    "from_model_call",
    "overflows_context",
    "reject_non_json",
    "server_error",
    "unwrap",
]

# Codes servers give a context overflow in their error object (OpenAI's; llama.cpp's).
CONTEXT_CODES = frozenset({"context_length_exceeded", "exceed_context_size_error"})


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


def error_codes(err: Any) -> set[str]:
    """The identifiers of a server's error object: its `code`, `type` and `status` (OpenAI
    sends `code` and `type`, llama.cpp a numeric `code` and a `type`, others `status`)."""
    if not isinstance(err, dict):
        return set()
    return {str(err[key]) for key in ("code", "type", "status") if err.get(key) not in (None, "")}


def server_error(err: Any, *, where: str = "the server answered with an error") \
        -> SummarizerError:
    """An `{"error": {...}}` object from a server, as our error: its codes decide."""
    if isinstance(err, dict):
        message = str(err.get("message") or json.dumps(err))[:300]
    else:
        message = str(err)[:300]
    codes = error_codes(err)
    text = f"{where}: {message}"
    status = next((int(code) for code in codes if code.isdigit()), None)
    if "insufficient_quota" in codes:
        return QuotaExceeded(text, hint="check the plan and billing of this API key",
                             status_code=status)
    if status == 429 or any("rate_limit" in code for code in codes):
        return RateLimited(text, status_code=status)
    if status in (401, 403) or "invalid_api_key" in codes:
        return AuthenticationError(text, hint="check OPENAI_API_KEY and that the key may "
                                              "use this model", status_code=status)
    if codes & CONTEXT_CODES or (status in (None, 400, 413) and overflows_context(message)):
        return ContextLengthExceeded(text, status_code=status)
    if status is not None and 400 <= status < 500 and status not in (408, 409):
        return BackendError(text, status_code=status)
    # A failure the server did not classify: retried.
    return BackendUnavailable(text, status_code=status)


def overflows_context(message: str) -> bool:
    """Whether a server's error text says the prompt does not fit the context window.

    Read from the text because many servers say it nowhere else: vLLM, Ollama and older
    llama.cpp answer a plain 400 (or, embedded, an error object with no code) whose only
    clue is the message. Callers try the status and the error's code first.
    """
    lowered = message.lower()
    return any(word in lowered for word in ("context", "too long", "exceed"))


def _instructor_errors() -> Any:
    """instructor's exception module, or None when instructor was never imported (then no
    exception of its can exist, and `summarize --help` does not pay for importing it)."""
    if "instructor" not in sys.modules:
        return None
    from instructor.core import exceptions

    return exceptions


def unwrap(exc: BaseException) -> BaseException:
    """instructor wraps API errors in InstructorRetryException; look at the real cause."""
    errors = _instructor_errors()
    if errors is None:
        return exc
    seen = 0
    while isinstance(exc, errors.InstructorRetryException) and exc.__cause__ and seen < 5:
        exc = exc.__cause__
        seen += 1
    return exc


def _error_object(exc: openai.APIStatusError) -> dict[str, Any]:
    body = exc.body if isinstance(exc.body, dict) else {}
    err = body.get("error", body)
    return err if isinstance(err, dict) else {}


def _server_text(exc: openai.APIStatusError) -> str:
    message = _error_object(exc).get("message")
    return str(message or exc.message or "")[:300]


def _from_status(exc: openai.APIStatusError) -> SummarizerError:
    """An HTTP error answer, by the class openai gave it (or its status, where openai
    has no class: 408, and the 5xx beyond InternalServerError's)."""
    import openai

    status = exc.status_code
    text, codes = _server_text(exc), error_codes(_error_object(exc))
    if isinstance(exc, openai.RateLimitError):
        if "insufficient_quota" in codes:
            return QuotaExceeded(
                "the account has no quota left (insufficient_quota)",
                hint="check the plan and billing of this API key; retrying cannot help",
                status_code=status)
        return RateLimited(f"rate limited (HTTP 429): {text}", status_code=status)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return AuthenticationError(
            f"the server refused the credentials (HTTP {status})",
            hint="check OPENAI_API_KEY and that the key may use this model",
            status_code=status)
    if isinstance(exc, openai.NotFoundError):
        return ConfigError(f"not found (HTTP 404): {text}",
                           hint="check --model and --base-url (it usually ends in /v1)",
                           status_code=status)
    if isinstance(exc, openai.BadRequestError) and (codes & CONTEXT_CODES
                                                     or overflows_context(text)):
        return ContextLengthExceeded(f"the prompt does not fit the model: {text}",
                                     status_code=status)
    if isinstance(exc, openai.ConflictError | openai.InternalServerError) \
            or status == 408 or status >= 500:
        return BackendUnavailable(f"the model server failed (HTTP {status}): {text}",
                                  status_code=status)
    return BackendError(f"the model server rejected the request (HTTP {status}): {text}",
                        status_code=status)


def _transport_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(timeouts, other transport failures) of the HTTP libraries loaded in this process:
    httpx2 (under openai 3) and httpx; raw ones only escape a client that does not wrap
    them in its own APIConnectionError."""
    timeouts: list[type[BaseException]] = []
    transport: list[type[BaseException]] = []
    for name in ("httpx2", "httpx"):
        module = sys.modules.get(name)
        if module is not None:
            timeouts.append(module.TimeoutException)
            transport.append(module.TransportError)
    return tuple(timeouts), tuple(transport)


def from_model_call(exc: BaseException) -> bool:
    """Whether `exc` is one of the model clients' own (openai's, instructor's), by type."""
    openai: Any = sys.modules.get("openai")
    errors = _instructor_errors()
    return bool((openai and isinstance(exc, openai.OpenAIError))
                or (errors and isinstance(exc, errors.InstructorError)))


def classify(exc: BaseException) -> SummarizerError:
    """Map any exception from a model call onto our error hierarchy, by its type."""
    exc = unwrap(exc)
    cause: BaseException | None = exc
    for _ in range(3):  # ours, or the cause of the client's APIConnectionError
        if isinstance(cause, ServerAnswerError):
            return cause.error
        cause = cause.__cause__ if cause is not None else None
    if isinstance(exc, SummarizerError):
        return exc
    instructor_errors = _instructor_errors()
    openai: Any = sys.modules.get("openai")  # None: no exception of openai's can exist
    if (instructor_errors and isinstance(exc, instructor_errors.IncompleteOutputException)) \
            or (openai and isinstance(exc, openai.LengthFinishReasonError)):
        return OutputTruncated(
            "the model stopped at the token limit before finishing its JSON",
            hint="raise --max-tokens, or use a smaller schema (e.g. --schema event)",
        )
    timeouts, transport = _transport_errors()
    if (openai and isinstance(exc, openai.APITimeoutError)) or isinstance(exc, timeouts):
        return BackendTimeout("the model server did not answer in time")
    if (openai and isinstance(exc, openai.APIConnectionError)) or isinstance(exc, transport):
        # Which URL, and why (refused, no such host): "Connection error." alone says neither.
        url = getattr(getattr(exc, "request", None), "url", None) \
            if openai and isinstance(exc, openai.APIConnectionError) else _request_url(exc)
        return BackendUnavailable(unreachable_message(exc, str(url) if url else None))
    if openai and isinstance(exc, openai.APIStatusError):
        return _from_status(exc)
    invalid: tuple[type[BaseException], ...] = (ValidationError, json.JSONDecodeError)
    if instructor_errors:
        invalid += (instructor_errors.ValidationError, instructor_errors.ResponseParsingError,
                    instructor_errors.InstructorRetryException)
    if isinstance(exc, invalid):
        return InvalidOutput(f"the model's answer did not match the schema: {exc}"[:500])
    if isinstance(exc, TimeoutError):
        return BackendTimeout("the per-article deadline ran out")
    if openai and isinstance(exc, openai.APIError):  # APIResponseValidationError among them
        message = getattr(exc, "message", None) or str(exc)
        return BackendUnavailable(f"unexpected answer from the model server: {message}"[:300])
    # Not an error we know: the message says what happened, never a Python type name
    # (the exception itself stays the cause, for -vv and bug reports).
    return BackendError(f"the model call failed unexpectedly: {exc}"[:300],
                        hint="rerun with -vv to see the details, and please report it")


def _request_url(exc: BaseException) -> Any:
    """The URL of an httpx/httpx2 error's request (`.request` raises when it has none)."""
    try:
        return exc.request.url  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return None
