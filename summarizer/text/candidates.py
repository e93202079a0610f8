"""Candidates detected in code, for the model to choose from: quotes, people and places.

`gather(text, published, title)` collects everything one article offers into a
`Candidates`: quotes, people, dates, places and venues, plus the verbatim context of
`summarizer.text.context` (roles next to names, absence and appointment cues, the lead).

The default model is tiny, so it never writes a quote or a name itself: it picks numbered
candidates found here, and whatever it picks is verbatim article text.

Quotes and their speakers come from `summarizer.text.quotes` on the article's one parse;
`quotes_in_text(text)` here parses the text itself, for callers that have no parse yet.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from summarizer.text import context
from summarizer.text import quotes as text_quotes
from summarizer.text.dates import DateMention, find_dates
from summarizer.text.people import PersonCandidate, PlaceCandidate
from summarizer.text.quotes import QuoteCandidate

__all__ = [
    "Candidates",
    "PersonCandidate",
    "PlaceCandidate",
    "QuoteCandidate",
    "gather",
    "people_in_text",
    "places_in_text",
    "quotes_in_text",
]


def quotes_in_text(text: str, people: list[PersonCandidate] | None = None) -> list[QuoteCandidate]:
    """Direct quotations in text order, ids Q1, Q2, ..., with speakers where attributed
    (`summarizer.text.quotes.find_quotes` on a fresh parse of `text`). `people` (from
    `people_in_text(text)`) can be passed to avoid finding them twice."""
    from summarizer.text import nlp
    from summarizer.text import people as people_mod

    doc = nlp.parse(text)
    return text_quotes.find_quotes(doc, people_mod.find_people(doc) if people is None
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
    # What the code itself decided from the parse (used where no model call earns its keep).
    participants: list[str] = field(default_factory=list)  # most likely first
    appointments: list[Any] = field(default_factory=list)  # text.roles.Appointed
    event: Any = None  # text.event.EventReading
    features: dict[str, dict[str, float]] = field(default_factory=dict)  # per person
    # What a capable model may choose from: the code's picks first, then everyone named
    # in a sentence that speaks of absence or appointment.
    parties: list[Any] = field(default_factory=list)  # text.roles.Party: unnamed, took part
    sentences: list[tuple[int, int]] = field(default_factory=list)  # the parse's
    # parse_s, candidates_s: a measurement of this run, not part of what the text offers
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    absent_options: list[str] = field(default_factory=list)
    appointed_options: list[str] = field(default_factory=list)

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

        names = {p.name for p in self.people if any(inside(s, e) for s, e in p.mentions)}
        return Candidates(
            people=[p for p in self.people if any(inside(s, e) for s, e in p.mentions)],
            quotes=[q for q in self.quotes if inside(q.start, q.end)],
            dates=[d for d in self.dates if inside(d.start, d.end)],
            places=[p for p in self.places if inside(p.start, p.end)],
            venues=self.venues, descriptors=self.descriptors,
            absent=[n for n in self.absent if n in names],
            appointed=self.appointed, has_absence_cue=self.has_absence_cue,
            title=self.title, lead=self.lead, lead_span=self.lead_span,
            published=self.published,
            participants=[n for n in self.participants if n in names],
            appointments=self.appointments, event=self.event, features=self.features,
            absent_options=[n for n in self.absent_options if n in names],
            parties=[p for p in self.parties if start <= p.start < end],
            appointed_options=self.appointed_options, sentences=self.sentences,
            timings=self.timings,
        )


def _not_dateline(text: str, mention: DateMention, published: Any) -> bool:
    # "date 2023-11-24" at the top is when the article appeared, not when the event did.
    return not (mention.date == published and "\n" not in text[:mention.start]
                and mention.start < 40)


def gather(text: str, published: Any, title: str | None = None) -> Candidates:
    """Everything one article offers, from its one spaCy parse."""
    from summarizer.text import event as ev
    from summarizer.text import nlp, phrases, roles
    from summarizer.text.people import find_people, find_places

    t0 = time.perf_counter()
    doc = nlp.parse(text)
    parsed = time.perf_counter()
    venues: list[str] = []
    # Buildings: FAC entities, and ORG entities whose last word names a building.
    for ent in doc.ents:
        words = ent.text.split()
        while words and words[0] in _LEADING_STOP | {"the"}:
            words.pop(0)
        venue = " ".join(words)
        if ent.label_ in ("FAC", "ORG") and _VENUE.fullmatch(venue) and venue not in venues:
            venues.append(venue)
    people = find_people(doc)
    quotes = text_quotes.find_quotes(doc, people)
    quoted = [(q.start, q.end) for q in quotes]
    deeds = roles.read_deeds(doc, people, quoted)
    # One sentence splitter for everything: the parse's.
    # (without the blank lines spaCy attaches to a paragraph's last sentence)
    spans = [(s.start_char, s.start_char + len(s.text.rstrip())) for s in nlp.sentences(doc)]
    lead_start, lead_end = context.lead(text, title, spans=spans)
    title_span = None
    if title and (at := text.find(title)) >= 0:
        title_span = (at, at + len(title))
    places = find_places(doc, people)
    dates = [d for d in find_dates(text, published) if _not_dateline(text, d, published)]
    reading = ev.read_event(doc, title_span, (lead_start, lead_end), dates, places, venues,
                            [a.start for a in deeds.appointed if a.position])
    speakers: dict[str, int] = {}
    for q in quotes:
        if q.speaker:
            speakers[q.speaker] = speakers.get(q.speaker, 0) + 1
    descriptors = {}
    for p in people:
        role, affiliation = phrases.describe(doc, p)
        old = context.describe_near(text, p)
        descriptors[p.name] = context.Descriptor(role or old.role,
                                                 affiliation or old.affiliation)
    event_sents = ev.event_sentences(doc)
    most = max((len(p.mentions) for p in people), default=0)
    feats = {p.name: ev.features(p, deeds, speakers, len(text), title_span,
                                 (lead_start, lead_end), event_sents, quoted,
                                 bool(descriptors[p.name].role), most)
             for p in people}
    scores = {name: ev.participation_score(f) for name, f in feats.items()}
    threshold = ev.threshold()
    absent = sorted(deeds.absent, key=deeds.absent.__getitem__)
    appointed: dict[str, Any] = {}
    for a in deeds.appointed:
        if a.position and a.name not in appointed:
            appointed[a.name] = a
    # Who the parse says attended, met or was appointed took part, whatever the score.
    sure = set(appointed) | set(deeds.took_part)
    participants = sorted((n for n, sc in scores.items()
                           if (sc >= threshold or n in sure) and n not in absent),
                          key=lambda n: -scores[n])
    return Candidates(
        people=people,
        quotes=quotes,
        dates=dates,
        places=places,
        venues=venues,
        descriptors=descriptors,
        absent=absent,
        appointed=list(appointed),
        has_absence_cue=bool(absent) or bool(context.ABSENCE_CUES.search(text)),
        title=title,
        lead=" ".join(text[lead_start:lead_end].split()),
        lead_span=(lead_start, lead_end),
        published=published,
        participants=participants,
        appointments=list(appointed.values()),
        parties=deeds.parties,
        sentences=spans,
        timings={"parse_s": round(parsed - t0, 4),
                 "candidates_s": round(time.perf_counter() - parsed, 4)},
        event=reading,
        features=feats,
        absent_options=list(dict.fromkeys(
            [*absent, *context.cue_people(text, people, context.ABSENCE_CUES, spans)])),
        appointed_options=list(dict.fromkeys(
            [*appointed, *context.cue_people(text, people, context.APPOINTMENT_CUES, spans)])),
    )


def people_in_text(text: str) -> list[PersonCandidate]:
    """People named in `text` (parses it; `gather` reuses its one parse instead)."""
    from summarizer.text import nlp, people

    return people.find_people(nlp.parse(text))


def places_in_text(text: str, people: list[PersonCandidate] | None = None) -> list[PlaceCandidate]:
    """Cities and countries named in `text` (parses it)."""
    from summarizer.text import nlp
    from summarizer.text import people as people_mod

    doc = nlp.parse(text)
    return people_mod.find_places(doc, people_mod.find_people(doc) if people is None else people)
