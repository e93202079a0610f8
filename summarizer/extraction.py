"""What the model is asked for, per part, and how its answer becomes contract objects.

The model never writes a quote, a date or (with a constraining backend) a name: it picks
them from candidates the program found in the text. Each part gets a response model built
for this one article, whose enums are those candidates, so a schema-constrained decoder
cannot produce anything else. `to_items` then turns the choice back into contract objects
carrying verbatim text, computed dates and grounding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, Field, create_model

from summarizer import candidates as cand
from summarizer.dates import DateMention, find_dates
from summarizer.grounding import locate_name
from summarizer.names import names_match, normalize_text
from summarizer.schemas import (
    Absentee,
    Appointment,
    DateEvidence,
    Event,
    Grounding,
    KeyQuote,
    Location,
    Participant,
)

__all__ = ["EVENT_TYPES", "Candidates", "draft_model", "gather", "listings", "to_items"]

EVENT_TYPES = (
    "summit", "meeting", "talks", "conference", "convention", "election", "vote",
    "appointment", "resignation", "protest", "visit", "speech", "announcement", "agreement",
    "negotiation", "hearing", "trial", "debate", "rally", "campaign event", "board meeting",
    "press conference", "ceremony", "attack", "strike", "report", "other",
)

_VENUE = re.compile(
    r"\b(?:[A-Z][\w'’.-]+\s+){1,4}(?:Palace|Hall|Hotel|Center|Centre|Stadium|Arena|Square|"
    r"Building|Castle|Cathedral|Church|Parliament|Capitol|Club|Resort|Theatre|Theater|"
    r"Embassy|Forum|House)\b"
)
_LEADING_STOP = {"The", "A", "An", "At", "In", "On", "Of", "And", "But"}

Str80 = Annotated[str, Field(max_length=80)]
Str200 = Annotated[str, Field(max_length=200)]


@dataclass(frozen=True)
class Candidates:
    """Everything the text itself offers, found by code before any model call."""

    people: list[cand.PersonCandidate] = field(default_factory=list)
    quotes: list[cand.QuoteCandidate] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    places: list[cand.PlaceCandidate] = field(default_factory=list)
    venues: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.people]

    @property
    def resolved_dates(self) -> list[DateMention]:
        return [d for d in self.dates if d.date is not None]

    def aliases(self, name: str) -> tuple[str, ...]:
        for person in self.people:
            if person.name == name:
                return person.aliases
        return ()

    def within(self, start: int, end: int) -> Candidates:
        """The candidates that occur in text[start:end] (for one chunk of a long article)."""

        def inside(s: int, e: int) -> bool:
            return start <= s and e <= end

        return Candidates(
            people=[p for p in self.people if any(inside(s, e) for s, e in p.mentions)],
            quotes=[q for q in self.quotes if inside(q.start, q.end)],
            dates=[d for d in self.dates if inside(d.start, d.end)],
            places=[p for p in self.places if inside(p.start, p.end)],
            venues=self.venues,
        )


def gather(text: str, published: Any) -> Candidates:
    venues: list[str] = []
    for match in _VENUE.finditer(text):
        words = match.group(0).split()
        while words and words[0] in _LEADING_STOP:
            words.pop(0)
        venue = " ".join(words)
        if len(words) >= 2 and venue not in venues:
            venues.append(venue)
    return Candidates(
        people=cand.find_people(text),
        quotes=cand.find_quotes(text),
        dates=find_dates(text, published),
        places=cand.find_places(text),
        venues=venues,
    )


def _short(text: str, words: int = 30) -> str:
    parts = " ".join(text.split()).split(" ")
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _cities(c: Candidates) -> list[str]:
    return _unique([p.name for p in c.places if p.kind == "city"])


def _countries(c: Candidates) -> list[str]:
    return _unique([p.name for p in c.places if p.kind == "country"]
                   + [p.country for p in c.places if p.kind == "city" and p.country])


def listings(c: Candidates) -> dict[str, str]:
    """The candidate lists as prompt text."""
    none = "(none)"
    people = "\n".join(
        f"- {p.name}" + (f" (also: {', '.join(p.aliases)})" if p.aliases else "")
        for p in c.people
    )
    quotes = "\n".join(
        f'- {q.id} [{q.speaker or "unknown"}] "{_short(q.text)}"' for q in c.quotes
    )
    dates = "\n".join(f'- D{i} "{d.expression}" = {d.date}'
                      for i, d in enumerate(c.resolved_dates, 1))
    places = "\n".join(
        [f"- {v} (venue)" for v in c.venues]
        + [f"- {p} (city)" for p in _cities(c)]
        + [f"- {p} (country)" for p in _countries(c)]
    )
    return {"people": people or none, "quotes": quotes or none, "dates": dates or none,
            "places": places or none}


def _choice(values: list[str]) -> Any:
    """`Literal[values] | None`, or just None when there is nothing to choose from."""
    if not values:
        return type(None)
    return Optional[Literal[tuple(values)]]  # noqa: UP007 - built at run time


def draft_model(part: str, c: Candidates, *, constrained: bool) -> type[BaseModel] | None:
    """The response model for one part, or None when there is nothing the model could pick."""
    # Without a constraining decoder, names are free text and grounded afterwards.
    name: Any = _choice(c.names) if constrained else Optional[Str80]
    if part == "event":
        return create_model(
            "Event",
            title=(Str80, ...),
            type=(Literal[EVENT_TYPES], ...),
            date=(_choice([f"D{i}" for i in range(1, len(c.resolved_dates) + 1)]), ...),
            venue=(_choice(c.venues), ...),
            city=(_choice(_cities(c)), ...),
            country=(_choice(_countries(c)), ...),
            summary=(Annotated[str, Field(max_length=400)], ...),
        )
    if part == "quotes":
        if not c.quotes:
            return None
        item = create_model("KeyQuote", quote=(Literal[tuple(q.id for q in c.quotes)], ...),
                            speaker=(name, ...))
        return create_model("KeyQuotes", key_quotes=(list[item], Field(max_length=5)))
    if part == "appointments":
        if not c.people:
            return None
        person = Literal[tuple(c.names)] if constrained else Str80
        item = create_model("Appointment", person=(person, ...), position=(Str80, ...),
                            organization=(Optional[Str80], ...))
        return create_model("Appointments", appointments=(list[item], Field(max_length=6)))
    fields: dict[str, Any] = {"name": (name, ...), "role": (Optional[Str80], ...),
                              "affiliation": (Optional[Str80], ...)}
    if part == "absentees":
        fields["reason"] = (Optional[Str200], ...)
    item = create_model(part.title()[:-1], **fields)
    return create_model(part.title(), **{part: (list[item], Field(max_length=10))})


def _clean(value: Any) -> Any:
    return value.strip() or None if isinstance(value, str) else value


def _name_grounding(text: str, name: str | None, c: Candidates) -> Grounding | None:
    return locate_name(text, name, c.aliases(name)) if name else None


def _dedupe_people(items: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for item in items:
        name = getattr(item, "name", None) or getattr(item, "person", None)
        for other in kept:
            other_name = getattr(other, "name", None) or getattr(other, "person", None)
            if name and names_match(name, other_name):
                break
            if not name and not other_name and normalize_text(item.affiliation or "") == \
                    normalize_text(other.affiliation or ""):
                break
        else:
            kept.append(item)
    return kept


def to_items(part: str, draft: BaseModel | None, text: str, c: Candidates) -> Any:
    """Turn the model's choices into contract objects with verbatim text and grounding."""
    if part == "event":
        assert draft is not None
        d: Any = draft
        mention = c.resolved_dates[int(d.date[1:]) - 1] if d.date else None
        evidence = None
        if mention is not None:
            evidence = DateEvidence(expression=mention.expression, start=mention.start,
                                    end=mention.end, rule=mention.rule)
        return Event(
            title=d.title.strip(), type=d.type, date=mention.date if mention else None,
            location=Location(venue=d.venue, city=d.city, country=d.country),
            summary=d.summary.strip(), date_evidence=evidence,
        )
    if draft is None:
        return []
    if part == "quotes":
        by_id = {q.id: q for q in c.quotes}
        quotes, seen = [], set()
        for item in draft.key_quotes:  # type: ignore[attr-defined]
            q = by_id[item.quote]
            if q.id in seen:
                continue
            seen.add(q.id)
            speaker = item.speaker or q.speaker
            quotes.append(KeyQuote(
                speaker=speaker, text=q.text,
                grounding=Grounding(status="exact", start=q.start, end=q.end, matched=q.text),
                speaker_grounding=_name_grounding(text, speaker, c),
            ))
        return quotes
    if part == "appointments":
        return _dedupe_people([
            Appointment(person=a.person, position=a.position.strip(),
                        organization=_clean(a.organization),
                        grounding=_name_grounding(text, a.person, c))
            for a in draft.appointments  # type: ignore[attr-defined]
        ])
    model = Participant if part == "participants" else Absentee
    items = []
    for raw in getattr(draft, part):
        values = {k: _clean(v) for k, v in raw.model_dump().items()}
        if not values.get("name") and not values.get("affiliation"):
            continue  # an entry naming nobody says nothing
        items.append(model(**values, grounding=_name_grounding(text, values.get("name"), c)))
    return _dedupe_people(items)
