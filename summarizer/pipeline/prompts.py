"""Rendering prompts from the template files in prompts/.

The article goes into the prompt as delimited data (between <article> tags), never through
a template engine: `fill` substitutes `{{name}}` placeholders in one pass, so an article
that itself contains `{{` or `</article>` cannot change the prompt's structure.

Message layout, for prompt-prefix caching: system prompt, then the article and the
candidate lists (identical for every part of one article), then the part's task last.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import TYPE_CHECKING

from summarizer.errors import ConfigError
from summarizer.parts import PARTS
from summarizer.resources import data_dir

if TYPE_CHECKING:  # the text layer (spaCy) is not needed to build a prompt's text
    from summarizer.text.candidates import Candidates

__all__ = ["build_messages", "fill", "listings", "prompt_version", "shared_prefix", "template"]

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
# Every template, in a fixed order: the shared ones, one per part (the registry), "custom".
_TEMPLATES = ("system", "article", *(p.template for p in PARTS.values()), "custom")


@cache
def template(name: str) -> str:
    path = data_dir("prompts") / f"{name}.md"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:  # a broken install, or a part registered without its template
        raise ConfigError(f"prompt template {path.name} is missing from {path.parent}",
                          hint="reinstall the package, or add the part's template to "
                               "prompts/") from None


@cache
def prompt_version() -> str:
    """A hash of every template: part of the cache key, so editing a prompt invalidates it."""
    digest = hashlib.sha256()
    for name in _TEMPLATES:
        digest.update(name.encode() + b"\0" + template(name).encode() + b"\0")
    return digest.hexdigest()[:16]


def fill(text: str, values: dict[str, str]) -> str:
    """Replace `{{name}}` placeholders in one pass; substituted values are never re-read."""

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template placeholder {{{{{key}}}}} has no value")
        return values[key]

    return _PLACEHOLDER.sub(substitute, text)


def _as_data(article: str) -> str:
    # A closing tag inside the article must not end the data block early.
    return re.sub(r"(?i)</\s*article\s*>", "</ article>", article)


def shared_prefix(article: str, listings: dict[str, str]) -> str:
    """The user-message part shared by every call on one article."""
    return fill(template("article"), {"article": _as_data(article), **listings})


def build_messages(article: str, listings: dict[str, str], part: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": template("system")},
        {"role": "user", "content": shared_prefix(article, listings) + "\n\n" + template(part)},
    ]


def _short(text: str, words: int = 30) -> str:
    parts = " ".join(text.split()).split(" ")
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def listings(c: Candidates) -> dict[str, str]:
    """The candidate lists as prompt text."""
    none = "(none)"
    people = "\n".join(
        f"- {p.name}" + (f" (also: {', '.join(p.aliases)})" if p.aliases else "")
        for p in c.people
    )
    quotes = "\n".join(
        f'- {q.id} [{q.speaker or "unknown"}] "{_short(q.text)}"' for q in c.quotes
    )
    dates = "\n".join(f'- D{i} "{d.expression}" = {d.date}'
                      for i, d in enumerate(c.resolved_dates, 1))
    places = "\n".join(
        [f"- {v} (venue)" for v in c.venues]
        + [f"- {p} (city)" for p in c.cities]
        + [f"- {p} (country)" for p in c.countries]
    )
    return {"people": people or none, "quotes": quotes or none, "dates": dates or none,
            "places": places or none}
