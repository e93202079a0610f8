"""The event: title, type, date, place and a summary."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field

from summarizer.parts.base import Part, Str80, choice, clean, create_model
from summarizer.schemas import DateEvidence, Event, Location
from summarizer.text.names import normalize_text

if TYPE_CHECKING:
    from summarizer.text.candidates import Candidates

__all__ = ["EVENT_TYPES", "EventPart"]

EVENT_TYPES = (
    "summit", "meeting", "talks", "conference", "convention", "election", "vote",
    "appointment", "resignation", "protest", "visit", "speech", "announcement", "agreement",
    "negotiation", "hearing", "trial", "debate", "rally", "campaign event", "board meeting",
    "press conference", "ceremony", "attack", "strike", "report", "other",
)

# Word stems that name an event type in a headline or lead ("resigned" -> resignation).
_GENERIC_TYPES = frozenset({"meeting", "announcement"})  # used only when nothing else fits
_TYPE_STEMS = (
    ("summit", "summit"), ("met |meets |meeting", "meeting"), ("talks", "talks"),
    ("conference", "conference"), ("convention", "convention"), ("elect", "election"),
    ("vot", "vote"), ("appoint|named |hire|hiring|promot", "appointment"),
    ("resign|quit|stepped down|steps down", "resignation"), ("protest", "protest"),
    ("visit", "visit"), ("speech", "speech"), ("agree|deal ", "agreement"),
    ("negotiat", "negotiation"), ("hearing", "hearing"), ("trial", "trial"),
    ("debate", "debate"), ("rally", "rally"), ("ceremony|opened|inaugurat", "ceremony"),
    ("attack", "attack"), ("strike", "strike"), ("announc", "announcement"),
)


def _evidence(mention: Any, c: Candidates) -> DateEvidence | None:
    if mention is None:
        return None
    return DateEvidence(expression=mention.expression, start=mention.start, end=mention.end,
                        rule=mention.rule, published=c.published)


class EventPart(Part):
    name = "event"
    field = "event"
    title = "Event"
    tokens = 400
    item = Event

    def draft(self, c: Candidates, *, constrained: bool) -> type[BaseModel]:
        return create_model(
            "Event",
            title=(Str80, ...),
            type=(Literal[EVENT_TYPES], ...),
            date=(choice([f"D{i}" for i in range(1, len(c.resolved_dates) + 1)]), ...),
            venue=(choice(c.venues), ...),
            city=(choice(c.cities), ...),
            country=(choice(c.countries), ...),
            summary=(Annotated[str, Field(max_length=400)], ...),
        )

    def small_draft(self, c: Candidates) -> type[BaseModel]:
        return create_model("Event", type=(Literal[EVENT_TYPES], ...),
                            venue=(choice(c.venues), ...), city=(choice(c.cities), ...),
                            country=(choice(c.countries), ...))

    def convert(self, draft: Any, text: str, c: Candidates, *, small: bool) -> Event:
        dates = c.resolved_dates
        chosen = getattr(draft, "date", None)
        mention = dates[int(chosen[1:]) - 1] if chosen else None
        if small:
            # A 135M model picks ids at random. A news lead states the event's day; a date
            # further down is as likely background, so without one in the lead: not stated.
            start, end = c.lead_span
            mention = next((m for m in dates if start <= m.start and m.end <= end), None)
        country = draft.country
        city_country = {p.name: p.country for p in c.places if p.kind == "city"}
        named = {p.name for p in c.places if p.kind == "country"}
        if draft.city and city_country.get(draft.city) in named:
            country = city_country[draft.city]  # the city's country, where the article names it
        title = clean(getattr(draft, "title", None), c)
        summary = clean(getattr(draft, "summary", None), c)
        if small or not title:
            first = c.lead.split(". ")[0].split()
            title = c.title or (" ".join(first[:12]) + (" …" if len(first) > 12 else "")) \
                or title or ""
        if small or not summary:
            summary = c.lead or summary or ""
        kind = draft.type
        if small:  # the event word the headline or lead uses first; "met" only if no other
            words = normalize_text(f"{c.title or ''} {c.lead}")
            hits = [(kind_ in _GENERIC_TYPES, m.start(), kind_) for stem, kind_ in _TYPE_STEMS
                    if (m := re.search(rf"\b{stem}", words))]
            kind = min(hits)[2] if hits else kind
        return Event(
            title=title.strip(), type=kind, date=mention.date if mention else None,
            location=Location(venue=draft.venue, city=draft.city, country=country),
            summary=summary.strip(), date_evidence=_evidence(mention, c),
        )

    def read(self, text: str, c: Candidates) -> Event:
        r = c.event
        d = SimpleNamespace(type=r.type or "other", venue=r.venue, city=r.city,
                            country=r.country)
        event = self.convert(d, text, c, small=True)
        if r is not None and r.type:
            event.type = r.type
        mention = r.date if r is not None else None
        event.date = mention.date if mention else None
        event.date_evidence = _evidence(mention, c)
        return event

    def merge(self, values: list[Any]) -> Event:
        first: Event = values[0]
        for later in values[1:]:  # fill what the lead chunk left open
            if first.date is None and later.date is not None:
                first.date, first.date_evidence = later.date, later.date_evidence
            for attr in ("venue", "city", "country"):
                if getattr(first.location, attr) is None:
                    setattr(first.location, attr, getattr(later.location, attr))
        return first
