"""What the text says around the candidates: roles, affiliations, cue sentences, the lead.

All pure and all verbatim from the article, so a role or a lead sentence taken from here
is as grounded as a quote. The pipeline uses these where a model cannot be trusted with
free text (the tiny default model) and to fill fields a model left empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.text.lexicon import DEMONYMS, PERSON_TITLES, ROLE_NOUNS, SPEECH_VERBS, gazetteer
from summarizer.text.nlp import span_index
from summarizer.text.people import PersonCandidate

__all__ = ["Descriptor", "cue_people", "describe_near", "lead", "position_near", "rough_sentences"]

ABSENCE_CUES = re.compile(
    r"\b(skip\w*|absen\w*|boycott\w*|stay(?:ed|s)? away|refus\w*|declin\w*|"
    r"(?:did|does|do|will|would|could) not (?:attend|come|take part|participate|join)|"
    r"(?:didn't|won't|wouldn't|couldn't) (?:attend|come|take part|participate|join)|"
    r"neither|no-show|missed|miss the|pulled out|withdr[ae]w\w*|was not at|were not at|"
    r"not (?:be )?(?:attending|participating|invited)|unable to attend|snub\w*)\b",
    re.IGNORECASE,
)
APPOINTMENT_CUES = re.compile(
    r"\b(appoint\w*|named|nominat\w*|elected|elect(?:s|ion)? as|hir(?:ed|es|ing)|"
    r"promot\w*|elevat\w*|will become|becomes|became|replac\w*|succeed\w*|"
    r"took over|takes over|take over|chosen|picked|tapped|installed|sworn in|"
    r"confirmed as|approved the appointment)\b",
    re.IGNORECASE,
)

_REPORTS = re.compile(rf"\s*(?:{SPEECH_VERBS})\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’']?\s+(?=[“\"A-Z])|\n\s*\n")
_WORD_BEFORE = re.compile(r"([\w.’'-]+)\s*$")
_APPOSITIVE = re.compile(r",\s+(?:the\s+|a\s+|an\s+)?([^,;.()“”\"]{3,80}?)\s*[,;.]")
_DATELINE = re.compile(
    r"^\s*(?:(?:date|dated|published|posted)\s*:?\s*)?\d{4}-\d{2}-\d{2}\s+"
    r"(?:[A-Z][A-Z .,'’-]+\s+[—–-]+\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Descriptor:
    role: str | None = None
    affiliation: str | None = None


def rough_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; good enough for cue matching (abbreviations may split early)."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def cue_people(text: str, people: list[PersonCandidate], cue: re.Pattern[str],
               spans: list[tuple[int, int]] | None = None) -> list[str]:
    """People mentioned in a sentence that also holds a cue ("skipped", "appointed"),
    nearest to a cue first (small models tend to pick the first choice offered)."""
    spans = rough_sentences(text) if spans is None else spans
    cues: dict[int, list[int]] = {}  # sentence index -> cue offsets, for a lookup per mention
    for i, (s, e) in enumerate(spans):
        found = [m.start() for m in cue.finditer(text, s, e)]
        if found:
            cues[i] = found
    distance: dict[str, int] = {}
    for p in people:
        for ms, me in p.mentions:
            if _REPORTS.match(text, me):
                continue  # "Lukashenka said Armenia's absence...": who reports it, not who
            k = span_index(ms, spans)
            if k is None or k not in cues or me > spans[k][1]:
                continue
            d = min(abs(ms - at) for at in cues[k])
            distance[p.name] = min(distance.get(p.name, d), d)
    return sorted(distance, key=distance.__getitem__)


def _affiliation_of(word: str) -> str | None:
    key = word.lower().rstrip(".")
    key = re.sub(r"[’']s$", "", key)
    if key in DEMONYMS:
        return DEMONYMS[key] or None
    countries = gazetteer().countries
    if key in countries:
        return countries[key]
    if re.fullmatch(r"[A-Z]{2,6}", word):  # an acronym: CSTO, NATO, IMF
        return word
    return None


def _is_role_word(word: str) -> bool:
    key = word.lower().rstrip(".")
    parts = key.split("-")
    return key in PERSON_TITLES or key in ROLE_NOUNS or all(
        p in PERSON_TITLES or p in ROLE_NOUNS for p in parts)


def _before(text: str, start: int) -> Descriptor:
    """'Russian President Vladimir Putin', 'Belarus’s Alyaksandr Lukashenka'."""
    role: list[str] = []
    affiliation = None
    pos = start
    for _ in range(5):
        match = _WORD_BEFORE.search(text, max(0, pos - 40), pos)
        if not match:
            break
        word = match.group(1)
        if "\n" in text[match.end():pos] or (word.endswith(".") and len(word) > 4):
            break  # the previous sentence or paragraph: not about this person
        if word.lower() in ("mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr."):
            pos = match.start()
            continue
        if (_is_role_word(word) and not role) or (role and _is_role_word(word) \
                and affiliation is None):
            role.insert(0, word)
        elif affiliation is None and (aff := _affiliation_of(word)):
            affiliation = aff
        else:
            break
        pos = match.start()
    return Descriptor(" ".join(role) or None, affiliation)


def _after(text: str, end: int) -> Descriptor:
    """'Stephen Bannon, the executive chairman of Breitbart News LLC, ...'."""
    match = _APPOSITIVE.match(text, end, min(len(text), end + 100))
    if not match:
        return Descriptor()
    phrase = match.group(1).strip()
    if not any(_is_role_word(w) for w in re.split(r"[\s-]+", phrase)):
        return Descriptor()
    role, _, org = phrase.partition(" of ")
    role = re.split(r"\s+(?:for|at|to|with)\s+", role)[0]
    role = re.sub(r"^[A-Z][\w.]*[’']s\s+", "", role)  # "Gore’s communications director"
    return Descriptor(role.strip() or None, org.strip() or None)


def describe_near(text: str, person: PersonCandidate) -> Descriptor:
    """The first role and affiliation the article gives next to one of the mentions."""
    role = affiliation = None
    for start, end in person.mentions:
        for found in (_before(text, start), _after(text, end)):
            role = role or found.role
            affiliation = affiliation or found.affiliation
        if role and affiliation:
            break
    return Descriptor(role, affiliation)


def lead(text: str, title: str | None, max_chars: int = 400,
         spans: list[tuple[int, int]] | None = None) -> tuple[int, int]:
    """The span of the first one or two sentences of the body (after headline and dateline)."""
    start = 0
    if title and text.lstrip().startswith(title):
        start = text.index(title) + len(title)
    body = text[start:]
    offset = len(body) - len(body.lstrip())
    if match := _DATELINE.match(body[offset:]):
        offset += match.end()
    start += offset
    # Skip labels and subtitles ("ABSTRACT.", a one-line deck) before the first real sentence.
    found = [(s + start, e + start) for s, e in rough_sentences(text[start:])] if spans is None \
        else [(max(s, start), e) for s, e in spans if e > start]
    spans = [(s, e) for s, e in found if len(text[s:e].split()) >= 6]
    if not spans:
        return (start, start)
    first_start, end = spans[0]
    if len(spans) > 1 and spans[1][1] - first_start <= max_chars \
            and "\n" not in text[end:spans[1][0]]:
        end = spans[1][1]
    return (first_start, min(end, first_start + max_chars))


_POSITION = re.compile(
    r"\b(?:as|to the (?:post|position|role) of|to be|will become|becomes|became|"
    r"named|appointed|elected|promoted to)\s+(?:the\s+|its\s+|their\s+|a\s+|an\s+)?"
    r"([^,.;:()“”\"]{3,60}?)(?=\s*(?:[,.;:()]|\band\b|\bin\b|\bafter\b|$))",
    re.IGNORECASE,
)


def position_near(text: str, person: PersonCandidate,
                  spans: list[tuple[int, int]] | None = None) -> str | None:
    """The post named next to a person in an appointment sentence ("… as chief executive")."""
    for s, e in rough_sentences(text) if spans is None else spans:
        if not APPOINTMENT_CUES.search(text, s, e):
            continue
        mentions = [me for ms, me in person.mentions if s <= ms and me <= e]
        if not mentions:
            continue
        found = [m for m in _POSITION.finditer(text, s, e)
                 if any(_is_role_word(w.strip("’'s")) for w in m.group(1).split())]
        # The post named right after this person's mention, not someone else's.
        after = [m for m in found if m.start() >= mentions[0]]
        if after:
            return " ".join(after[0].group(1).split())
    return None
