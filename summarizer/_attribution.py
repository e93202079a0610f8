"""Who said each quote: the speaker heuristics behind `candidates.find_quotes`.

In order, the first that applies:
1. after the closing mark, in the same sentence: `, X said` / `, said X` / `, he said` /
   `, the Belarusian leader said` / `according to X`;
2. before the opening mark, in the same sentence: `X said:` / `X told reporters that` /
   `he added,` / `According to X,`;
3. an earlier quote of the same sentence (`X said that “a” and “b”`) lends its speaker;
4. the sentence's subject (`the Belarusian leader expressed a hope to see “…”`);
5. the other paragraphs of a multi-paragraph quote; an earlier attributed quote of the
   same paragraph (“A,” X said. “B.”); a paragraph made only of a quote right after an
   attributed quote (the news convention for a continuing speaker).
Pronouns and descriptions ("he", "the senator") resolve to the nearest person mention
before them that is not itself inside a quotation. Only people from `find_people` are
speakers, so a speaker's name always comes from the article.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from summarizer._lexicon import ROLE_NOUNS, SPEECH_VERBS

if TYPE_CHECKING:
    from summarizer.candidates import QuoteCandidate
    from summarizer.text.people import PersonCandidate

__all__ = ["attribute"]

_VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b")
_ROLE = rf"(?:the|that|this)\s+(?:[\w'’-]+\s+){{0,3}}?(?:{'|'.join(sorted(ROLE_NOUNS))})"
_ANAPHOR_START = re.compile(rf"^\W*(?:(?:he|she)\b|{_ROLE}\b)", re.I)
_ANAPHOR_END = re.compile(rf"(?:\b(?:he|she)|{_ROLE})(?:\s+(?:also|then|later|has|had))?\s*$",
                          re.I)
_ANAPHOR_ANY = re.compile(rf"(?:^|[\s,])(?:(?:He|She)\b|{_ROLE}\b)", re.I)
_ACCORDING = re.compile(r"\baccording to\s+", re.I)
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Sen|Gov|Rep|Gen|Col|Lt|Jr|Sr|Prof|Rev|U\.S)|"
                     r"\b[A-Z])$")

Span = tuple[int, int, int]  # (start, end, person index)


def _sentence_ends(text: str, a: int, b: int) -> list[int]:
    """Positions in [a, b) just after a sentence-final . ! ? (not "Mr." or "J.")."""
    return [m.end() for m in re.finditer(r"[.!?](?=[\s\"”'’]|$)", text[a:b])
            if not (text[a + m.start()] == "." and _ABBREV.search(text[max(a, a + m.start() - 4)
                                                                       : a + m.start()]))]


class _Resolver:
    def __init__(self, text: str, people: list[PersonCandidate], marks: list[tuple[int, int]]):
        self.text, self.people, self.marks = text, people, marks
        self.mentions: list[Span] = sorted(
            (s, e, i) for i, p in enumerate(people) for s, e in p.mentions)
        self.starts = [m[0] for m in self.mentions]
        self.mark_starts = [m[0] for m in marks]

    def quoted(self, pos: int) -> bool:
        i = bisect.bisect_right(self.mark_starts, pos) - 1
        return i >= 0 and self.marks[i][0] <= pos < self.marks[i][1]

    def within(self, a: int, b: int) -> list[Span]:
        """Mentions inside [a, b), less possessives ("Trump's adviser X" is X)."""
        lo = bisect.bisect_left(self.starts, a)
        return [m for m in self.mentions[lo:] if m[0] < b and m[1] <= b
                and self.text[m[1] : m[1] + 2] not in ("'s", "’s")]

    def antecedent(self, pos: int) -> Span | None:
        """Nearest person mention ending before `pos`, outside quotations."""
        i = bisect.bisect_left(self.starts, pos) - 1
        while i >= 0:
            m = self.mentions[i]
            if m[1] <= pos and not self.quoted(m[0]):
                return m
            i -= 1
        return None

    def subject(self, a: int, b: int, anchor: int) -> Span | None:
        """A speaker named in text[a:b]: a mention, else "he"/"the senator" resolved."""
        found = [m for m in self.within(a, b) if not self.quoted(m[0])]
        if found:
            return found[0]
        if _ANAPHOR_START.search(self.text[a:b]) or _ANAPHOR_END.search(self.text[a:b]):
            return self.antecedent(min(a, anchor))
        return None

    def after(self, ms: int, me: int, limit: int) -> Span | None:
        """Rule 1: attribution after the closing mark."""
        window = self.text[me:limit]
        verb = _VERB.search(window)
        if verb and verb.start() <= 80:
            head = window[: verb.start()]
            if head.strip(" ,\xa0—–-\n"):
                if len(head.split()) > 10:
                    return None
                return self.subject(me, me + verb.start(), ms)
            tail = me + verb.end()  # ", said Mr. X" / ", said the senator"
            gap = self.text[tail : min(limit, tail + 60)]
            found = [m for m in self.within(tail, tail + len(gap))
                     if "," not in self.text[tail : m[0]]]
            if found:
                return found[0]
            return self.antecedent(ms) if _ANAPHOR_START.search(gap) else None
        acc = _ACCORDING.search(window)
        if acc and acc.start() <= 30:
            found = self.within(me + acc.end(), limit)
            return found[0] if found else None
        return None

    def before(self, ms: int, start: int) -> Span | None:
        """Rule 2: attribution before the opening mark."""
        window = self.text[start:ms]
        verbs = list(_VERB.finditer(window))
        if verbs and len(window[verbs[-1].end() :].split()) <= 8:
            v0, v1 = start + verbs[-1].start(), start + verbs[-1].end()
            head = self.text[start:v0]
            if _ANAPHOR_END.search(head):
                return self.antecedent(v0)
            found = [m for m in self.within(start, v0) if not self.quoted(m[0])]
            if found:
                return found[-1]
            after = self.within(v1, ms)  # "said Mr. X: “…”"
            return after[0] if after else None
        acc = list(_ACCORDING.finditer(window))
        if acc:
            found = self.within(start + acc[-1].end(), ms)
            return found[0] if found else None
        return None

    def sentence_subject(self, ms: int, start: int) -> Span | None:
        """Rule 4: the first person, pronoun or description of the sentence."""
        window = self.text[start:ms]
        found = [m for m in self.within(start, ms) if not self.quoted(m[0])]
        ana = _ANAPHOR_ANY.search(window)
        if ana and (not found or start + ana.start() < found[0][0]):
            return self.antecedent(start + ana.start())
        return found[0] if found else None


def attribute(text: str, quotes: list[QuoteCandidate], marks: list[tuple[int, int]],
              people: list[PersonCandidate]) -> list[QuoteCandidate]:
    """Fill `speaker`, `speaker_start`, `speaker_end` of each quote (see module docstring)."""
    res = _Resolver(text, people, marks)
    spans: list[Span | None] = []
    for k, (ms, me) in enumerate(marks):
        p0 = text.rfind("\n", 0, ms) + 1
        p1 = text.find("\n", me)
        p1 = len(text) if p1 < 0 else p1
        nxt = marks[k + 1][0] if k + 1 < len(marks) and marks[k + 1][0] < p1 else p1
        ends = _sentence_ends(text, me, nxt)
        limit = me + ends[0] if ends else min(nxt, me + 200)
        prev_me = marks[k - 1][1] if k and marks[k - 1][1] > p0 else p0
        starts = _sentence_ends(text, prev_me, ms)
        start = prev_me + starts[-1] if starts else max(prev_me, ms - 300)
        same_sentence = bool(k) and prev_me > p0 and not starts and (
            not re.search(r"[.!?]$", quotes[k - 1].text))
        span = res.after(ms, me, limit) or res.before(ms, start)
        if span is None and same_sentence:
            span = spans[k - 1]
        if span is None and not (prev_me > p0 and same_sentence):
            span = res.sentence_subject(ms, start)
        spans.append(span)
    _propagate(text, quotes, marks, spans)
    out = []
    for q, span in zip(quotes, spans, strict=True):
        if span is not None:
            q = replace(q, speaker=people[span[2]].name, speaker_start=span[0],
                        speaker_end=span[1])
        out.append(q)
    return out


def _propagate(text: str, quotes: list[QuoteCandidate], marks: list[tuple[int, int]],
               spans: list[Span | None]) -> None:
    """Rule 5: within a multi-paragraph quote, and to a bare quote paragraph that follows
    an attributed quote in the previous paragraph."""
    by_group: dict[str | None, Span] = {}
    for q, span in zip(quotes, spans, strict=True):
        if span is not None and q.group not in by_group:
            by_group[q.group] = span
    for k, q in enumerate(quotes):
        if spans[k] is None and q.group in by_group:
            spans[k] = by_group[q.group]
    for k in range(1, len(quotes)):
        if spans[k] is not None or spans[k - 1] is None:
            continue
        ms, me = marks[k]
        p0 = text.rfind("\n", 0, ms) + 1
        if marks[k - 1][0] >= p0:  # “A,” X said. “B.”: B is X's too
            spans[k] = spans[k - 1]
            continue
        p1 = text.find("\n", me)
        rest = text[p0:ms] + text[me : len(text) if p1 < 0 else p1]
        prev_p0 = text.rfind("\n", 0, len(text[:p0].rstrip())) + 1
        if not rest.strip(" \t\xa0.,;:—–-") and prev_p0 <= marks[k - 1][1] <= p0:
            spans[k] = spans[k - 1]
