"""Direct quotations, found by their marks, with speakers read off the article's one parse.

Marks (`scan`): straight "…", curly “…”, guillemets «…», and NYT-style ''…'' (two
apostrophes). Single quotes never open a top-level quote, so apostrophes (don't, Gore's,
’90s) are harmless, and a nested ‘…’ / '…' stays inside the outer candidate's text.
`text` is exactly `article[start:end]`: what stands between the marks, less surrounding
spaces and a trailing comma (American style puts the sentence's comma inside the marks:
“This is short-sighted,” he said -> "This is short-sighted"). A final . ? ! stays.
A quote running across paragraphs (the paragraph ends unclosed and the next one reopens
with an opening mark, the news convention) gives one candidate per paragraph sharing a
`group` (the id of the first): a spanning text would contain the reopening mark, and
annotated corpora (PolNeAR) split such quotes too. A quote whose paragraph ends unclosed
and is not reopened ends at the paragraph end.

Speakers (`summarizer.text.speakers`): the subject of a speech verb next to the quote,
"according to X", "X said:" before it, the previous quote's speaker for a continuation,
pronouns resolved to the nearest person mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from summarizer.text.speakers import Speakers

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from summarizer.text.people import PersonCandidate

__all__ = ["QuoteCandidate", "blocks", "find_quotes", "scan"]


@dataclass(frozen=True)
class QuoteCandidate:
    """A direct quotation. Invariant: `article[start:end] == text`.

    `speaker` is the full name of the person it is attributed to, or None. `source` is
    who it is credited to when that is not a named person, in the article's words ("the
    report", "a spokesman", "CNN"; annotated corpora such as PolNeAR list these as
    sources, a summary's speaker is a person). `speaker_start`/`speaker_end` span the
    mention that named the speaker or source (for "he said", the antecedent mention);
    all four are None when no attribution was found. `group` is shared by the paragraphs
    of one multi-paragraph quote; `words` lets callers rank away one-word scare quotes.
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
    source: str | None = None

    @property
    def sentence(self) -> bool:
        """A quoted sentence (capital or digit first, >= 4 words), not a phrase woven into
        the writer's own sentence, nor a title (every word capitalised). Annotated corpora
        list mostly these (see benchmarks/RESULTS.md, PolNeAR)."""
        return self.words >= 4 and (self.text[:1].isupper() or self.text[:1].isdigit()) \
            and not _title(self.text)


def _title(text: str) -> bool:
    """Every word but the small ones capitalised: a headline, a book or a slogan quoted
    by name ("Make America Great Again"), not someone's sentence."""
    from spacy.lang.en.stop_words import STOP_WORDS

    words = [w.strip(".,:;!?()[]'’‘\"") for w in text.split()]
    return all(w[:1].isupper() or w[:1].isdigit() for w in words
               if w and w.lower() not in STOP_WORDS)


_MARKS = re.compile(r"'{2,}|[\"“”«»„]")
_OPENERS, _CLOSERS = "“«„", "”»"
_LEFT_OK = set(" \t\n\xa0([{—–-/")  # before an opening mark
_RIGHT_OK = set(" \t\n\xa0.,;:!?)]}—–-'’")  # after a closing mark


def blocks(text: str) -> list[tuple[int, int]]:
    """Blank-line separated blocks; every line when the text has no blank lines."""
    sep = r"\n[ \t\xa0]*\n\s*" if re.search(r"\n[ \t\xa0]*\n", text) else r"\n\s*"
    out, pos = [], 0
    for m in re.finditer(sep, text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(a, b) for a, b in out if b > a]


def scan(text: str) -> list[tuple[int, int, int, int, bool]]:
    """(text start, text end, mark start, mark end, continues in next paragraph)."""
    spans: list[tuple[int, int, int, int, bool]] = []
    paras = blocks(text)
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


def find_quotes(doc: Doc, people: list[PersonCandidate]) -> list[QuoteCandidate]:
    """Direct quotations in text order, ids Q1, Q2, ..., with speakers where attributed.

    `doc` is the article's parse (`nlp.parse`), `people` its `find_people(doc)`.
    """
    text = doc.text
    quotes: list[QuoteCandidate] = []
    marks: list[tuple[int, int]] = []  # outer span of each quote, marks included
    group: str | None = None
    for a, b, ms, me, continues in scan(text):
        a, b = _trim(text, a, b)
        if b <= a:
            continue
        qid = f"Q{len(quotes) + 1}"
        quotes.append(QuoteCandidate(qid, text[a:b], a, b, group=group or qid,
                                     words=len(text[a:b].split())))
        marks.append((ms, me))
        group = (group or qid) if continues else None
    found = Speakers(doc, people, marks, [q.group for q in quotes], blocks(text)).all()
    return [q if s is None else replace(
                q, speaker=s[0] if s[3] else None, source=None if s[3] else s[0],
                speaker_start=s[1], speaker_end=s[2])
            for q, s in zip(quotes, found, strict=True)]
