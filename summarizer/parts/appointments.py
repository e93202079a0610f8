"""Appointments: who was named to which post, and by which organisation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from summarizer.parts.base import (
    Part,
    Str80,
    clean,
    create_model,
    dedupe_people,
    name_grounding,
)
from summarizer.schemas import Appointment

if TYPE_CHECKING:
    from summarizer.text.candidates import Candidates

__all__ = ["AppointmentsPart"]


@dataclass
class _Choice:
    """A small model's bare choice of a person, in the shape of a full draft item."""

    person: str
    position: str | None = None
    organization: str | None = None


def _organization_in(position: str) -> str | None:
    """The capitalised name after the last 'of': 'head of the Joint Staff of the CSTO' -> 'CSTO'."""
    _, of, tail = position.rpartition(" of ")
    tail = re.sub(r"^the\s+", "", tail.strip())
    return tail if of and tail[:1].isupper() else None


class AppointmentsPart(Part):
    name = "appointments"
    field = "appointments"
    title = "Appointments"
    tokens = 400
    columns = ("person", "position", "organization")
    name_key = "person"
    item = Appointment

    def draft(self, c: Candidates, *, constrained: bool) -> type[BaseModel] | None:
        # Only people in a sentence that speaks of an appointment can have been appointed.
        if not c.appointed_options:
            return None
        person: Any = Literal[tuple(c.appointed_options)] if constrained else Str80
        item: Any = create_model("Appointment", person=(person, ...), position=(Str80, ...),
                            organization=(Str80 | None, ...))
        return create_model("Appointments", appointments=(list[item], Field(max_length=6)))

    def small_draft(self, c: Candidates) -> type[BaseModel] | None:
        if not c.appointed:
            return None
        return create_model("Appointments", appointments=(
            list[Literal[tuple(c.appointed)]], Field(min_length=1, max_length=3)))  # type: ignore[misc]

    def convert(self, draft: Any, text: str, c: Candidates, *, small: bool) -> list[Any]:
        from summarizer.text import context

        if draft is None:
            return []
        people = {p.name: p for p in c.people}
        appointments: list[Any] = []
        for a in draft.appointments:
            if isinstance(a, str):
                a = _Choice(person=a)
            position = clean(a.position, c)
            found = next((x for x in c.appointments if x.name == a.person), None)
            if found is not None and (small or not position):
                position = found.position  # the post named in the appointing clause
            elif a.person in people and (small or not position):
                position = context.position_near(text, people[a.person],
                                                 c.sentences or None) or position
            if not position:
                continue  # an appointment to nothing stated is not an appointment
            organization = None if small else clean(a.organization, c)
            appointments.append(Appointment(
                person=a.person, position=position,
                organization=organization or _organization_in(position),
                grounding=name_grounding(text, a.person, c)))
        return dedupe_people(appointments)

    def read(self, text: str, c: Candidates) -> list[Any]:
        return [Appointment(person=a.name, position=a.position,
                            organization=a.organization or _organization_in(a.position),
                            grounding=name_grounding(text, a.name, c))
                for a in c.appointments]
