"""A perfect model for evaluation tests: one `FakeBackend` that answers every call with the
reference of the article in the prompt (found by its text), at the real backend seam."""

from __future__ import annotations

import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from summarizer.backends import FakeBackend
from summarizer.evaluation import load_dataset
from summarizer.schemas import Brief


def reference_backend(dataset: Path, *, drop: Iterable[str] = (), fail: str | None = None,
                      error: BaseException | None = None) -> FakeBackend:
    """Answers with the reference (less the `drop` fields); the article `fail` raises
    `error` (default: RuntimeError("backend exploded")) on every call instead."""
    answers: list[tuple[str, str, Brief]] = []
    for item in load_dataset(dataset):
        data = item.reference.as_prediction()
        for name in drop:
            data[name] = []
        answers.append((item.id, item.text.strip()[:200], Brief.model_validate(data)))

    def answer(messages: list[dict[str, str]], response_model: Any) -> Brief:
        prompt = "\n".join(m["content"] for m in messages)
        for article_id, opening, brief in answers:
            if opening in prompt:
                if article_id == fail:
                    raise error or RuntimeError("backend exploded")
                return _within(brief, response_model)
        raise AssertionError("no article of the dataset in the prompt")

    return FakeBackend(answer=answer)


def _within(brief: Brief, response_model: Any) -> Brief:
    """The event as a constrained decoder would give it: a type of the schema's enum
    ("other" for the reference's own words), the title at the schema's length."""
    fields = getattr(response_model, "model_fields", {})
    if "type" not in fields or brief.event is None:
        return brief
    allowed = typing.get_args(fields["type"].annotation)
    event = brief.event.model_copy(update={
        "title": brief.event.title[:80],
        "type": brief.event.type if brief.event.type in allowed else "other"})
    return brief.model_copy(update={"event": event})
