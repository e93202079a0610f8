"""What the model is asked for, per part, and how its answer becomes contract objects.

The model never writes a quote, a date or (with a constraining backend) a name: it picks
them from candidates the program found in the text. Each part gets a response model built
for this one article, whose enums are those candidates, so a schema-constrained decoder
cannot produce anything else. `to_items` then turns the choice back into contract objects
carrying verbatim text, computed dates and grounding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import create_model as _create_model

from summarizer.grounding import locate_name
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
from summarizer.text import context
from summarizer.text.candidates import Candidates
from summarizer.text.names import names_match, normalize_text

__all__ = ["EVENT_TYPES", "dedupe_people", "draft_model", "reconcile", "to_items"]

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

_STRICT = ConfigDict(extra="forbid")

# Whether a small model (SmolLM2-135M) is asked to choose. Measured by
# benchmarks/ablation.py on the dev set: its picks score no better than the text layer's
# own, so by default it is not called. The benchmark turns this on to measure it again.
SMALL_MODEL_CHOOSES = False  # additionalProperties: false, for every decoder


def create_model(model_name: str, /, **fields: Any) -> type[BaseModel]:
    return _create_model(model_name, __config__=_STRICT, **fields)


Str80 = Annotated[str, Field(max_length=80)]
Str200 = Annotated[str, Field(max_length=200)]


def _choice(values: list[str]) -> Any:
    """`Literal[values] | None`, or just None when there is nothing to choose from."""
    if not values:
        return type(None)
    return Literal[tuple(values)] | None


def _small_draft(part: str, c: Candidates) -> type[BaseModel] | None:
    """Choices only, no text: a 135M model writes nothing useful, and each token costs time.

    Titles, summaries, dates, roles and positions then come from the article (`to_items`).
    """
    if part == "event":
        return create_model("Event", type=(Literal[EVENT_TYPES], ...),
                            venue=(_choice(c.venues), ...), city=(_choice(c.cities), ...),
                            country=(_choice(c.countries), ...))
    # Absentees: only the person named nearest to words of absence ("skipped", "neither").
    choices = {"participants": (c.names, 6), "absentees": (c.absent[:1], 1),
               "appointments": (c.appointed, 3),
               "quotes": ([q.id for q in c.quotes], 5)}[part]
    values, most = choices
    if not values:
        return None
    key = "key_quotes" if part == "quotes" else part
    name = "KeyQuotes" if part == "quotes" else part.title()
    choice: Any = Literal[tuple(values)]
    # At least one: left free, a small model answers [] to everything. The candidates
    # were already narrowed by code (cue sentences for absentees and appointments).
    return create_model(name, **{key: (list[choice], Field(min_length=1, max_length=most))})


def draft_model(part: str, c: Candidates, *, constrained: bool,
                small: bool = False) -> type[BaseModel] | None:
    """The response model for one part, or None when no call earns its keep: nothing to
    pick, or a small model whose picks do not beat the code's own (benchmarks/ablation.py).
    """
    if small and constrained:
        return _small_draft(part, c) if SMALL_MODEL_CHOOSES else None
    # Without a constraining decoder, names are free text and grounded afterwards.
    name: Any = _choice(c.names) if constrained else Str80 | None
    if part == "event":
        return create_model(
            "Event",
            title=(Str80, ...),
            type=(Literal[EVENT_TYPES], ...),
            date=(_choice([f"D{i}" for i in range(1, len(c.resolved_dates) + 1)]), ...),
            venue=(_choice(c.venues), ...),
            city=(_choice(c.cities), ...),
            country=(_choice(c.countries), ...),
            summary=(Annotated[str, Field(max_length=400)], ...),
        )
    if part == "quotes":
        if not c.quotes:
            return None
        item: Any = create_model("KeyQuote", quote=(Literal[tuple(q.id for q in c.quotes)], ...),
                            speaker=(name, ...))
        return create_model("KeyQuotes", key_quotes=(list[item], Field(max_length=5)))
    if part == "appointments":
        # Only people in a sentence that speaks of an appointment can have been appointed.
        if not c.appointed_options:
            return None
        person = Literal[tuple(c.appointed_options)] if constrained else Str80
        item = create_model("Appointment", person=(person, ...), position=(Str80, ...),
                            organization=(Str80 | None, ...))
        return create_model("Appointments", appointments=(list[item], Field(max_length=6)))
    fields: dict[str, Any] = {"name": (name, ...), "role": (Str80 | None, ...),
                              "affiliation": (Str80 | None, ...)}
    if part == "absentees":
        if not c.has_absence_cue:
            return None  # nothing in the text speaks of anyone staying away
        if constrained:
            fields["name"] = (_choice(c.absent_options), ...)
        fields["reason"] = (Str200 | None, ...)
    item = create_model(part.title()[:-1], **fields)
    return create_model(part.title(), **{part: (list[item], Field(max_length=10))})


@dataclass
class _Choice:
    """A small model's bare choice, in the shape of a full draft item."""

    quote: str = ""
    person: str = ""
    speaker: str | None = None
    position: str | None = None
    organization: str | None = None


def _clean(value: Any, c: Candidates) -> Any:
    """A free-text answer, or None when it is empty or only echoes a name or the prompt.

    Small models fill every string field with the first name they saw; a role that is a
    person's name says nothing, so it is treated as not stated.
    """
    if not isinstance(value, str):
        return value
    value = value.strip()
    lowered = value.lower()
    if not value or lowered in ("null", "none", "unknown", "n/a"):
        return None
    if any(p.name.lower() in lowered or lowered in (p.name.lower(), *map(str.lower, p.aliases))
           for p in c.people):
        return None
    if "at most 12 words" in lowered or "chosen from the" in lowered:
        return None
    return value


def _name_grounding(text: str, name: str | None, c: Candidates) -> Grounding | None:
    return locate_name(text, name, c.aliases(name)) if name else None


def dedupe_people(items: list[Any]) -> list[Any]:
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


def _event(d: Any, c: Candidates, small: bool) -> Event:
    dates = c.resolved_dates
    chosen = getattr(d, "date", None)
    mention = dates[int(chosen[1:]) - 1] if chosen else None
    if small:
        # A 135M model picks ids at random. A news lead states the event's day; a date
        # further down is as likely background, so without one in the lead: not stated.
        start, end = c.lead_span
        mention = next((m for m in dates if start <= m.start and m.end <= end), None)
    evidence = None
    if mention is not None:
        evidence = DateEvidence(expression=mention.expression, start=mention.start,
                                end=mention.end, rule=mention.rule, published=c.published)
    country = d.country
    city_country = {p.name: p.country for p in c.places if p.kind == "city"}
    named = {p.name for p in c.places if p.kind == "country"}
    if d.city and city_country.get(d.city) in named:
        country = city_country[d.city]  # the city's country, where the article names it
    title = _clean(getattr(d, "title", None), c)
    summary = _clean(getattr(d, "summary", None), c)
    if small or not title:
        first = c.lead.split(". ")[0].split()
        title = c.title or (" ".join(first[:12]) + (" …" if len(first) > 12 else "")) \
            or title or ""
    if small or not summary:
        summary = c.lead or summary or ""
    kind = d.type
    if small:  # the event word the headline or lead uses first; "met" only if no other
        words = normalize_text(f"{c.title or ''} {c.lead}")
        hits = [(kind_ in _GENERIC_TYPES, m.start(), kind_) for stem, kind_ in _TYPE_STEMS
                if (m := re.search(rf"\b{stem}", words))]
        kind = min(hits)[2] if hits else kind
    return Event(
        title=title.strip(), type=kind, date=mention.date if mention else None,
        location=Location(venue=d.venue, city=d.city, country=country),
        summary=summary.strip(), date_evidence=evidence,
    )


def _organization_in(position: str) -> str | None:
    """The capitalised name after the last 'of': 'head of the Joint Staff of the CSTO' -> 'CSTO'."""
    _, of, tail = position.rpartition(" of ")
    tail = re.sub(r"^the\s+", "", tail.strip())
    return tail if of and tail[:1].isupper() else None


def _person_fields(values: dict[str, Any], c: Candidates, small: bool) -> dict[str, Any]:
    """Role and affiliation: the article's own words next to the name where we have them."""
    found = c.descriptors.get(values.get("name") or "")
    for key in ("role", "affiliation"):
        model_value = _clean(values.get(key), c)
        code_value = getattr(found, key, None) if found else None
        values[key] = code_value if small else (model_value or code_value)
    if "reason" in values:
        values["reason"] = None if small else _clean(values["reason"], c)
    return values


def to_items(part: str, draft: BaseModel | None, text: str, c: Candidates,
             small: bool = False) -> Any:
    """Turn the model's choices into contract objects with verbatim text and grounding.

    `small`: the model is too weak for free text, so titles, summaries, roles, dates and
    positions come from the article's own words (see `context`), never from the model.
    """
    if small and draft is None:
        return code_items(part, text, c)
    if part == "event":
        assert draft is not None
        return _event(draft, c, small)
    if draft is None:
        return []
    if part == "quotes":
        by_id = {q.id: q for q in c.quotes}
        quotes, seen = [], set()
        for item in draft.key_quotes:  # type: ignore[attr-defined]
            if isinstance(item, str):  # a small model's bare choice
                item = _Choice(quote=item)
            q = by_id[item.quote]
            if q.id in seen:
                continue
            seen.add(q.id)
            speaker = (q.speaker or item.speaker) if small else (item.speaker or q.speaker)
            quotes.append(KeyQuote(
                speaker=speaker, text=q.text,
                grounding=Grounding(status="exact", start=q.start, end=q.end, matched=q.text),
                speaker_grounding=_name_grounding(text, speaker, c),
            ))
        return quotes
    if part == "appointments":
        people = {p.name: p for p in c.people}
        appointments: list[Any] = []
        for a in draft.appointments:  # type: ignore[attr-defined]
            if isinstance(a, str):
                a = _Choice(person=a)
            position = _clean(a.position, c)
            found = next((x for x in c.appointments if x.name == a.person), None)
            if found is not None and (small or not position):
                position = found.position  # the post named in the appointing clause
            elif a.person in people and (small or not position):
                position = context.position_near(text, people[a.person],
                                                 c.sentences or None) or position
            if not position:
                continue  # an appointment to nothing stated is not an appointment
            organization = None if small else _clean(a.organization, c)
            appointments.append(Appointment(
                person=a.person, position=position,
                organization=organization or _organization_in(position),
                grounding=_name_grounding(text, a.person, c)))
        return dedupe_people(appointments)
    model = Participant if part == "participants" else Absentee
    items: list[Any] = []
    for raw in getattr(draft, part):
        values = {"name": raw, "role": None, "affiliation": None} if isinstance(raw, str) \
            else raw.model_dump()
        if part == "absentees":
            values.setdefault("reason", None)
        values = _person_fields(values, c, small)
        if not values.get("name") and not values.get("affiliation"):
            continue  # an entry naming nobody says nothing
        items.append(model(**values, grounding=_name_grounding(text, values.get("name"), c)))
    return dedupe_people(items)


def reconcile(parts: dict[str, Any], small: bool) -> dict[str, Any]:
    """Nobody both took part and stayed away. With a small model, whose picks are close to
    arbitrary, the absence (found next to words of absence in the text) wins."""
    if small and "participants" in parts and "absentees" in parts:
        absent = [a.name for a in parts["absentees"] if a.name]
        parts["participants"] = [p for p in parts["participants"]
                                 if not any(names_match(p.name, a) for a in absent)]
    return parts


def _key_quotes(c: Candidates, limit: int = 5) -> list[Any]:
    """The main voices first: whole quoted sentences, one per speaker in turn (the people at
    the centre of the event before others), then their shorter quoted phrases when slots
    remain, then unattributed sentences and phrases; returned in text order."""
    central = {n: i for i, n in enumerate([*c.participants, *c.absent, *c.appointed])}

    def voices(pool: list[Any]) -> list[Any]:
        by_speaker: dict[Any, list[Any]] = {}
        for q in pool:
            by_speaker.setdefault(q.speaker, []).append(q)
        order = sorted(by_speaker, key=lambda s: (central.get(s, len(central)),
                                                  by_speaker[s][0].start))
        turns = [q for k in range(max(map(len, by_speaker.values()), default=0))
                 for s in order if k < len(by_speaker[s]) for q in [by_speaker[s][k]]]
        return turns

    sentences = voices([q for q in c.quotes if q.sentence and q.speaker])
    phrases = voices([q for q in c.quotes if not q.sentence and q.speaker and q.words >= 2])
    unattributed = [q for q in c.quotes if q.sentence and not q.speaker]
    # Last, when slots remain: unattributed phrases long enough to say something.
    rest = [q for q in c.quotes if not q.sentence and not q.speaker and q.words >= 3]
    chosen = [*sentences, *phrases, *unattributed, *rest][:limit]
    return sorted(chosen, key=lambda q: q.start)


def code_items(part: str, text: str, c: Candidates) -> Any:
    """The code's own reading of the article, where no model call earns its keep."""
    if part == "event":
        r = c.event
        d = SimpleNamespace(type=r.type or "other", venue=r.venue, city=r.city,
                            country=r.country)
        event = _event(d, c, small=True)
        if r is not None and r.type:
            event.type = r.type
        mention = r.date if r is not None else None
        event.date = mention.date if mention else None
        event.date_evidence = DateEvidence(
            expression=mention.expression, start=mention.start, end=mention.end,
            rule=mention.rule, published=c.published) if mention else None
        return event
    if part == "quotes":
        return [KeyQuote(speaker=q.speaker, text=q.text,
                         grounding=Grounding(status="exact", start=q.start, end=q.end,
                                             matched=q.text),
                         speaker_grounding=_name_grounding(text, q.speaker, c))
                for q in _key_quotes(c)]
    if part == "appointments":
        return [Appointment(person=a.name, position=a.position,
                            organization=a.organization or _organization_in(a.position),
                            grounding=_name_grounding(text, a.name, c))
                for a in c.appointments]
    names = c.participants if part == "participants" else c.absent
    model = Participant if part == "participants" else Absentee
    items = []
    for name in names:
        found = c.descriptors.get(name)
        values: dict[str, Any] = {"name": name, "role": getattr(found, "role", None),
                                  "affiliation": getattr(found, "affiliation", None)}
        if part == "absentees":
            values["reason"] = None
        items.append(model(**values, grounding=_name_grounding(text, name, c)))
    if part == "participants":  # parties named only by country or body
        for affiliation in dict.fromkeys(p.affiliation for p in c.parties):
            role = next(p.role for p in c.parties if p.affiliation == affiliation)
            items.append(Participant(name=None, role=role, affiliation=affiliation))
    return items
