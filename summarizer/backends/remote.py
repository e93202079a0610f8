"""The OpenAI-compatible backend: OpenAI or any server that speaks its API (llama.cpp
server, vLLM, Ollama), through instructor, in the mode the server supports.

The openai client makes no retries of its own (`summarizer.backends.retry` is the one
layer), and a response hook (`failures.reject_non_json`) turns a 2xx answer that is not a
chat completion into the server's failure before instructor can blame the model for it.
Named `remote`, not `openai`, so that `import openai` never means this module.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from pydantic import BaseModel

from summarizer.backends.base import CallResult, instructor_call
from summarizer.backends.failures import reject_non_json
from summarizer.backends.retry import call_with_retries
from summarizer.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ConfigError,
    ContextLengthExceeded,
    redact_url,
)
from summarizer.settings import Settings

__all__ = ["MODES", "OpenAIBackend"]

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger(__name__)

# instructor (and openai under it) is imported when a client is built, not with this
# module: `summarize --help` and results served from the cache never need it.
MODES = {"json_schema": "JSON_SCHEMA", "tools": "TOOLS", "json": "JSON", "md_json": "MD_JSON"}


def _instructor_mode(name: str) -> Any:
    import instructor

    return getattr(instructor.Mode, MODES[name])


class OpenAIBackend:
    kind = "openai"
    small = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # What results, caches, logs and messages show: the endpoint without credentials
        # (user:***@, ?api_key=***). The client below gets the real one.
        self.base_url = redact_url(settings.base_url)
        mode = settings.mode or "json_schema"
        if mode not in MODES:
            raise ConfigError(f"unknown mode {mode!r}", hint=f"choose one of: {', '.join(MODES)}")
        self._mode_name = mode
        # Decoders constrained by a schema: OpenAI, llama.cpp server, vLLM, Ollama in
        # json_schema mode. Other modes only validate afterwards.
        self.constrained = mode == "json_schema"
        self.n_ctx: int | None = None
        # Clients are built at the first call: a result served from the cache needs only
        # this backend's identity, and importing openai and instructor takes a second.
        self._raw_: Any = None
        self._client_: Any = None
        self._model = settings.model

    @property
    def _raw(self) -> Any:
        if self._raw_ is None:
            import openai

            # A query in the base URL (?api-version=..., ?api_key=...) goes on every
            # request; the client would otherwise glue the path after it.
            base, query = _split_query(self.settings.base_url)
            self._raw_ = openai.AsyncOpenAI(
                base_url=base,
                default_query=query or None,
                # Local servers accept any key; the client insists on one.
                api_key=self.settings.api_key or "no-key",
                max_retries=0,  # summarizer.backends.retry is the only retry layer
                timeout=self.settings.timeout,
                # A 200 with an HTML page (a proxy's) is a server failure, not model output.
                http_client=openai.DefaultAsyncHttpxClient(
                    event_hooks={"response": [reject_non_json]}
                ),
            )
        return self._raw_

    @property
    def _client(self) -> Any:
        if self._client_ is None:
            import instructor

            self._client_ = instructor.from_openai(
                self._raw, mode=_instructor_mode(self._mode_name))
        return self._client_

    @_client.setter
    def _client(self, client: Any) -> None:
        self._client_ = client

    @property
    def model(self) -> str:
        return self._model or "(server default)"

    async def _resolve_model(self) -> str:
        if self._model:
            return self._model
        if not self.base_url:
            from summarizer.settings import DEFAULT_OPENAI_MODEL

            self._model = DEFAULT_OPENAI_MODEL
            return self._model

        async def first_model() -> str:
            models = await self._raw.models.list()
            return models.data[0].id

        try:
            model, _ = await call_with_retries(first_model, self.settings)
        except (AuthenticationError, BackendUnavailable, BackendTimeout):
            raise  # the server is down or refuses us: exit 4 naming the URL, not a usage error
        except (BackendError, IndexError) as exc:
            raise ConfigError(
                f"could not list the models of {self.base_url}: {exc}",
                hint="pass --model NAME",
            ) from exc
        self._model = model
        return model

    async def complete(
        self, messages: list[dict[str, str]], response_model: type[T], *, max_tokens: int
    ) -> CallResult:
        model = await self._resolve_model()
        try:
            return await instructor_call(
                self._client, model, messages, response_model, max_tokens, self.settings
            )
        except BackendError as exc:
            if not self._rejects_json_schema(exc):
                raise
        # Some servers (llama-cpp-python's own) refuse `json_schema` response formats:
        # fall back to JSON mode, where answers are validated after the fact.
        log.warning("%s rejects json_schema response formats; using JSON mode", self.base_url)
        import instructor

        self._client = instructor.from_openai(self._raw, mode=instructor.Mode.JSON)
        self.constrained = False
        return await instructor_call(
            self._client, model, messages, response_model, max_tokens, self.settings
        )

    def _rejects_json_schema(self, exc: BackendError) -> bool:
        if not (self.settings.mode is None and self.constrained
                and exc.status_code in (400, 422)
                and not isinstance(exc, ContextLengthExceeded)):
            return False
        # A 400 says only "bad request": which part of it the server refused is in its
        # text alone (no code of its own), so the text decides between "not json_schema"
        # and any other bad request, which must not switch modes.
        text = str(exc).lower()
        return "response_format" in text or "json_schema" in text


def _split_query(url: str | None) -> tuple[str | None, dict[str, str]]:
    if not url or "?" not in url:
        return url, {}
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment="")), dict(parse_qsl(parts.query))
