"""What every backend is: the `Backend` protocol, the `CallResult` it returns, and the one
instructor call that both real backends make (with transport retries around it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from summarizer.backends.retry import call_with_retries
from summarizer.settings import Settings

__all__ = ["Backend", "CallResult", "instructor_call"]

T = TypeVar("T", bound=BaseModel)


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


async def instructor_call(
    client: Any,
    model: str,
    messages: list[dict[str, str]],
    response_model: type[T],
    max_tokens: int,
    settings: Settings,
) -> CallResult:
    """One chat completion through an instructor client: instructor re-asks on invalid
    output (`settings.validation_retries`), `call_with_retries` retries the transport."""

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
