"""Phrases read off the parse: an entity from one of its tokens, a noun phrase without its
clauses, the title written before a name, and a person's role and affiliation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from summarizer.text.lexicon import PERSON_TITLES, ROLE_NOUNS
from summarizer.text.nlp import text_of

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from summarizer.text.people import PersonCandidate

__all__ = ["describe", "entity_of", "mention_root", "phrase", "title_before"]


def entity_of(t: Token) -> Span | None:
    """The entity a token is part of, found from the token (not by scanning the doc)."""
    if not t.ent_type_:
        return None
    doc, start, end = t.doc, t.i, t.i + 1
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def phrase(tok: Token) -> str:
    """A noun phrase without its leading determiner and trailing relative clause."""
    words = [t for t in tok.subtree if t.dep_ not in ("relcl", "acl", "punct") or t is tok]
    keep = []
    for t in words:
        if any(a.dep_ in ("relcl", "acl", "appos") and a is not tok for a in t.ancestors
               if a in tok.subtree and a is not tok):
            continue
        keep.append(t)
    while (keep and keep[0].dep_ in ("det", "poss")) or (keep and keep[0].text in ("'s", "’s")):
        keep = keep[1:]
    while keep and keep[-1].is_punct:
        keep = keep[:-1]
    if not keep:
        return tok.text
    return text_of(tok.doc)[keep[0].idx : keep[-1].idx + len(keep[-1])]


def title_before(tok: Token, before: int | None = None) -> str | None:
    """The title words written before a name ("DNC Chair Debbie Wasserman Schultz" ->
    "DNC Chair"): the name's compound dependents that are not part of a PERSON entity."""
    limit = before if before is not None else tok.idx
    words = [c for c in tok.children if c.dep_ == "compound" and c.idx < limit
             and c.ent_type_ != "PERSON"]
    if not words:
        return None
    first = min(t.left_edge.i for t in words)
    last = max(t.i for t in words)
    span = tok.doc[first : last + 1]
    while len(span) and (span[0].dep_ in ("det", "poss") or span[0].is_punct):
        span = span[1:]
    # A first name the entity left out ("DNC Chair Debbie [Wasserman Schultz]").
    while len(span) > 1 and span[-1].is_title and span[-1].lower_ not in PERSON_TITLES \
            and span[-1].lower_ not in ROLE_NOUNS:
        span = span[:-1]
    return span.text if len(span) else None


def mention_root(doc: Doc, start: int, end: int) -> Token | None:
    span: Span | None = doc.char_span(start, end, alignment_mode="expand")
    return span.root if span is not None and len(span) else None


def describe(doc: Doc, person: PersonCandidate) -> tuple[str | None, str | None]:
    """(role, affiliation) from the parse around the person's mentions: a title before the
    name ("Finance Minister Hervé Gaymard"), or an apposition after it ("Paul Tellier,
    Bombardier's chief executive"); the affiliation is a country, nationality or
    organisation inside that phrase."""
    from summarizer.text.lexicon import DEMONYMS

    for s, e in person.mentions:
        tok = mention_root(doc, s, e)
        if tok is None:
            continue
        phrase_tokens: list[Token] = []
        role = title_before(tok, s)
        if role:
            phrase_tokens = [c for c in tok.children if c.dep_ == "compound" and c.idx < s]
            phrase_tokens = [t for c in phrase_tokens for t in c.subtree]
        else:
            appos = [c for c in tok.children if c.dep_ == "appos" and c.pos_ == "NOUN"]
            if appos:
                role = phrase(appos[0])
                phrase_tokens = list(appos[0].subtree)
        if not role or len(role) > 80:
            continue
        affiliation = None
        for t in phrase_tokens:
            if t.ent_type_ in ("GPE", "ORG", "NORP") and not s <= t.idx < e:
                ent = entity_of(t)
                if ent is not None and ent.end_char > s:
                    continue  # an entity that swallowed the name itself
                name = ent.text if ent is not None else t.text
                name = DEMONYMS.get(name.lower()) or name
                affiliation = name.removeprefix("the ")
                break
        return role, affiliation
    return None, None
