"""Pure comparison helpers for scoring: text normalisation, quote location, similarities,
and the one-to-one optimal matching of two lists.

Kept apart from scoring.py so that each rule of EVAL.md is one small, testable function.
The quote and name checks here deliberately do not reuse `summarizer.grounding`: the scorer
verifies the product's grounding claims, so it must not share the code it is checking. Their
names say so: `quote_span(quote, article)` returns plain offsets, where grounding's
`locate_quote(article, quote)` returns the product's `Grounding`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TypeVar

import ftfy
from rapidfuzz import fuzz

from summarizer.text.names import name_tokens, normalize_text

__all__ = [
    "QUOTE_CHARS",
    "assign",
    "field_matches",
    "name_in_article",
    "normalize_quote",
    "phrase_in_article",
    "quote_in_article",
    "quote_overlap",
    "quote_span",
    "title_similarity",
    "token_overlap",
    "type_matches",
]

T = TypeVar("T")
U = TypeVar("U")

QUOTE_CHARS = "\"'“”„‟‘’‚‛«»‹›`´"
_QUOTE_CLASS = "[" + re.escape(QUOTE_CHARS) + "]"
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―"})
_STOP = frozenset({"a", "an", "the", "of", "to", "for", "in", "on", "at", "and", "by", "with",
                   "as"})


def normalize_quote(text: str) -> str:
    """Quote marks unified, dashes unified, whitespace collapsed; case and words kept."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = re.sub(_QUOTE_CLASS, "'", text)
    # A quote running across paragraphs reopens with a quote mark after the line break.
    text = re.sub(r"\n\s*'", " ", text)
    text = text.replace("…", "...")
    return re.sub(r"\s+", " ", text).strip()


def _quote_pattern(needle: str) -> re.Pattern[str] | None:
    words = normalize_quote(needle).split(" ")
    if not words or words == [""]:
        return None
    parts = [re.sub(r"\\'|'", _QUOTE_CLASS, re.escape(w)) for w in words]
    parts = [p.replace(re.escape("-"), "[-‐‑‒–—―]").replace(re.escape("..."), "(?:\\.\\.\\.|…)")
             for p in parts]
    # Between words: any whitespace, possibly a paragraph break that reopens the quote.
    gap = r"\s+(?:" + _QUOTE_CLASS + r")?"
    return re.compile(gap.join(parts))


def quote_span(quote: str, article: str) -> tuple[int, int] | None:
    """Offsets of `quote` in `article`, tolerant only of quote marks, dashes and spacing."""
    if not quote.strip():
        return None
    start = article.find(quote)
    if start >= 0:
        return start, start + len(quote)
    pattern = _quote_pattern(quote)
    match = pattern.search(article) if pattern else None
    return (match.start(), match.end()) if match else None


@lru_cache(maxsize=256)
def _fixed(article: str) -> str:
    return unicodedata.normalize("NFC", ftfy.fix_text(article))


def quote_in_article(quote: str, article: str) -> bool:
    """Whether the quote is verbatim in the article (also after mojibake repair of both)."""
    if quote_span(quote, article) is not None:
        return True
    return quote_span(_fixed(quote), _fixed(article)) is not None


@lru_cache(maxsize=256)
def _article_tokens(article: str) -> tuple[str, frozenset[str]]:
    norm = normalize_text(article)
    return f" {norm} ", frozenset(norm.split())


def phrase_in_article(phrase: str, article: str) -> bool:
    """Whether the phrase's normalised words occur, in order and together, in the article."""
    norm = normalize_text(phrase)
    return bool(norm) and f" {norm} " in _article_tokens(article)[0]


def name_in_article(name: str, article: str) -> bool:
    """Whether a person name comes from the article: its surname occurs there and so does
    every other word of it ("Mr. Trump" and "Donald Trump" both come from "Donald J. Trump";
    "Barack Obama" does not come from an article that only says "Obama")."""
    tokens = name_tokens(name)
    if not tokens:
        return False
    text, vocab = _article_tokens(article)
    if f" {' '.join(tokens)} " in text:
        return True
    return all(t in vocab for t in tokens)


_ABBREVIATIONS = {
    "ceo": "chief executive", "cfo": "chief financial", "coo": "chief operating",
    "pm": "prime minister", "fm": "foreign minister", "sec": "secretary",
}


def _content_tokens(text: str) -> list[str]:
    words = " ".join(_ABBREVIATIONS.get(t, t) for t in normalize_text(text).split())
    # "officer" adds nothing: "chief executive" is the "chief executive officer".
    return [t for t in words.split() if t not in _STOP and t != "officer"]


def _token_equal(a: str, b: str) -> bool:
    # "Russia" = "Russian", "Belarus" = "Belarusian": demonyms and plurals are close enough.
    return a == b or (min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= 85)


def token_overlap(a: str | None, b: str | None) -> float:
    """Share of the shorter phrase's content words found in the other (overlap coefficient)."""
    ta, tb = _content_tokens(a or ""), _content_tokens(b or "")
    if not ta or not tb:
        return 0.0
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    hits = sum(1 for t in short if any(_token_equal(t, u) for u in long_))
    return hits / len(short)


_PLACE_ALIASES = {
    "us": "united states", "usa": "united states", "u s": "united states",
    "united states of america": "united states", "america": "united states",
    "uk": "united kingdom", "u k": "united kingdom", "britain": "united kingdom",
    "great britain": "united kingdom", "russian federation": "russia",
    "kiev": "kyiv", "the netherlands": "netherlands", "holland": "netherlands",
    "republic of korea": "south korea", "uae": "united arab emirates",
}


def _canonical_place(text: str) -> str:
    norm = normalize_text(text)
    norm = norm.removeprefix("the ")
    return _PLACE_ALIASES.get(norm, norm)


def field_matches(ref: str | None, pred: str | None, article: str = "",
                  *, kind: str = "phrase") -> bool:
    """One rule for city, country, role, affiliation, organization.

    A null reference means "not stated": null is right, and so is a value the article
    itself states (EVAL.md); anything else is wrong. `kind="place"` compares canonical
    place names, `kind="affiliation"` accepts either a place match or a phrase match,
    otherwise phrases match on token overlap (>= 0.5 of the shorter one).
    """
    if ref is None:
        return pred is None or (bool(article) and phrase_in_article(pred, article))
    if pred is None:
        return False
    if kind in ("place", "affiliation"):
        a, b = _canonical_place(ref), _canonical_place(pred)
        if a == b or (min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= 88):
            return True
        if kind == "place":
            return False
    return token_overlap(ref, pred) >= 0.5


# Event types that count as the same thing (EVAL.md: "normalised match or close synonym").
_TYPE_GROUPS = [
    {"meeting", "talks", "summit", "session", "visit"},
    {"convention", "conference", "congress", "forum"},
    {"press conference", "news conference", "briefing", "press briefing"},
    {"election", "vote", "ballot", "referendum", "poll"},
    {"appointment", "hiring", "nomination", "promotion", "leadership change",
     "shake up", "shakeup", "management change"},
    {"resignation", "departure", "stepping down", "dismissal"},
    {"protest", "demonstration", "rally", "march", "strike"},
    {"announcement", "statement", "press release"},
    {"signing", "contract signing", "agreement", "deal", "contract", "order"},
]


def _type_norm(text: str) -> str:
    norm = normalize_text(text)
    return norm[:-1] if norm.endswith("s") and not norm.endswith(("ss", "talks")) else norm


def type_matches(ref: str, pred: str | None) -> bool:
    """Event type: same normalised phrase, same head noun, or listed as close synonyms."""
    if not pred:
        return False
    a, b = _type_norm(ref), _type_norm(pred)
    if not a or not b:
        return False
    forms_a, forms_b = {a, a.split()[-1]}, {b, b.split()[-1]}
    if forms_a & forms_b:
        return True
    return any(forms_a & group and forms_b & group for group in _TYPE_GROUPS)


def title_similarity(ref: str, pred: str | None) -> float:
    """Fuzzy similarity of two titles in [0, 1] (token-set ratio of normalised text)."""
    if not pred:
        return 0.0
    return fuzz.token_set_ratio(normalize_text(ref), normalize_text(pred)) / 100.0


def _quote_tokens(text: str) -> list[str]:
    return normalize_text(normalize_quote(text)).split()


def quote_overlap(ref: str, pred: str) -> float:
    """1.0 when one quote contains the other, else the token F1 of the two (EVAL.md)."""
    a, b = normalize_quote(ref).casefold(), normalize_quote(pred).casefold()
    if not a or not b:
        return 0.0
    if a in b or b in a:
        return 1.0
    ta, tb = _quote_tokens(ref), _quote_tokens(pred)
    if not ta or not tb:
        return 0.0
    common = 0
    pool = list(tb)
    for t in ta:
        if t in pool:
            pool.remove(t)
            common += 1
    if not common:
        return 0.0
    precision, recall = common / len(tb), common / len(ta)
    return 2 * precision * recall / (precision + recall)


def assign(refs: Sequence[T], preds: Sequence[U],
           weight: Callable[[T, U], float]) -> list[tuple[int, int]]:
    """Optimal one-to-one matching: pairs (ref index, pred index) of maximal total weight.

    `weight` returns 0 for pairs that are not allowed to match; only positive pairs come
    back. Order of either list does not matter.
    """
    if not refs or not preds:
        return []
    import numpy as np  # imported here: `summarize eval --help` should not wait for scipy
    from scipy.optimize import linear_sum_assignment

    matrix = np.array([[max(0.0, weight(r, p)) for p in preds] for r in refs], dtype=float)
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if matrix[r, c] > 0]
