"""Who said each quote, read off the parse. For each quote, the first rule that applies:

1. a speech verb outside quotation marks, in the quote's sentence(s) (and the sentence
   before, when the quote opens one), not beyond the neighbouring quotes; first one the
   quote hangs from in the parse, then one of its own sentence, then the nearest. Its
   subject ("X said", "X told reporters: …", "he added"), climbing through "X said,
   adding …" and "X, who said …"; when the parser lost the subject, the name right
   before the verb or right after it ("said X", "asked the boy"); or "according to X".
   A verb that governs only another quote, or reports a clause of its own after the
   quote ("“…” Y said he would go"), is not this quote's;
2. the quote follows a colon: a speech verb in the sentence ending there ("X said:" at the
   end of the previous paragraph), or a name right before the colon ("More from X:");
3. the subject of the verb the quote hangs from, when it is a person ("X called it “…”");
4. an earlier quote of the same sentence ("X said that “a” and “b”") lends its speaker;
5. continuations: the other paragraphs of a multi-paragraph quote; an earlier quote of
   the same paragraph (“A,” X said. “B.”); a quote opening a paragraph right after a
   paragraph whose last quote is attributed.
A subject that is a person's mention gives the person's full name (unless its own words
name another person of that surname: "Bill Clinton" where the article's Clinton is
Hillary); a name in apposition ("the assailant, John Smith") is the speaker; "he"/"she"
resolve to the nearest person mention before them outside quotation marks, skipping
possessives and people known by "Mr."/"Ms." to be of the other sex; a definite description
("the senator") resolves to the nearest person the article calls by that noun ("Sen. X",
"X, the senator"); any other subject ("the report", "a Cruz adviser", "CNN") is its own
words. Word lists: `summarizer.text.speech`.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from summarizer.text import speech as lex
from summarizer.text.nlp import sentence_of

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from summarizer.text.people import PersonCandidate

__all__ = ["Speakers"]

# (who, mention start, mention end, a person rather than "the report" or "CNN")
Found = tuple[str, int, int, bool]


class Speakers:
    def __init__(self, doc: Doc, people: list[PersonCandidate], marks: list[tuple[int, int]],
                 groups: list[str | None], paras: list[tuple[int, int]]):
        self.doc, self.text, self.people, self.marks, self.groups = (
            doc, doc.text, people, marks, groups)
        self.starts = [t.idx for t in doc]
        self.mark_starts = [m[0] for m in marks]
        self.mentions = sorted((s, e, i) for i, p in enumerate(people) for s, e in p.mentions)
        self.mention_starts = [m[0] for m in self.mentions]
        self.paras = paras
        self.para_starts = [p[0] for p in self.paras]
        self.sex = self._sexes()
        self.own = (0, 0)
        self.outside = False

    # --- positions -------------------------------------------------------------------

    def quote_index(self, pos: int) -> int | None:
        i = bisect.bisect_right(self.mark_starts, pos) - 1
        return i if i >= 0 and pos < self.marks[i][1] else None

    def para(self, pos: int) -> tuple[int, int]:
        i = max(0, bisect.bisect_right(self.para_starts, pos) - 1)
        return self.paras[i] if self.paras else (0, len(self.text))

    def token(self, pos: int) -> Token:
        return self.doc[max(0, bisect.bisect_right(self.starts, pos) - 1)]

    def person_of(self, tok: Token) -> tuple[int, int, int] | None:
        """The person mention covering this token (two people sharing a surname mention:
        the one the article introduced first)."""
        i = bisect.bisect_right(self.mention_starts, tok.idx) - 1
        hits = []
        while i >= 0 and self.mentions[i][0] > tok.idx - 60:
            s, e, k = self.mentions[i]
            if s <= tok.idx < e:
                hits.append((s, e, k))
            i -= 1
        return min(hits, key=lambda h: h[2], default=None)

    def _sexes(self) -> dict[int, str]:
        """A person's sex where a title says it ("Mr. X")."""
        out: dict[int, str] = {}
        for s, _, k in self.mentions:
            before = self.text[max(0, s - 6) : s].split()
            word = before[-1].lower() if before else ""
            if word in lex.MALE_TITLES:
                out.setdefault(k, "m")
            elif word in lex.FEMALE_TITLES:
                out.setdefault(k, "f")
        return out

    def antecedent(self, pos: int, sex: str | None = None, depth: int = 0) -> Found | None:
        """The person a pronoun at `pos` stands for: of a sex that fits it (when the article
        tells it), outside quotations; the nearest one that was a clause's subject in this
        or the previous sentence ("He said the philosopher was ...": the lecturer, not the
        philosopher he spoke of), else the nearest mention."""
        tok = self.token(pos)
        sent = sentence_of(tok)
        floor = sentence_of(self.doc[sent.start - 1]).start_char if sent.start > 0 \
            else sent.start_char
        nearest: Found | None = None
        # "Trump eased his tone. Asked who leads, he said Ryan. 'I would say Paul,' he
        # said.": a subject pronoun nearer than any subject name passes its reference on.
        chained = None
        if depth < 3:
            before = [t for t in self.doc[self.token(floor).i : tok.i]
                      if t.dep_ == "nsubj" and t.lower_ in lex.PERSONAL
                      and (sex is None or lex.PERSONAL[t.lower_] == sex)
                      and self.quote_index(t.idx) is None]
            chained = before[-1] if before else None
        i = bisect.bisect_left(self.mention_starts, pos) - 1
        while i >= 0:
            s, e, k = self.mentions[i]
            if e <= pos and self.quote_index(s) is None and \
                    self.text[e : e + 2] not in ("'s", "’s") and (
                    sex is None or self.sex.get(k, sex) == sex):
                found = (self.people[k].name, s, e, True)
                if nearest is None:
                    nearest = found
                if s < floor:
                    break
                if self.token(e - 1).dep_ in ("nsubj", "nsubjpass"):
                    if chained is not None and chained.idx > e:
                        return self.antecedent(chained.idx, sex, depth + 1) or found
                    return found
            i -= 1
        if chained is not None:
            return self.antecedent(chained.idx, sex, depth + 1) or nearest
        return nearest

    # --- the speaker a subject names ------------------------------------------------

    def named_by(self, tok: Token) -> Found | None:
        """Who a subject token stands for."""
        if self.quote_index(tok.idx) is not None:
            return None
        low = tok.lower_
        if low in lex.PERSONAL:
            return self.antecedent(tok.idx, lex.PERSONAL[low])
        if tok.pos_ == "PRON" or low in lex.RELATIVE:
            return None  # I, we, they, it, who: nobody to name
        name = tok.pos_ == "PROPN" and tok.text[:1].isupper()
        # A name's own words, or a name in apposition ("the assailant, John Smith"); not
        # a name modifying a noun ("a Cruz adviser").
        parts = [c for c in tok.children if c.dep_ in (("compound", "flat", "appos") if name
                                                       else ("appos",))]
        for t in [tok, *parts]:
            hit = self.person_of(t)
            if hit:
                return self.as_named(t, hit)
        if name:
            return self.name_span(tok)
        definite = any(c.dep_ == "det" and c.lower_ in lex.DEFINITE for c in tok.children)
        if low in lex.PERSON_NOUNS and definite and not any(c.dep_ == "poss" for c in tok.children):
            found = self.described(tok)
            if found:
                return found
        return self.phrase(tok)

    def name_span(self, tok: Token) -> Found:
        """A proper name: a person's unless the model tags it an organisation, a place..."""
        left = tok
        while left.i > 0 and self.doc[left.i - 1].dep_ in ("compound", "flat") and \
                self.doc[left.i - 1].head.i >= tok.i and self.doc[left.i - 1].pos_ == "PROPN":
            left = self.doc[left.i - 1]
        person = tok.ent_type_ in ("PERSON", "") and not tok.text.isupper()
        return self.text[left.idx : tok.idx + len(tok)], left.idx, tok.idx + len(tok), person

    def as_named(self, tok: Token, hit: tuple[int, int, int]) -> Found:
        """The person's full name, unless the words here name someone else of the same
        surname ("Bill Clinton" where the article's Clinton is Hillary)."""
        person = self.people[hit[2]]
        text, a, b, _ = self.name_span(tok.head if tok.dep_ in ("compound", "flat") else tok)
        words = [w for w in text.split() if w.lower().rstrip(".") not in lex.TITLES
                 and w.lower() not in lex.PERSON_NOUNS]  # "Ambassador", "General"
        if len(words) >= 2 and not all(w in person.name.split() for w in words):
            return text, a, b, True
        return person.name, hit[0], hit[1], True

    def described(self, tok: Token) -> Found | None:
        """The nearest person before a description ("the senator") whom the article calls
        by that noun somewhere ("Sen. X", "X, the senator", "Florida senator X")."""
        nouns = {tok.lower_, *lex.ABBREVIATIONS.get(tok.lower_, ())}
        fits = set()
        for s, e, k in self.mentions:
            near = self.text[max(0, s - 40) : s].lower().split()[-3:]
            after = self.text[e : e + 60].lower()
            after = after.split(".")[0].split(" said")[0] if after.startswith(",") else ""
            if nouns & {w.strip(",.’'") for w in near + after.split()}:
                fits.add(k)
        i = bisect.bisect_left(self.mention_starts, tok.left_edge.idx) - 1
        while i >= 0:
            s, e, k = self.mentions[i]
            if k in fits and self.quote_index(s) is None:
                return self.people[k].name, s, e, True
            i -= 1
        return None

    def phrase(self, tok: Token) -> Found:
        """The noun phrase around `tok`, up to a comma, bracket, dash or quotation mark."""
        def part(t: Token) -> bool:
            return self.quote_index(t.idx) is None and "\n" not in t.text and (
                not t.is_punct or (t.text in "-." and not t.whitespace_))
        i = j = tok.i
        while i > tok.left_edge.i and part(self.doc[i - 1]):
            i -= 1
        while j < tok.right_edge.i and part(self.doc[j + 1]):
            j += 1
        a, b = self.doc[i].idx, self.doc[j].idx + len(self.doc[j])
        return self.text[a:b], a, b, False

    def subject_of(self, verb: Token, quote_end: int | None = None) -> Found | None:
        """The speaker a speech verb (or "according") names. `quote_end`: where the quote
        ends when the verb follows it ("“…,” X, a description, said")."""
        if verb.lower_ == "according":
            for to in verb.children:
                for obj in to.children:
                    if obj.dep_ == "pobj":
                        return self.named_by(obj)
            return None
        v = verb
        deps: tuple[str, ...] = ("nsubj",)
        for _ in range(3):
            subj = next((c for c in v.children
                         if c.dep_ in deps and self.quote_index(c.idx) is None), None)
            if subj is not None:
                if subj.lower_ in lex.RELATIVE and v.dep_ == "relcl":
                    return self.named_by(v.head)
                return self.named_by(subj)
            if v.dep_ not in lex.CLIMB_DEPS or v.head is v:
                break
            v, deps = v.head, ("nsubj", "nsubjpass")  # "X was greeted ... and said"
            while v.dep_ == "ccomp" and self.speech(v.head):
                v = v.head  # He said X had spoken “…”, adding: “…” (as the parser hangs it)
        before = [t for t in self.doc[max(0, verb.i - 4) : verb.i]
                  if self.quote_index(t.idx) is None and self.person_of(t)]
        if before and before[-1].i == verb.i - 1:  # "..., Lukashenka said that “…”"
            return self.named_by(before[-1])
        if quote_end is None or verb.idx < quote_end:
            return None
        # The parser lost the subject: a person named between the quote and the verb, or
        # right after it ("“…?” asked the boy").
        between = [t for t in self.doc[self.token(quote_end).i : verb.i]
                   if t.idx >= quote_end and self.person_of(t)]
        if between:
            return self.named_by(between[0])
        if verb.lower_ in lex.TELL or self.text[quote_end:verb.idx].strip(" ,\n\xa0"):
            return None
        # “…,” said X / asked the boy: the words right after the verb, however parsed.
        j = verb.i + 1
        while j < len(self.doc) and j < verb.i + 6 and self.doc[j].pos_ in ("DET", "ADJ"):
            j += 1
        if j >= len(self.doc) or self.doc[j].pos_ not in ("PROPN", "NOUN"):
            return None
        while j + 1 < len(self.doc) and self.doc[j + 1].pos_ == self.doc[j].pos_ and \
                self.doc[j + 1].text[:1].isalpha():
            j += 1
        return self.named_by(self.doc[j])

    # --- rules -----------------------------------------------------------------------

    def window(self, k: int) -> tuple[int, int]:
        """Token range around quote k: its sentences (and the next one, when the quote
        closes a sentence), cut at the paragraph and at the neighbouring quotes."""
        ms, me = self.marks[k]
        p0, p1 = self.para(ms)
        lo = max(p0, self.marks[k - 1][1] if k else 0)
        hi = min(p1, self.marks[k + 1][0] if k + 1 < len(self.marks) else len(self.text))
        first = self.token(ms).sent
        last = self.token(max(ms, me - 1)).sent
        end = last.end
        self.own = (first.start, last.end)  # the quote's own sentences
        if end < len(self.doc) and self.doc[end].idx < hi and \
                self.text[me : self.doc[end].idx].strip() == "":
            end = self.doc[end].sent.end  # “… .” X said.
        start = first.start
        if start > 0 and not self.text[self.doc[start].idx : ms].strip():
            start = self.doc[start - 1].sent.start  # the quote opens a sentence: X agreed. “…”
        a = max(start, bisect.bisect_left(self.starts, lo))
        b = min(end, bisect.bisect_left(self.starts, hi))
        return a, b

    def cue(self, k: int, a: int, b: int) -> Found | None:
        ms, me = self.marks[k]
        chain = self.chain(k, a, b)
        own = self.token(ms).sent.start  # words before it: the previous sentence
        cands = []
        for t in self.doc[a:b]:
            if self.quote_index(t.idx) is not None:
                continue
            if t.lower_ == "according" and any(c.lower_ == "to" for c in t.children):
                pass
            elif not self.speech(t):
                continue
            governs = t in chain
            if not governs and self.governs_other(t, k):
                continue  # “A,” X said, but Y disagreed: “B.”
            if not governs and t.idx >= me and any(
                    c.dep_ == "ccomp" and self.quote_index(c.idx) is None for c in t.children):
                continue  # “…” Y said he would go: Y reports something else
            gap = ms - (t.idx + len(t)) if t.idx < ms else t.idx - me
            cands.append((not governs, t.i < own, gap, t))
        for *_, t in sorted(cands, key=lambda c: c[:3]):
            found = self.subject_of(t, me)
            if found:
                self.outside = not self.own[0] <= t.i < self.own[1]
                return found
        return None

    def chain(self, k: int, a: int, b: int) -> list[Token]:
        """The words quote k hangs from, up to the first that has a subject of its own."""
        ms, me = self.marks[k]
        out: list[Token] = []
        for t in self.doc[a:b]:
            if not ms <= t.idx < me or ms <= t.head.idx < me:
                continue
            v = t.head
            while v not in out:
                out.append(v)
                # A clause with a subject of its own ends the chain, unless it is the
                # reported clause ("X told Y that Z “…”": X's words).
                if v.head is v or (v.dep_ not in lex.CLIMB_DEPS[1:] and any(
                        c.dep_ in lex.SUBJECT_DEPS and not ms <= c.idx < me for c in v.children)):
                    break
                v = v.head
        return out

    def speech(self, t: Token) -> bool:
        """A verb of saying, or "put it" ("as X put it")."""
        if t.pos_ not in ("VERB", "AUX"):
            return False
        return t.lower_ in lex.SPEECH_VERBS or (t.lower_ in ("put", "puts") and any(
            c.lower_ == "it" and c.dep_ == "dobj" for c in t.children))

    def governs_other(self, verb: Token, k: int) -> bool:
        for j in (k - 1, k + 1):
            if 0 <= j < len(self.marks):
                ms, me = self.marks[j]
                if any(ms <= t.idx < me and not t.is_punct for t in verb.subtree):
                    return True
        return False

    def after_colon(self, k: int) -> Found | None:
        ms = self.marks[k][0]
        before = self.text[:ms].rstrip()
        if not before.endswith(":"):
            return None
        sent = self.token(len(before) - 1).sent
        if sent == self.token(ms).sent:
            return None  # rule 1 has seen this sentence
        return self.cue_in(sent) or self.name_before(len(before) - 1)

    def name_before(self, colon: int) -> Found | None:
        """“X: ‘…’”, "More from X:": a person named right before the colon."""
        tok = self.token(colon)
        prev = self.doc[tok.i - 1] if tok.i else None
        hit = prev is not None and self.person_of(prev)
        return self.as_named(prev, hit) if prev is not None and hit else None

    def cue_in(self, sent: Span) -> Found | None:
        for t in reversed(sent):
            if self.quote_index(t.idx) is None and self.speech(t):
                found = self.subject_of(t)
                if found:
                    return found
        return None

    def governor(self, k: int, a: int, b: int) -> Found | None:
        """Rule 4: the person subject of the verb the quote hangs from."""
        ms, me = self.marks[k]
        for t in self.doc[a:b]:
            if not ms <= t.idx < me or ms <= t.head.idx < me:
                continue
            v = t.head
            for _ in range(4):
                subj = next((c for c in v.children if c.dep_ in lex.SUBJECT_DEPS), None)
                if subj is not None:
                    found = self.named_by(subj)
                    person = found and (subj.lower_ in lex.PERSONAL or self.person_of(subj)
                                        or subj.lower_ in lex.PERSON_NOUNS)
                    return found if person else None
                if v.head is v:
                    break
                v = v.head
        return None

    def all(self) -> list[Found | None]:
        out: list[Found | None] = []
        for k in range(len(self.marks)):
            a, b = self.window(k)
            self.outside = False
            found = self.cue(k, a, b) or self.after_colon(k) or self.governor(k, a, b)
            ms = self.marks[k][0]
            if found and not found[3] and self.outside and k and out[k - 1] and \
                    self.para(self.marks[k - 1][0]) == self.para(ms):
                # “A,” X said. “B. People were saying so.” “C.”: a sentence beside C that
                # speaks of others does not take C from X.
                found = out[k - 1]
            if found is None and k and out[k - 1] and \
                    self.token(self.marks[k - 1][0]).sent == self.token(ms).sent:
                found = out[k - 1]
            out.append(found)
        return self._continue(out)

    def _continue(self, out: list[Found | None]) -> list[Found | None]:
        """Rule 5, in text order so that a chain of quote paragraphs keeps its speaker."""
        by_group: dict[str | None, Found] = {}
        for g, found in zip(self.groups, out, strict=True):
            if found and g not in by_group:
                by_group[g] = found
        for k in range(len(out)):
            if out[k] is None and self.groups[k] in by_group:
                out[k] = by_group[self.groups[k]]
            if out[k] is not None or not k or out[k - 1] is None:
                continue
            ms = self.marks[k][0]
            p0, _ = self.para(ms)
            prev_ms = self.marks[k - 1][0]
            if prev_ms >= p0:  # “A,” X said. “B.”
                out[k] = out[k - 1]
            elif self.text[p0:ms].strip() == "" and self.para(prev_ms) == self.para(p0 - 1):
                out[k] = out[k - 1]  # the next paragraph opens with the same voice
        return out
