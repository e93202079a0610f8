"""Candidates detected in code, for the model to choose from: quotes, people and places.

`gather(text, published, title)` collects everything one article offers into a
`Candidates`: quotes, people, dates, places and venues, plus the verbatim context of
`summarizer.context` (roles next to names, absence and appointment cues, the lead).

The default model is tiny, so it never writes a quote or a name itself: it picks numbered
candidates found here, and whatever it picks is verbatim article text.

Quote rules (`find_quotes`):
- Marks: straight "…", curly “…”, guillemets «…», and NYT-style ''…'' (two apostrophes).
  Single quotes never open a top-level quote, so apostrophes (don't, Gore's, ’90s) are
  harmless, and a nested ‘…’ / '…' stays inside the outer candidate's text.
- `text` is exactly `article[start:end]`: what stands between the marks, less surrounding
  spaces and a trailing comma (American style puts the sentence's comma inside the
  marks: “This is short-sighted,” he said -> "This is short-sighted"). A final . ? ! stays.
- A quote running across paragraphs (the paragraph ends unclosed and the next one reopens
  with an opening mark, the news convention) gives one candidate per paragraph, sharing a
  `group` (the id of the first). We chose that over one spanning candidate because a
  spanning text would contain the reopening mark, so it would no longer be "the words
  inside the quotation marks", and annotated corpora (PolNeAR) split such quotes too.
  Join a group's texts with "\\n\\n" where a whole speech is wanted.
- A quote whose paragraph ends unclosed and is not reopened ends at the paragraph end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from summarizer import context
from summarizer._attribution import attribute
from summarizer.dates import DateMention, find_dates
from summarizer.text.people import PersonCandidate, PlaceCandidate

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


@dataclass(frozen=True)
class QuoteCandidate:
    """A direct quotation. Invariant: `article[start:end] == text`.

    `speaker` is the full name of the person it is attributed to, or None when no
    attribution was found; `speaker_start`/`speaker_end` span the mention that named them
    (for "he said", the antecedent mention). `group` is shared by the paragraphs of one
    multi-paragraph quote; `words` lets callers rank away one-word scare quotes.
    """

    id: str
    text: str
    start: int
    end: int
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    group: str | None = None
    words: int = 0

    @property
    def sentence(self) -> bool:
        """A quoted sentence (capital or digit first, >= 4 words), not a phrase woven into
        the writer's own sentence. Annotated corpora list mostly these (PolNeAR: 93% of
        such candidates are gold quotes, 14% of the others)."""
        return self.words >= 4 and (self.text[:1].isupper() or self.text[:1].isdigit())


_MARKS = re.compile(r"'{2,}|[\"“”«»„]")
_OPENERS, _CLOSERS = "“«„", "”»"
_LEFT_OK = set(" \t\n\xa0([{—–-/")  # before an opening mark
_RIGHT_OK = set(" \t\n\xa0.,;:!?)]}—–-'’")  # after a closing mark


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Blank-line separated blocks; every line when the text has no blank lines."""
    sep = r"\n[ \t\xa0]*\n\s*" if re.search(r"\n[ \t\xa0]*\n", text) else r"\n\s*"
    out, pos = [], 0
    for m in re.finditer(sep, text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(a, b) for a, b in out if b > a]


def _raw_spans(text: str) -> list[tuple[int, int, int, int, bool]]:
    """(text start, text end, mark start, mark end, continues in next paragraph)."""
    spans: list[tuple[int, int, int, int, bool]] = []
    paras = _paragraphs(text)
    for n, (p0, p1) in enumerate(paras):
        open_at: tuple[int, int] | None = None  # (mark start, text start)
        for m in _MARKS.finditer(text, p0, p1):
            mark, s, e = m.group(), m.start(), m.end()
            prev = text[s - 1] if s > p0 else "\n"
            nxt = text[e] if e < p1 else "\n"
            if mark.startswith("''") and len(mark) == 3:  # '' + nested ' (or the reverse)
                s, e = (s, e - 1) if open_at is None else (s + 1, e)
            if open_at is None:
                opens = mark in _OPENERS or (mark not in _CLOSERS and nxt not in _RIGHT_OK)
                # A closer typed where an opener belongs (“quote” typed ”quote”).
                opens = opens or (mark in _CLOSERS and prev in _LEFT_OK and nxt not in _RIGHT_OK)
                if opens:
                    open_at = (s, e)
            elif mark in _OPENERS and not (prev not in _LEFT_OK and nxt in _RIGHT_OK):
                open_at = (s, e)  # the previous quote was never closed: start again
            else:
                spans.append((open_at[1], s, open_at[0], e, False))
                open_at = None
        if open_at is not None:
            reopens = n + 1 < len(paras) and bool(
                re.match(r"[\"“«„]|''", text[paras[n + 1][0] : paras[n + 1][0] + 2]))
            spans.append((open_at[1], p1, open_at[0], p1, reopens))
    return spans


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a and text[b - 1] == ",":
        b -= 1
    return a, b


def find_quotes(text: str, people: list[PersonCandidate] | None = None) -> list[QuoteCandidate]:
    """Direct quotations in text order, ids Q1, Q2, ..., with speakers where attributed.

    `people` (from `find_people(text)`) can be passed to avoid computing it twice.
    """
    quotes: list[QuoteCandidate] = []
    marks: list[tuple[int, int]] = []  # outer span of each quote, marks included
    group: str | None = None
    for a, b, ms, me, continues in _raw_spans(text):
        a, b = _trim(text, a, b)
        if b <= a:
            continue
        qid = f"Q{len(quotes) + 1}"
        quotes.append(QuoteCandidate(qid, text[a:b], a, b, group=group or qid,
                                     words=len(text[a:b].split())))
        marks.append((ms, me))
        group = (group or qid) if continues else None
    if people is None:
        from summarizer.text import nlp
        from summarizer.text import people as people_mod

        people = people_mod.find_people(nlp.parse(text))
    return attribute(text, quotes, marks, people)



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
        )


def _not_dateline(text: str, mention: DateMention, published: Any) -> bool:
    # "date 2023-11-24" at the top is when the article appeared, not when the event did.
    return not (mention.date == published and "\n" not in text[:mention.start]
                and mention.start < 40)


def gather(text: str, published: Any, title: str | None = None) -> Candidates:
    """Everything one article offers, from its one spaCy parse."""
    from summarizer.text import event as ev
    from summarizer.text import nlp, roles
    from summarizer.text.people import find_people, find_places

    doc = nlp.parse(text)
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
    quotes = find_quotes(text, people)
    quoted = [(q.start, q.end) for q in quotes]
    deeds = roles.read_deeds(doc, people, quoted)
    # One sentence splitter for everything: the parse's.
    spans = [(s.start_char, s.end_char) for s in nlp.sentences(doc)]
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
        role, affiliation = roles.describe(doc, p)
        old = context.describe(text, p)
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
        event=reading,
        features=feats,
        absent_options=list(dict.fromkeys(
            [*absent, *context.cue_people(text, people, context.ABSENCE_CUES, spans)])),
        appointed_options=list(dict.fromkeys(
            [*appointed, *context.cue_people(text, people, context.APPOINTMENT_CUES, spans)])),
    )


def find_people(text: str) -> list[PersonCandidate]:
    """People named in `text` (parses it; `gather` reuses its one parse instead)."""
    from summarizer.text import nlp, people

    return people.find_people(nlp.parse(text))


def find_places(text: str, people: list[PersonCandidate] | None = None) -> list[PlaceCandidate]:
    """Cities and countries named in `text` (parses it)."""
    from summarizer.text import nlp
    from summarizer.text import people as people_mod

    doc = nlp.parse(text)
    return people_mod.find_places(doc, people_mod.find_people(doc) if people is None else people)
