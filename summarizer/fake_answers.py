"""Public result objects as answers for `FakeBackend`.

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
from typing import Any

from pydantic import BaseModel

__all__ = ["draft_answer", "is_public"]

_QUOTE = re.compile(r'^- (Q\d+) \[[^\]]*\] "(.*)"$', re.MULTILINE)
_DATE = re.compile(r'^- (D\d+) ".*?" = (\S+)$', re.MULTILINE)
_LISTS = {"Participant": "participants", "Absentee": "absentees",
          "Appointment": "appointments", "KeyQuote": "key_quotes"}


def is_public(answer: Any) -> bool:
    from summarizer.schemas import _Model

    if isinstance(answer, list):
        return bool(answer) and all(isinstance(a, _Model) for a in answer)
    return isinstance(answer, _Model)


def _as_fields(answer: Any) -> dict[str, Any]:
    """Whatever was enqueued, as a dict with the result models' keys."""
    if isinstance(answer, list):
        key = _LISTS[type(answer[0]).__name__]
        return {key: [a.model_dump(mode="json") for a in answer]}
    data = answer.model_dump(mode="json")
    name = type(answer).__name__
    if name == "Event":
        return {"event": data}
    if name in _LISTS:
        return {_LISTS[name]: [data]}
    return data


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _quote_id(text: str, prompt: str) -> str | None:
    wanted = _words(text)
    for qid, shown in _QUOTE.findall(prompt):
        shown_words = _words(shown.removesuffix(" …"))
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
