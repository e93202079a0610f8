"""Participants (who took part) and absentees (who was expected and stayed away)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from summarizer.parts.base import (
    Part,
    Str80,
    Str200,
    choice,
    clean,
    create_model,
    dedupe_people,
    name_grounding,
)
from summarizer.schemas import Absentee, Participant
from summarizer.text.names import names_match

if TYPE_CHECKING:
    from summarizer.backends import Backend
    from summarizer.text.candidates import Candidates

__all__ = ["AbsenteesPart", "ParticipantsPart"]


class _People(Part):
    """A list of people with a role and an affiliation, as the article describes them."""

    columns: ClassVar[tuple[str, ...]] = ("name", "role", "affiliation")
    name_key = "name"
    tokens = 600
    most: int  # for a small model's choice

    def choices(self, c: Candidates) -> list[str]:
        """Who a small model may pick from."""
        raise NotImplementedError

    def names(self, c: Candidates) -> list[str]:
        """Who the code itself found."""
        raise NotImplementedError

    def fields(self, c: Candidates, *, constrained: bool) -> dict[str, Any] | None:
        name: Any = choice(c.names) if constrained else Str80 | None
        return {"name": (name, ...), "role": (Str80 | None, ...),
                "affiliation": (Str80 | None, ...)}

    def draft(self, c: Candidates, *, constrained: bool) -> type[BaseModel] | None:
        fields = self.fields(c, constrained=constrained)
        if fields is None:
            return None
        item: Any = create_model(self.item.__name__, **fields)
        return create_model(self.field.title(),
                            **{self.field: (list[item], Field(max_length=10))})

    def small_draft(self, c: Candidates) -> type[BaseModel] | None:
        values = self.choices(c)
        if not values:
            return None
        # At least one: left free, a small model answers [] to everything. The candidates
        # were already narrowed by code (cue sentences for absentees and appointments).
        return create_model(self.field.title(), **{self.field: (
            list[Literal[tuple(values)]], Field(min_length=1, max_length=self.most))})  # type: ignore[misc]

    def _values(self, raw: Any, c: Candidates, small: bool) -> dict[str, Any]:
        """Role and affiliation: the article's own words next to the name where we have them."""
        values = {"name": raw, "role": None, "affiliation": None} if isinstance(raw, str) \
            else raw.model_dump()
        found = c.descriptors.get(values.get("name") or "")
        for key in ("role", "affiliation"):
            model_value = clean(values.get(key), c)
            code_value = getattr(found, key, None) if found else None
            values[key] = code_value if small else (model_value or code_value)
        return values

    def convert(self, draft: Any, text: str, c: Candidates, *, small: bool) -> list[Any]:
        if draft is None:
            return []
        items: list[Any] = []
        for raw in getattr(draft, self.field):
            values = self._values(raw, c, small)
            if not values.get("name") and not values.get("affiliation"):
                continue  # an entry naming nobody says nothing
            items.append(self.item(**values,
                                   grounding=name_grounding(text, values.get("name"), c)))
        return dedupe_people(items)

    def read(self, text: str, c: Candidates) -> list[Any]:
        items: list[Any] = []
        for name in self.names(c):
            found = c.descriptors.get(name)
            items.append(self.item(name=name, role=getattr(found, "role", None),
                                   affiliation=getattr(found, "affiliation", None),
                                   grounding=name_grounding(text, name, c)))
        return items


class ParticipantsPart(_People):
    name = "participants"
    field = "participants"
    title = "Participants"
    item = Participant
    most = 6

    def choices(self, c: Candidates) -> list[str]:
        return c.names

    def names(self, c: Candidates) -> list[str]:
        return c.participants

    def read(self, text: str, c: Candidates) -> list[Any]:
        items = super().read(text, c)
        for affiliation in dict.fromkeys(p.affiliation for p in c.parties):
            # parties named only by country or body
            role = next(p.role for p in c.parties if p.affiliation == affiliation)
            items.append(Participant(name=None, role=role, affiliation=affiliation))
        return items

    def settle(self, values: dict[str, Any], backend: Backend) -> None:
        """Nobody both took part and stayed away. With a small model, whose picks are close
        to arbitrary, the absence (found next to words of absence in the text) wins."""
        if backend.small and "absentees" in values and self.field in values:
            absent = [a.name for a in values["absentees"] if a.name]
            values[self.field] = [p for p in values[self.field]
                                  if not any(names_match(p.name, a) for a in absent)]


class AbsenteesPart(_People):
    name = "absentees"
    field = "absentees"
    title = "Absentees"
    tokens = 400
    item = Absentee
    columns = ("name", "role", "affiliation", "reason")
    most = 1

    def choices(self, c: Candidates) -> list[str]:
        return c.absent[:1]  # only the person named nearest to words of absence

    def names(self, c: Candidates) -> list[str]:
        return c.absent

    def fields(self, c: Candidates, *, constrained: bool) -> dict[str, Any] | None:
        if not c.has_absence_cue:
            return None  # nothing in the text speaks of anyone staying away
        fields = super().fields(c, constrained=constrained)
        assert fields is not None
        if constrained:
            fields["name"] = (choice(c.absent_options), ...)
        fields["reason"] = (Str200 | None, ...)
        return fields

    def _values(self, raw: Any, c: Candidates, small: bool) -> dict[str, Any]:
        values = super()._values(raw, c, small)
        values["reason"] = None if small else clean(values.get("reason"), c)
        return values
