"""One frozen settings object: which backend and model, and the limits of a run.

Built from CLI flags or keyword arguments, with the environment as fallback:
`SUMMARIZER_MODEL`, `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `SUMMARIZER_THREADS`.

Backend choice, in order:
  1. `base_url` set (flag or OPENAI_BASE_URL)           -> OpenAI-compatible server
  2. `model` ends in `.gguf`                            -> that file, embedded llama.cpp
  3. `model` set and OPENAI_API_KEY present             -> OpenAI
  4. otherwise                                          -> embedded SmolLM2-135M (default)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Literal

from summarizer.errors import ConfigError, redact_url, register_secret, url_secrets

__all__ = ["BackendKind", "Settings"]

BackendKind = Literal["embedded", "openai"]

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


@dataclass(frozen=True)
class Settings:
    """How to run the summarizer. Every field has a sensible default.

    `api_key` is excluded from `repr` so that it never lands in logs or tracebacks.
    """

    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    # instructor mode for OpenAI-compatible servers: json_schema (OpenAI, llama.cpp server,
    # vLLM, Ollama), tools, json or md_json (servers that reject json_schema, such as
    # llama-cpp-python's own server). None picks json_schema.
    mode: str | None = None
    temperature: float = 0.0
    max_tokens: int = 1024  # per model call
    n_ctx: int = 8192  # context of the embedded model
    threads: int | None = None  # llama.cpp threads; None = the cores this process may use
    timeout: float = 120.0  # seconds per HTTP request
    deadline: float = 600.0  # seconds per article, all calls and retries together
    max_retries: int = 4  # transport retries (429, 5xx, connection errors, timeouts)
    validation_retries: int = 1  # instructor re-asks after invalid JSON
    retry_after_cap: float = 60.0  # longest Retry-After we honour
    seed: int = 0
    # Longest article text accepted, in characters (after decoding and HTML extraction).
    # About 35,000 words, three times a long feature: longer text is rarely one article,
    # and its analysis grows by ~30 s per million characters on 2 busy cores
    # (benchmarks/RESULTS.md), so it is refused at once (InputTooLarge, exit 3).
    max_chars: int = 200_000

    def __post_init__(self) -> None:
        # Whatever built these settings, their secrets are scrubbed from every message.
        register_secret(self.api_key)
        for secret in url_secrets(self.base_url):
            register_secret(secret)

    def __repr__(self) -> str:
        # base_url without its credentials (?api_key=, user:password@); api_key not at all.
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.repr}
        values["base_url"] = redact_url(self.base_url)
        shown = ", ".join(f"{name}={value!r}" for name, value in values.items())
        return f"Settings({shown})"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from the environment, with explicit (non-None) overrides on top."""
        env = os.environ
        values: dict[str, object] = {
            "model": env.get("SUMMARIZER_MODEL") or None,
            "base_url": env.get("OPENAI_BASE_URL") or None,
            "api_key": env.get("OPENAI_API_KEY") or None,
        }
        if env.get("SUMMARIZER_THREADS"):
            try:
                values["threads"] = int(env["SUMMARIZER_THREADS"])
            except ValueError:
                raise ConfigError("SUMMARIZER_THREADS must be an integer") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        """These settings with `changes`; ConfigError names an unknown setting."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def backend(self) -> BackendKind:
        if self.base_url:
            return "openai"
        if self.model and self.model.endswith(".gguf"):
            return "embedded"
        if self.model and self.api_key:
            return "openai"
        if self.model:
            raise ConfigError(
                f"model {self.model!r} is neither a .gguf file nor reachable",
                hint="pass a path ending in .gguf, or set --base-url / OPENAI_API_KEY "
                "to use a hosted or self-hosted model",
            )
        return "embedded"

    @property
    def n_threads(self) -> int:
        """llama.cpp threads: never more than the cores we may run on (see README)."""
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not Linux
            cores = os.cpu_count() or 1
        return max(1, min(self.threads or cores, cores))
