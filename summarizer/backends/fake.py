"""`FakeBackend`: answers from a queue, for tests and notebooks without a model; and the
public result objects as its answers.

The pipeline asks a model to *choose* among candidates (quote ids Q1.., date ids D1..,
names as the article writes them), one part at a time. A test or a notebook should not
need to know that shape: `FakeBackend().enqueue(brief)` with a `Brief` (or an
`EventResult`, `ParticipantsResult`, an `Event`, a list of `Participant`...) answers every
part from it. This module turns such an object into the answer for one part's request:

- quotes: the candidate whose text contains the `KeyQuote.text` (or is contained in it);
- the event's date: the candidate date equal to `Event.date`;
- names, roles, types: as given (a name must be one the article contains);
- places: as given when they are among the article's candidates, else not stated.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from summarizer.backends.base import CallResult
from summarizer.errors import BackendUnavailable, ConfigError, InvalidOutput

__all__ = ["FakeBackend", "draft_answer", "is_public"]

T = TypeVar("T", bound=BaseModel)

_QUOTE = re.compile(r'^- (Q\d+) \[[^\]]*\] "(.*)"$', re.MULTILINE)
_DATE = re.compile(r'^- (D\d+) ".*?" = (\S+)$', re.MULTILINE)


def is_public(answer: Any) -> bool:
    from summarizer.schemas import _Model

    if isinstance(answer, list):
        return bool(answer) and all(isinstance(a, _Model) for a in answer)
    return isinstance(answer, _Model)


def _list_key(item: Any) -> str | None:
    """The result field a list of `item`'s kind fills ("participants"...), if any."""
    from summarizer import schemas

    kinds = {schemas.Participant: "participants", schemas.Absentee: "absentees",
             schemas.Appointment: "appointments", schemas.KeyQuote: "key_quotes"}
    return next((key for kind, key in kinds.items() if isinstance(item, kind)), None)


def _as_fields(answer: Any) -> dict[str, Any]:
    """Whatever was enqueued, as a dict with the result models' keys."""
    from summarizer.schemas import Event

    first = answer[0] if isinstance(answer, list) else answer
    key = _list_key(first)
    if isinstance(answer, list):
        if key is None:
            raise ConfigError(
                f"FakeBackend cannot answer from a list of {type(first).__name__}",
                hint="give a Brief, a part's result, an Event, or a list of Participant, "
                     "Absentee, Appointment or KeyQuote")
        return {key: [a.model_dump(mode="json") for a in answer]}
    data = answer.model_dump(mode="json")
    if isinstance(answer, Event):
        return {"event": data}
    if key is not None:
        return {key: [data]}
    return data


def _normalized(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _quote_id(text: str, prompt: str) -> str | None:
    wanted = _normalized(text)
    for qid, shown in _QUOTE.findall(prompt):
        shown_words = _normalized(shown.removesuffix(" …"))
        if wanted and shown_words and (shown_words in wanted or wanted in shown_words
                                       or wanted.startswith(shown_words[:60])):
            return str(qid)
    return None


def _date_id(date: str | None, prompt: str) -> str | None:
    return next((str(d) for d, value in _DATE.findall(prompt) if value == date), None)


def _choices(schema: dict[str, Any]) -> set[Any] | None:
    """The values an enum-typed field allows (None: it is free)."""
    for option in [schema, *schema.get("anyOf", [])]:
        if "enum" in option:
            return set(option["enum"]) | {None}
        if "const" in option:
            return {option["const"], None}
    return {None} if schema.get("type") == "null" else None


def _is_choice_list(schema: dict[str, Any]) -> bool:
    items = schema.get("items", {})
    return "$ref" not in items and items.get("type") != "object"


def draft_answer(answer: Any, messages: list[dict[str, str]],
                 response_model: type[BaseModel]) -> dict[str, Any]:
    """`answer` (a public object) as a dict for this part's `response_model`."""
    data = _as_fields(answer)
    prompt = messages[-1]["content"]
    schema = response_model.model_json_schema()
    props = schema.get("properties", {})
    if "type" in props:  # the event
        event = data.get("event") or {}
        location = event.get("location") or {}
        values = {**event, **location, "date": _date_id(event.get("date"), prompt)}
        out = {k: values.get(k) for k in props}
        for k, sub in props.items():  # a place the article's candidates lack: not stated
            allowed = _choices(sub)
            if allowed is not None and out[k] not in allowed and k != "type":
                out[k] = None
        return out
    key = next(iter(props))
    items = data.get(key) or []
    if key == "key_quotes":
        picked = [{"quote": _quote_id(q["text"], prompt), "speaker": q.get("speaker")}
                  for q in items]
        if _is_choice_list(props[key]):
            return {key: [q["quote"] for q in picked]}
        return {key: picked}
    if _is_choice_list(props[key]):  # a small model's draft: names only
        return {key: [i.get("name") or i.get("person") for i in items]}
    item_schema = schema["$defs"][props[key]["items"]["$ref"].split("/")[-1]]
    fields = list(item_schema.get("properties", {}))
    return {key: [{f: i.get(f) for f in fields} for i in items]}


@dataclass
class FakeBackend:
    """A backend that answers from a queue: `enqueue` dicts, models or exceptions.

    Each answer is validated against the requested response model, as a real
    constrained decoder would guarantee. `calls` records what the pipeline asked.

    The simplest answers are the public result objects: `FakeBackend(answer=brief)` (a
    `Brief`, `EventResult`, an `Event`, a list of `Participant`...) answers every call
    from it, whatever part is asked (see `draft_answer` below); enqueued answers
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
        if is_public(answer):  # a Brief, an Event, [Participant, ...]
            answer = draft_answer(answer, messages, response_model)
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
