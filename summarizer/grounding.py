"""Locate quotes and names in the article: the `Grounding` of every output item.

Offsets always point into the article exactly as given (the text the program read), even
when the match was found in a normalised copy: `ArticleIndex` keeps, for each character of
the normalised copy, the original offsets it came from. Indexes are cached per article,
because grounding runs for every item of every article.

Quote statuses, first that applies: `exact` (substring), `normalized` (after unifying
quote marks, dashes, spaces, case, accents and mojibake), `fuzzy` (rapidfuzz partial
alignment >= 90 for quotes of >= 20 characters), else `not_found`. Names: `exact` (whole
words), `normalized` (also ignoring punctuation), `alias`, `surname` (last token, >= 3
letters), else `not_found`; so a name the article does not contain comes back not_found.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import ftfy
from rapidfuzz import fuzz

from summarizer.schemas import Grounding
from summarizer.text.names import name_tokens

__all__ = ["ArticleIndex", "article_index", "locate_name", "locate_quote", "normalize_for_match"]

_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'",
                        "‚": "'", "`": "'", "—": "-", "–": "-", "‐": "-", "‑": "-", "‒": "-",
                        "―": "-", "−": "-"})
_MOJIBAKE = re.compile("[ÃÂâÅÐÑ][\x80-\xbf\u0152-\u2122]|â€")
_FUZZY_MIN_CHARS = 20
_FUZZY_MIN_SCORE = 90.0


def _norm_chars(token: str, punct: bool) -> str:
    if _MOJIBAKE.search(token):
        token = ftfy.fix_text(token)
    token = token.replace("''", '"')
    out = unicodedata.normalize("NFKD", token.translate(_MARKS))
    out = "".join(c for c in out if not unicodedata.combining(c)).casefold()
    return out if punct else re.sub(r"[^\w]+", " ", out)


def normalize_for_match(text: str, punct: bool = True) -> str:
    """The normalised form `ArticleIndex` searches in (for the needle side)."""
    return " ".join(w for tok in text.split() if (w := _norm_chars(tok, punct).strip()))


@dataclass(frozen=True)
class ArticleIndex:
    """A normalised copy of an article with, per character, its span in the original."""

    article: str
    norm: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def build(cls, article: str, punct: bool = True) -> ArticleIndex:
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for m in re.finditer(r"\S+", article):
            tok, t0, t1 = m.group(), m.start(), m.end()
            out = _norm_chars(tok, punct)
            if not punct:  # punctuation became spaces: map the words inside the token
                for w in re.finditer(r"\S+", out):
                    cls._emit(parts, starts, ends, w.group(), t0, t1, tok, out, w.start())
                continue
            cls._emit(parts, starts, ends, out, t0, t1, tok, out, 0)
        return cls(article, "".join(parts), tuple(starts), tuple(ends))

    @staticmethod
    def _emit(parts: list[str], starts: list[int], ends: list[int], word: str, t0: int,
              t1: int, tok: str, out: str, offset: int) -> None:
        if parts:
            parts.append(" ")
            starts.append(starts[-1])
            ends.append(ends[-1])
        same = len(out) == len(tok)  # else (mojibake fixed, ß -> ss) map to the token
        for j in range(len(word)):
            k = offset + j
            starts.append(t0 + k if same else t0)
            ends.append(t0 + k + 1 if same else t1)
        parts.append(word)

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original offsets of normalised characters [i, j)."""
        return self.starts[i], self.ends[j - 1]

    def grounding(self, status: str, i: int, j: int) -> Grounding:
        start, end = self.span(i, j)
        return Grounding(status=status, start=start, end=end,  # type: ignore[arg-type]
                         matched=self.article[start:end])


@lru_cache(maxsize=64)
def article_index(article: str, punct: bool = True) -> ArticleIndex:
    """Cached `ArticleIndex.build`: punct=True for quotes, False for names."""
    return ArticleIndex.build(article, punct)


def locate_quote(article: str, quote: str) -> Grounding:
    """Where `quote` occurs in `article` (see module docstring for the statuses)."""
    if not quote or not quote.strip():
        return Grounding.not_found()
    i = article.find(quote)
    if i >= 0:
        return Grounding(status="exact", start=i, end=i + len(quote), matched=quote)
    index = article_index(article)
    needle = normalize_for_match(quote)
    if not needle:
        return Grounding.not_found()
    i = index.norm.find(needle)
    if i >= 0:
        return index.grounding("normalized", i, i + len(needle))
    if len(needle) >= _FUZZY_MIN_CHARS and len(needle) <= len(index.norm):
        al = fuzz.partial_ratio_alignment(needle, index.norm, score_cutoff=_FUZZY_MIN_SCORE)
        if al is not None and al.dest_end > al.dest_start:
            i, j, norm = al.dest_start, al.dest_end, index.norm
            while i > 0 and norm[i - 1].isalnum() and norm[i].isalnum():  # whole words
                i -= 1
            while j < len(norm) and norm[j].isalnum() and norm[j - 1].isalnum():
                j += 1
            while i < j and norm[i] in "\"' ":  # the alignment may take a mark along
                i += 1
            while j > i and norm[j - 1] in "\"' ":
                j -= 1
            return index.grounding("fuzzy", i, j)
    return Grounding.not_found()


def _find_words(article: str, needle: str, capitalised: bool = False) -> Grounding | None:
    """Whole-word occurrence: exact first, then in the punctuation-free index; with
    `capitalised`, only where the article writes it with a capital ("Brown", not "brown")."""
    if not needle.strip():
        return None
    m = re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", article)
    if m and (not capitalised or m.group()[0].isupper()):
        return Grounding(status="exact", start=m.start(), end=m.end(), matched=m.group())
    index = article_index(article, False)
    norm = normalize_for_match(needle, punct=False)
    if not norm:
        return None
    for m in re.finditer(rf"(?<!\w){re.escape(norm)}(?!\w)", index.norm):
        hit = index.grounding("normalized", m.start(), m.end())
        if not capitalised or (hit.matched or " ")[0].isupper():
            return hit
    return None


def locate_name(article: str, name: str, aliases: Iterable[str] = ()) -> Grounding:
    """Where person `name` occurs: exact, normalized, alias, surname, else not_found."""
    found = _find_words(article, name)
    if found is None:  # "President Vladimir Putin" -> "vladimir putin"
        bare = " ".join(name_tokens(name))
        found = _find_words(article, bare) if bare != name.casefold() else None
        if found is not None:
            found = found.model_copy(update={"status": "normalized"})
    if found is not None:
        return found
    for alias in aliases:
        hit = _find_words(article, alias)
        if hit is not None:
            return hit.model_copy(update={"status": "alias"})
    tokens = name_tokens(name)
    if tokens and len(tokens[-1]) >= 3:
        hit = _find_words(article, tokens[-1], capitalised=True)
        if hit is not None:
            return hit.model_copy(update={"status": "surname"})
    return Grounding.not_found()
