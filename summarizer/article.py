"""Reading the article: files, directories, stdin, HTML, encodings, mojibake, dateline.

STUB: the interface below is fixed; the implementation is being written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Article", "expand_sources", "from_text", "read_article"]


@dataclass(frozen=True)
class Article:
    """An article as the program read it. Grounding offsets index into `text`."""

    text: str
    id: str
    source: str | None = None
    published: dt.date | None = None
    published_from: str | None = None  # "flag" | "dateline" | "html" | "reference" | None
    title: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def from_text(text: str, *, published: dt.date | None = None, id: str | None = None,
              source: str | None = None) -> Article:
    raise NotImplementedError


def read_article(source: str | Path, *, published: dt.date | None = None) -> Article:
    raise NotImplementedError


def expand_sources(paths: list[str]) -> list[str]:
    raise NotImplementedError
