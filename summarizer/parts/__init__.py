"""The parts of a result, one object each, and the registry the pipeline, output and scoring read.

    base.py          the `Part` interface (ask, answer, read, merge, settle) and shared helpers
    event.py         the event: title, type, date, place, summary
    people.py        participants and absentees
    appointments.py  appointments
    quotes.py        key quotes

To add a part: write a `Part` subclass (its draft models, its conversion to contract items,
its merge, its token budget), add its template to prompts/, its contract model and field
to `summarizer.schemas`, and `register()` it here. The pipeline loops over the registry and
never names a part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from summarizer.errors import ConfigError
from summarizer.parts.appointments import AppointmentsPart
from summarizer.parts.base import Part
from summarizer.parts.event import EVENT_TYPES, EventPart
from summarizer.parts.people import AbsenteesPart, ParticipantsPart
from summarizer.parts.quotes import QuotesPart

if TYPE_CHECKING:
    from summarizer.backends import Backend

__all__ = ["ALL_SCHEMA", "EVENT_TYPES", "PARTS", "Part", "asks_model", "columns", "for_schema",
           "list_parts", "register"]

# Every part, in the order they are extracted (and shown).
PARTS: dict[str, Part] = {}
ALL_SCHEMA = "brief"  # the schema made of every part


def register(part: Part) -> Part:
    PARTS[part.name] = part
    return part


for _part in (EventPart(), ParticipantsPart(), AbsenteesPart(), AppointmentsPart(),
              QuotesPart()):
    register(_part)


def for_schema(schema: str) -> tuple[Part, ...]:
    """The parts a named schema is made of ("brief": all of them)."""
    if schema == ALL_SCHEMA:
        return tuple(PARTS.values())
    if schema in PARTS:
        return (PARTS[schema],)
    raise ConfigError(f"schema {schema!r} has no parts", hint="use a schema name")


def asks_model(schema: str, backend: Backend) -> bool:
    """Whether a `schema` result from `backend` can take a model call at all: not from the
    small default model, whose picks no part takes (benchmarks/ablation.py)."""
    return any(part.may_ask(backend) for part in for_schema(schema))


def list_parts() -> tuple[Part, ...]:
    """The parts whose value is a list of items (all but the event)."""
    return tuple(p for p in PARTS.values() if p.columns)


def columns() -> dict[str, tuple[str, ...]]:
    """Each list part's result field and its items' table columns, in display order."""
    return {p.field: p.columns for p in list_parts()}
