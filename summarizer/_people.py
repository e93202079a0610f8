"""Rule-based person and place candidates (public API re-exported by candidates.py).

No NER model is available offline, so people are capitalised token runs that survive a
series of filters; precision matters more than recall, because every false name becomes a
choice the small model may pick. See `find_people` for the rules.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

from summarizer._lexicon import (
    COMMON_CAPITALISED,
    DEMONYMS,
    MONTHS_DAYS,
    ORG_WORDS,
    PARTICLES,
    PERSON_TITLES,
    PLACE_PREFIXES,
    gazetteer,
)
from summarizer.names import names_match

__all__ = ["PersonCandidate", "PlaceCandidate", "find_people", "find_places"]


@dataclass(frozen=True)
class PersonCandidate:
    """A person named in the article: `name` is the fullest form seen ("Donald J. Trump");
    `mentions` are the spans of every mention, surname-only and "Mr. X" ones included
    (the span covers the name, not the title); `aliases` the other surface forms."""

    name: str
    mentions: tuple[tuple[int, int], ...]
    aliases: tuple[str, ...]


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


class _Tok(NamedTuple):
    start: int
    end: int
    word: str  # surface without a trailing possessive or sentence period
    initial: bool  # first token of a sentence
    stop: bool  # the run cannot go on past this token (possessive, sentence end)


_WORD = re.compile(r"[^\W\d_][\w'’.\-]*")
_ABBREV = frozenset(["mr", "mrs", "ms", "dr", "st", "gov", "sen", "rep", "jr", "sr", "gen",
                     "col", "lt", "sgt", "capt", "adm", "prof", "rev", "hon", "ft", "mt",
                     "pres", "supt"])
_SENT_BEFORE = re.compile(r"(?:^|[.!?:;\n\"“”«»(]|'')\s*$")


def _tokens(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _WORD.finditer(text):
        word, start = m.group(), m.start()
        stop = False
        for suffix in ("'s", "’s"):
            if word.endswith(suffix) and len(word) > len(suffix):
                word, stop = word[: -len(suffix)], True
                break
        if word.rstrip("'’") != word:  # "Jones’" or a closing '' right after the word
            word, stop = word.rstrip("'’"), True
        if word.endswith("."):
            bare = word.rstrip(".")
            # "J." and "Mr." are part of a name; "Minsk." ends a sentence.
            if not (len(bare) == 1 or bare.lower() in _ABBREV or "." in bare):
                word, stop = bare, True
        initial = bool(_SENT_BEFORE.search(text[max(0, start - 4) : start]))
        toks.append(_Tok(start, start + len(word), word, initial, stop))
    return toks


def _key(word: str) -> str:
    return word.lower().rstrip(".")


def _is_title(word: str) -> bool:
    key = _key(word)
    return key in PERSON_TITLES or all(p in PERSON_TITLES for p in key.split("-"))


def _is_acronym(word: str) -> bool:
    letters = word.replace(".", "")
    return len(letters) >= 2 and letters.isupper()


def _is_place(phrase: str) -> bool:
    gaz, key = gazetteer(), phrase.lower()
    return key in gaz.cities or key in gaz.countries or key in gaz.us_states


def _headline_case(line: str) -> bool:
    """A title-cased line ("Social Sites Overflow When Crisis Strikes") names nothing
    reliably; its mentions are found later by the surname scan."""
    if len(line.split()) > 20 or re.search(r"[a-z]{2}[.!?](?:\s|$)", line):
        return False  # prose: several sentences, or too long for a title
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", line) if len(w) > 3]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.75 * len(words)


def _runs(text: str, toks: list[_Tok], lower_words: set[str]) -> list[list[_Tok]]:
    """Maximal runs of capitalised tokens joined by single spaces (particles inside)."""
    runs: list[list[_Tok]] = []
    cur: list[_Tok] = []

    def is_cap(t: _Tok) -> bool:
        w = t.word
        if not w[0].isupper() and not re.match(r"(?:al|el|bin)-[A-Z]", w):
            return False
        k = _key(w)
        if k in COMMON_CAPITALISED:
            return False
        # A sentence-initial word that the article also uses in lower case is a word.
        return not (t.initial and k in lower_words and not _is_title(w))

    for t in toks:
        joined = bool(cur) and text[cur[-1].end : t.start] in (" ", "\xa0") and not cur[-1].stop
        if is_cap(t) or (joined and t.word in PARTICLES):
            if not joined and cur:
                runs.append(cur)
                cur = []
            cur.append(t)
        else:
            if cur:
                runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return [[*r[: _last_cap(r) + 1]] for r in runs if r]


def _last_cap(run: list[_Tok]) -> int:
    return max(i for i, t in enumerate(run) if t.word not in PARTICLES)


def _split_name(run: list[_Tok]) -> list[tuple[list[_Tok], bool]]:
    """Ways to read a run as a name, best first, with whether a person title stood right
    before it: "Malaysian Defence Minister Hishammuddin Hussein" -> the part after the
    last title; "Russian Colonel General Andrei Serdyukov" -> after "General"; else the
    run less leading demonyms, acronyms and countries ("CSTO", "Belarus")."""
    gaz = gazetteer()
    options = [(run[i + 1 :], True) for i in range(len(run) - 2, -1, -1)
               if _is_title(run[i].word) and not _is_title(run[i + 1].word)]
    k = 0
    while k < len(run) - 1 and (
        _key(run[k].word) in DEMONYMS or _is_acronym(run[k].word)
        or _key(run[k].word) in gaz.countries or _key(run[k].word) in gaz.us_states
    ):
        k += 1
    options.append((run[k:], False))
    return options


def _valid(name: list[_Tok], titled: bool, lower_words: set[str]) -> bool:
    words = [t.word for t in name if t.word not in PARTICLES]
    suffixless = [w for w in words if _key(w) not in {"jr", "sr", "ii", "iii", "iv"}]
    if not 1 <= len(suffixless) <= 4 or (len(suffixless) == 1 and not titled):
        return False
    keys = [_key(w) for w in suffixless]
    if any(re.search(r"['’](?:t|ll|re|ve|d|m)$", w) for w in words) or keys[0] in PERSON_TITLES:
        return False  # "Don’t Know", "Former Pennsylvania"
    gaz = gazetteer()
    if any(k in gaz.countries or k in gaz.us_states for k in keys[1:]):
        return False
    if _is_title(suffixless[-1]) or any(w.endswith(".") and _is_title(w) for w in words):
        return False  # "Pennsylvania Gov."
    if any(k in ORG_WORDS or k in MONTHS_DAYS or k in COMMON_CAPITALISED or k in DEMONYMS
           for k in keys):
        return False
    if any(_is_acronym(w) and len(w.replace(".", "")) > 1 for w in suffixless):
        return False
    if len(suffixless[-1].rstrip(".")) < 2:  # a name does not end in an initial
        return False
    phrase = " ".join(words)
    if _is_place(phrase) or (len(keys) > 1 and keys[0] in PLACE_PREFIXES):
        return False
    if len(suffixless) == 1:
        return not _is_place(words[0])
    # "Safety Check", "Black Lives Matter": every word also used in lower case.
    return not all(k in lower_words for k in keys if len(k) > 1)


def find_people(text: str) -> list[PersonCandidate]:
    """People named in `text`, in order of first mention (see module docstring)."""
    lower_words = set(re.findall(r"\b[a-z][a-z'-]*\b", text))
    forms: list[tuple[str, bool]] = []  # (surface form, titled single name) in text order
    offset = 0
    for line in text.split("\n"):
        if line.strip() and not _headline_case(line):
            toks = [t._replace(start=t.start + offset, end=t.end + offset)
                    for t in _tokens(line)]
            for run in _runs(text, toks, lower_words):
                for name, titled in _split_name(run):
                    if name and _valid(name, titled, lower_words):
                        forms.append((text[name[0].start : name[-1].end], titled))
                        break
        offset += len(line) + 1
    # Full names first, merged when one's tokens contain the other's and the surname agrees.
    people: list[list[str]] = []
    for form, _ in forms:
        if " " not in form:
            continue
        for group in people:
            if names_match(group[0], form):
                group.append(form)
                group.sort(key=lambda f: -len(f.split()))
                break
        else:
            people.append([form])
    # "Donald Trump Leads" (a headline) extends a known name by a word: not a person.
    people = [g for g in people if not any(
        o is not g and g[0].split()[-1] != o[0].split()[-1]
        and any(g[0].startswith(f + " ") for f in o) for o in people)]
    for form, _ in forms:  # titled single names: "Mr. Obama" with or without "Barack Obama"
        if " " in form:
            continue
        if not any(g[0].split()[-1] == form for g in people):
            people.append([form])
    return [p for p in _with_mentions(text, people) if not _a_thing(text, p)]


# "its Alfa Romeo marque", "the BBC's Talking Point programme": a name-shaped phrase that
# names a product or a programme. "the Museum of Natural History": part of an institution.
_THING_AFTER = re.compile(
    r"\s+(?:programme|program|show|brand|marque|model|series|index|unit|division|"
    r"label|fund|team|project|campaign's)\b")
_INSTITUTION_BEFORE = re.compile(r"\b(?:[A-Z][\w-]*)\s+of\s+(?:the\s+)?$")


def _a_thing(text: str, person: PersonCandidate) -> bool:
    """True when every mention reads as a product, programme or institution, not a person."""
    def thing(start: int, end: int) -> bool:
        before = text[max(0, start - 40):start]
        institution = _INSTITUTION_BEFORE.search(before)
        return bool(_THING_AFTER.match(text, end)) or bool(
            institution and _key(institution.group(0).split()[0]) in ORG_WORDS)

    return all(thing(s, e) for s, e in person.mentions)


def _with_mentions(text: str, people: list[list[str]]) -> list[PersonCandidate]:
    """All mentions of each person: every seen form, and the bare surname, which goes to
    the nearest person with that surname mentioned before it (or the first one)."""
    spans: dict[int, list[tuple[int, int]]] = {i: [] for i in range(len(people))}
    taken: list[tuple[int, int]] = []
    full: list[tuple[int, int]] = []  # (position, person) of full-form mentions
    forms = sorted({(f, i) for i, g in enumerate(people) for f in g}, key=lambda x: -len(x[0]))
    for form, i in forms:
        for m in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append(m.span())
            spans[i].append(m.span())
            full.append((m.start(), i))
    full.sort()
    by_surname: dict[str, list[int]] = {}
    for i, g in enumerate(people):
        by_surname.setdefault(g[0].split()[-1], []).append(i)
    for surname, owners in by_surname.items():
        if len(surname) < 2:
            continue
        for m in re.finditer(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            before = [i for pos, i in full if pos < m.start() and i in owners]
            spans[before[-1] if before else owners[0]].append(m.span())
    out = []
    for i, g in enumerate(people):
        if not spans[i]:
            continue
        surname = g[0].split()[-1]
        aliases = [f for f in dict.fromkeys([*g[1:], surname]) if f != g[0]]
        out.append(PersonCandidate(g[0], tuple(sorted(spans[i])), tuple(aliases)))
    out.sort(key=lambda p: p.mentions[0])
    return out


@lru_cache(maxsize=1)
def _demonym_pattern() -> re.Pattern[str]:
    words = sorted((d for d, c in DEMONYMS.items() if c), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)


def find_places(text: str, people: list[PersonCandidate] | None = None) -> list[PlaceCandidate]:
    """Cities (>= 100,000 people or capitals) and countries, in order of first mention.

    An ambiguous city takes the country named right after it ("St. Petersburg, Russia"),
    else a country the article names (also via a demonym: "the Belarusian capital"), else
    the most populous. Words inside a person's name ("Jesse Jackson") are not places.
    """
    gaz = gazetteer()
    if people is None:
        people = find_people(text)
    person_spans = [s for p in people for s in p.mentions]
    mentioned = {gaz.countries[m.lower()] for m in re.findall(r"[A-Z][\w.]*(?: [A-Z]\w*)*", text)
                 if m.lower() in gaz.countries}
    mentioned |= {DEMONYMS[m.lower()] for m in _demonym_pattern().findall(text)}
    found: dict[tuple[str, str], PlaceCandidate] = {}
    words = list(re.finditer(r"(?:St\. |Saint )?[A-Z][\w-]*", text))
    i = 0
    while i < len(words):
        # Longest run of up to 3 adjacent capitalised words that names a place.
        for n in range(min(3, len(words) - i), 0, -1):
            group = words[i : i + n]
            if any(text[a.end() : b.start()] != " " for a, b in itertools.pairwise(group)):
                continue
            start, end = group[0].start(), group[-1].end()
            key = text[start:end].lower()
            if key not in gaz.cities and key not in gaz.countries:
                continue
            nxt = words[i + n] if i + n < len(words) else None
            # "Independence Palace", "Washington Post": a building or an organisation.
            org = nxt is not None and text[end : nxt.start()] == " " and (
                _key(nxt.group()) in ORG_WORDS)
            if not org and not any(s < end and start < e for s, e in person_spans):
                _add_place(found, text, key, start, end, mentioned)
            i += n - 1
            break
        i += 1
    return sorted(found.values(), key=lambda p: p.start)


def _add_place(found: dict[tuple[str, str], PlaceCandidate], text: str, key: str,
               start: int, end: int, mentioned: set[str]) -> None:
    gaz = gazetteer()
    kind: Literal["city", "country"]
    if key in gaz.countries:
        name, kind, country = gaz.countries[key], "country", None
    else:
        options = gaz.cities[key]
        after = text[end : end + 40]
        named_after = [o for o in options if re.match(rf",? ?{re.escape(o[1])}", after)]
        known = [o for o in options if o[1] in mentioned]
        (name, country), kind = (named_after or known or list(options))[0], "city"
    old = found.get((name, kind))
    mentions = (*old.mentions, (start, end)) if old else ((start, end),)
    first = (old.start, old.end) if old else (start, end)
    found[(name, kind)] = PlaceCandidate(name, kind, country, *first, mentions)
