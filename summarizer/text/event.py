"""The main event, read off the parse: its type, day and place, and who took part.

The event is what the headline and the lead are about. Its type is the first event word
(a noun such as "summit" or "talks", or a verb such as "met", "resigned", "hired") in the
headline, else in the lead; its day is the date expression in the sentence that states it
(the headline's or lead's event sentence), not just the first date of the lead; its place
is a city or venue attached to that sentence ("in Minsk", "at the Independence Palace").

Participants are ranked by `participation_score`, a weighted sum of what the parse says of
each person (named in the headline or lead, a subject of the event's verbs, quoted, how
often named). The weights live in `weights.json`, fitted on the dev set by
`benchmarks/fit_participants.py`, which also reports them cross-validated.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.text.nlp import sentences, span_index

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from summarizer.text.dates import DateMention
    from summarizer.text.people import PersonCandidate, PlaceCandidate
    from summarizer.text.roles import Deeds

__all__ = ["EVENT_TYPES", "FEATURES", "EventReading", "features", "participation_score",
           "read_event", "threshold", "use_weights"]

EVENT_TYPES = (
    "summit", "meeting", "talks", "conference", "convention", "election", "vote",
    "appointment", "resignation", "protest", "visit", "speech", "announcement", "agreement",
    "negotiation", "hearing", "trial", "debate", "rally", "campaign event", "board meeting",
    "press conference", "ceremony", "attack", "strike", "report", "other",
)

# Lemma -> event type. Nouns name an event; verbs report one. General English.
TYPE_NOUNS = {
    "summit": "summit", "talk": "talks", "talks": "talks", "conference": "conference",
    "convention": "convention", "election": "election", "vote": "vote", "ballot": "vote",
    "referendum": "vote", "appointment": "appointment", "resignation": "resignation",
    "protest": "protest", "visit": "visit", "speech": "speech", "lecture": "speech",
    "address": "speech", "agreement": "agreement", "deal": "agreement",
    "negotiation": "negotiation", "hearing": "hearing", "trial": "trial",
    "debate": "debate", "rally": "rally", "ceremony": "ceremony", "attack": "attack",
    "strike": "strike", "meeting": "meeting", "launch": "press conference",
    "apology": "meeting",
}
TYPE_VERBS = {
    "meet": "meeting", "resign": "resignation", "quit": "resignation",
    "appoint": "appointment", "name": "appointment", "hire": "appointment",
    "promote": "appointment", "replace": "appointment", "succeed": "appointment",
    "elect": "election", "vote": "vote", "visit": "visit", "attack": "attack",
    "protest": "protest", "debate": "debate", "sign": "agreement", "agree": "agreement",
    "testify": "trial", "launch": "press conference", "apologise": "meeting",
    "apologize": "meeting", "skip": "convention", "boycott": "convention",
    "announce": "announcement",
}
_GENERIC = {"announcement", "meeting"}
_OPENING = 5  # sentences of the body in which a news article states its event


@dataclass(frozen=True)
class EventReading:
    type: str | None
    sentence: tuple[int, int] | None  # the sentence that states the event
    date: DateMention | None
    city: str | None
    country: str | None
    venue: str | None


def _sentences(doc: Doc, start: int, end: int) -> list[Span]:
    return [s for s in sentences(doc)
            if start <= s.start_char < end or s.start_char <= start < s.end_char]


def _is_event_word(t: Token) -> str | None:
    lemma = t.lemma_.lower()
    kind = TYPE_NOUNS.get(lemma) if t.pos_ in ("NOUN", "PROPN") else None
    if kind is None and t.pos_ == "VERB":
        kind = TYPE_VERBS.get(lemma)
        # "Lawyer attacks anti-terror laws" is criticism: an attack has a person for victim.
        # A headline drops "was": "X attacked with slurry" has X for victim, not attacker.
        victims = ("dobj", "nsubjpass") if any(c.dep_ == "dobj" for c in t.children) \
            else ("nsubj", "nsubjpass")
        if kind == "attack" and not any(c.dep_ in victims and
                                        (c.pos_ in ("PROPN", "PRON") or c.ent_type_ == "PERSON")
                                        for c in t.children):
            kind = None
    if kind is None and t.pos_ == "PROPN" and t.is_title:  # a Title Case headline
        word = t.lower_
        for stem in (word, word[:-1], word[:-2], word[:-3]):
            if stem in TYPE_VERBS or stem in TYPE_NOUNS:
                kind = TYPE_VERBS.get(stem) or TYPE_NOUNS.get(stem)
                break
    return kind


def _type_in(sent: Span) -> tuple[str, int] | None:
    """The first specific event word of a sentence, else a generic one; with its offset."""
    hits = [(kind in _GENERIC, t.idx, kind) for t in sent if (kind := _is_event_word(t))]
    if not hits:
        return None
    _, at, kind = min(hits)
    return kind, at


def _date_in(sent: Span, dates: list[DateMention]) -> DateMention | None:
    """A day named in the sentence; where there are several, the one the parse attaches to
    an event word ("hammered out on Sunday and announced on Wednesday": the day it was
    announced, when the event is an announcement)."""
    inside = [d for d in dates if d.date is not None and sent.start_char <= d.start < sent.end_char]
    if len(inside) <= 1:
        return inside[0] if inside else None
    doc = sent.doc
    for d in inside:
        span = doc.char_span(d.start, d.end, alignment_mode="expand")
        if span is None:
            continue
        head = span.root.head
        while head.dep_ == "prep" or head.pos_ == "ADP":
            head = head.head
        if _is_event_word(head):
            return d
    return inside[0]


def read_event(doc: Doc, title_span: tuple[int, int] | None, lead_span: tuple[int, int],
               dates: list[DateMention], places: list[PlaceCandidate],
               venues: list[str], appointed_at: list[int] | None = None) -> EventReading:
    """The event: the headline's event word, else an appointment the opening reports,
    else the lead's event word, else one in the first paragraphs."""
    title = _sentences(doc, *title_span) if title_span is not None else []
    lead = _sentences(doc, *lead_span)
    body_start = lead[0].start if lead else 0
    opening = [s for s in sentences(doc) if s.start >= body_start][:_OPENING]
    kind: str | None = None
    where: Span | None = None
    first = [at for at in appointed_at or [] if opening and at < opening[-1].end_char]
    for group in (title, None, lead, opening):
        if group is None:  # between the headline and the lead: an appointment reported
            if first:
                kind = "appointment"
                where = next(s for s in opening if s.start_char <= min(first) < s.end_char + 1)
                break
            continue
        for sent in group:
            found = _type_in(sent)
            if found is not None:
                kind, where = found[0], sent
                break
        if kind is not None:
            break
    # The day: in the event's sentence, else in the lead, else in an opening sentence
    # that speaks of an event.
    later = [s for s in opening if _type_in(s) is not None]
    ordered = [s for s in (where, *lead, *later) if s is not None]
    date = next((d for sent in ordered if (d := _date_in(sent, dates)) is not None), None)
    city = country = venue = None
    for sent in ordered:
        inside = [p for p in places if any(sent.start_char <= s < sent.end_char
                                          for s, _ in p.mentions)]
        c = next((p for p in inside if p.kind == "city"), None)
        if c is not None and city is None:
            # The city's country only where the article names it: a reader (and the
            # contract) takes what the text states, not what a gazetteer knows.
            named = {p.name for p in places if p.kind == "country"}
            city, country = c.name, (c.country if c.country in named else None)
        if venue is None:
            venue = next((v for v in venues if v in sent.text), None)
        if city:
            break
    span = (where.start_char, where.end_char) if where is not None else None
    return EventReading(kind, span, date, city, country, venue)


# --- Who took part: a score per person. ---

FEATURES = ("bias", "in_title", "in_lead", "first_third", "log_mentions", "took_part",
            "subject", "speaker", "event_context", "single_name", "only_quoted", "has_role",
            "top_mentioned")


def event_sentences(doc: Doc) -> list[tuple[int, int]]:
    """Sentences that speak of an event (a meeting, talks, a vote, an appointment...)."""
    out = []
    for sent in sentences(doc):
        if any((t.pos_ in ("NOUN", "PROPN") and t.lemma_.lower() in TYPE_NOUNS)
               or (t.pos_ == "VERB" and t.lemma_.lower() in TYPE_VERBS) for t in sent):
            out.append((sent.start_char, sent.end_char))
    return out


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return span_index(pos, spans) is not None


def features(p: PersonCandidate, deeds: Deeds, speakers: dict[str, int], text_len: int,
             title_span: tuple[int, int] | None, lead_span: tuple[int, int],
             event_sents: list[tuple[int, int]], quoted: list[tuple[int, int]],
             has_role: bool, most_mentions: int) -> dict[str, float]:
    def within(span: tuple[int, int] | None) -> float:
        return float(span is not None and any(span[0] <= s < span[1] for s, _ in p.mentions))

    outside = [m for m in p.mentions if not _inside(m[0], quoted)]
    return {
        "bias": 1.0,
        "in_title": within(title_span),
        "in_lead": within(lead_span),
        "first_third": float(p.mentions[0][0] < text_len / 3),
        "log_mentions": math.log1p(len(p.mentions)),
        "took_part": float(min(deeds.took_part.get(p.name, 0), 3)),
        "subject": math.log1p(deeds.subject.get(p.name, 0)),
        "speaker": math.log1p(speakers.get(p.name, 0)),
        "event_context": math.log1p(len({i for s, _ in outside
                                         if (i := span_index(s, event_sents)) is not None})),
        "single_name": float(len(p.name.split()) == 1),
        "only_quoted": float(not outside),
        "has_role": float(has_role),
        "top_mentioned": float(len(p.mentions) >= most_mentions),
    }


WEIGHTS = Path(__file__).with_name("weights.json")
_override: list[dict[str, Any]] = []  # benchmarks/fit_participants.py scores held-out folds


@functools.cache
def _fitted() -> dict[str, Any]:
    return dict(json.loads(WEIGHTS.read_text(encoding="utf-8")))


def _weights() -> dict[str, Any]:
    return _override[-1] if _override else _fitted()


@contextlib.contextmanager
def use_weights(weights: dict[str, Any]) -> Iterator[None]:
    """Score with other weights for a while (cross-validation), in this process only."""
    _override.append(weights)
    try:
        yield
    finally:
        _override.pop()


def participation_score(feats: dict[str, float], weights: dict[str, Any] | None = None
                        ) -> float:
    """The probability that this person took part, from the fitted logistic weights."""
    w = (weights or _weights())["participants"]
    z = sum(w.get(k, 0.0) * v for k, v in feats.items())
    return 1.0 / (1.0 + math.exp(-z))


def threshold() -> float:
    return float(_weights().get("threshold", 0.5))
