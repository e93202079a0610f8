"""Person-name normalisation and matching, shared by grounding, chunk merging and scoring.

"Mr. Obama" = "Barack Obama" = "obama": names are compared after repairing mojibake,
NFKC, case folding, stripping accents, punctuation, honorifics and titles; two names match
when equal, when one is a listed alias of the other, or when one's tokens are contained in
the other's and both end in the same surname.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import ftfy
from rapidfuzz import fuzz

__all__ = ["name_similarity", "name_tokens", "names_match", "normalize_name", "normalize_text"]

TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "president",
        "vice",
        "prime",
        "minister",
        "pm",
        "chancellor",
        "secretary",
        "general",
        "gen",
        "col",
        "colonel",
        "lt",
        "sgt",
        "capt",
        "captain",
        "adm",
        "admiral",
        "senator",
        "sen",
        "rep",
        "representative",
        "gov",
        "governor",
        "mayor",
        "king",
        "queen",
        "prince",
        "princess",
        "sheikh",
        "rev",
        "reverend",
        "judge",
        "justice",
        "chief",
        "executive",
        "ceo",
        "chairman",
        "chairwoman",
        "chair",
        "director",
        "deputy",
        "foreign",
        "defense",
        "defence",
        "finance",
        "minister",
        "ambassador",
        "pope",
        "cardinal",
        "bishop",
        "the",
        "former",
        "acting",
        "interim",
        "jr",
        "sr",
    ]
)

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def normalize_text(text: str) -> str:
    """Mojibake repair, NFKC, casefold, accents and punctuation removed, spaces collapsed."""
    text = ftfy.fix_text(text)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("'s ", " ").replace("’s ", " ")
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=8192)
def name_tokens(name: str) -> tuple[str, ...]:
    """Normalised tokens of a name without honorifics and titles."""
    tokens = normalize_text(name).split()
    kept = tuple(t for t in tokens if t not in TITLES)
    # A name made only of title words ("the President") keeps them: better than nothing.
    return kept or tuple(tokens)


def normalize_name(name: str) -> str:
    return " ".join(name_tokens(name))


def _contained_same_surname(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if not a or not b or a[-1] != b[-1]:
        return False
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return set(short) <= set(long_)


def names_match(a: str | None, b: str | None, aliases: Iterable[str] = ()) -> bool:
    """Whether two person names denote the same person (see module docstring)."""
    if not a or not b:
        return False
    ta = name_tokens(a)
    for candidate in (b, *aliases):
        tb = name_tokens(candidate)
        if ta == tb or _contained_same_surname(ta, tb):
            return True
    return False


def name_similarity(a: str | None, b: str | None, aliases: Iterable[str] = ()) -> float:
    """1.0 for a match by `names_match`, else a fuzzy score in [0, 1)."""
    if not a or not b:
        return 0.0
    if names_match(a, b, aliases):
        return 1.0
    best = max(fuzz.token_sort_ratio(normalize_name(a), normalize_name(c)) for c in (b, *aliases))
    return min(best / 100.0, 0.99)
