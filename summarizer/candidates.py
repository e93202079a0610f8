"""Candidates detected in code, for the model to choose from: quotes, people and places.

`gather(text, published, title)` collects everything one article offers into a
`Candidates`: quotes, people, dates, places and venues, plus the verbatim context of
`summarizer.context` (roles next to names, absence and appointment cues, the lead).

The default model is tiny, so it never writes a quote or a name itself: it picks numbered
candidates found here, and whatever it picks is verbatim article text.

Quotes and their speakers come from `summarizer.text.quotes` (on the spaCy parse);
`find_quotes(text)` here parses the text itself, for callers that have no parse yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from summarizer import context
from summarizer._people import PersonCandidate, PlaceCandidate, find_people, find_places
from summarizer.dates import DateMention, find_dates
from summarizer.text import nlp
from summarizer.text import people as text_people
from summarizer.text import quotes as text_quotes
from summarizer.text.quotes import QuoteCandidate

__all__ = [
    "Candidates",
    "PersonCandidate",
    "PlaceCandidate",
    "QuoteCandidate",
    "find_people",
    "find_places",
    "find_quotes",
    "gather",
]


def find_quotes(text: str, people: list[Any] | None = None) -> list[QuoteCandidate]:
    """Direct quotations in text order, ids Q1, Q2, ..., with speakers where attributed
    (`summarizer.text.quotes.find_quotes` on a fresh parse of `text`). `people` (with
    `name` and `mentions`) can be passed to avoid finding them twice."""
    doc = nlp.parse(text)
    return text_quotes.find_quotes(doc, text_people.find_people(doc) if people is None
                                   else people)


# --- Everything the text offers one article, gathered before any model call. ---

_VENUE = re.compile(
    r"\b(?:[A-Z][\w'’.-]+\s+){1,4}(?:Palace|Hall|Hotel|Center|Centre|Stadium|Arena|Square|"
    r"Building|Castle|Cathedral|Church|Parliament|Capitol|Club|Resort|Theatre|Theater|"
    r"Embassy|Forum|House)\b"
)
_LEADING_STOP = {"The", "A", "An", "At", "In", "On", "Of", "And", "But"}


@dataclass(frozen=True)
class Candidates:
    """Everything the text itself offers, found by code before any model call."""

    people: list[PersonCandidate] = field(default_factory=list)
    quotes: list[QuoteCandidate] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    places: list[PlaceCandidate] = field(default_factory=list)
    venues: list[str] = field(default_factory=list)
    # Verbatim context: roles/affiliations next to each name, the people in sentences
    # that speak of absence or appointment, and the lead (first sentences of the body).
    descriptors: dict[str, context.Descriptor] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    appointed: list[str] = field(default_factory=list)
    has_absence_cue: bool = False
    title: str | None = None
    lead: str = ""
    lead_span: tuple[int, int] = (0, 0)
    published: Any = None

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.people]

    @property
    def resolved_dates(self) -> list[DateMention]:
        return [d for d in self.dates if d.date is not None]

    @property
    def cities(self) -> list[str]:
        return list(dict.fromkeys(p.name for p in self.places if p.kind == "city"))

    @property
    def countries(self) -> list[str]:
        names = [p.name for p in self.places if p.kind == "country"]
        names += [p.country for p in self.places if p.kind == "city" and p.country]
        return list(dict.fromkeys(names))

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
            venues=self.venues, descriptors=self.descriptors,
            absent=[n for n in self.absent if n in {p.name for p in self.people}],
            appointed=self.appointed, has_absence_cue=self.has_absence_cue,
            title=self.title, lead=self.lead, lead_span=self.lead_span,
            published=self.published,
        )


def _not_dateline(text: str, mention: DateMention, published: Any) -> bool:
    # "date 2023-11-24" at the top is when the article appeared, not when the event did.
    return not (mention.date == published and "\n" not in text[:mention.start]
                and mention.start < 40)


def gather(text: str, published: Any, title: str | None = None) -> Candidates:
    venues: list[str] = []
    for match in _VENUE.finditer(text):
        words = match.group(0).split()
        while words and words[0] in _LEADING_STOP:
            words.pop(0)
        venue = " ".join(words)
        if len(words) >= 2 and venue not in venues:
            venues.append(venue)
    people = find_people(text)
    lead_start, lead_end = context.lead(text, title)
    return Candidates(
        people=people,
        quotes=find_quotes(text, people),
        dates=[d for d in find_dates(text, published) if _not_dateline(text, d, published)],
        places=find_places(text, people),
        venues=venues,
        descriptors={p.name: context.describe(text, p) for p in people},
        absent=context.cue_people(text, people, context.ABSENCE_CUES),
        appointed=context.cue_people(text, people, context.APPOINTMENT_CUES),
        has_absence_cue=bool(context.ABSENCE_CUES.search(text)),
        title=title,
        lead=" ".join(text[lead_start:lead_end].split()),
        lead_span=(lead_start, lead_end),
        published=published,
    )
