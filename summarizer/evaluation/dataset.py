"""Reading an evaluation dataset: DATASET/articles/<id>.txt + DATASET/references/<id>.yaml.

The reference format is the one of ../shared/spec/EVAL.md. References are validated with
pydantic so that a typo in a hand-written YAML file fails loudly (with the file name) instead
of silently scoring against a half-empty reference.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from summarizer.article import Article
from summarizer.errors import InputError

__all__ = [
    "DatasetItem",
    "RefAbsentee",
    "RefAppointment",
    "RefEvent",
    "RefLocation",
    "RefParticipant",
    "RefQuote",
    "Reference",
    "load_dataset",
    "load_reference",
]


class _Ref(BaseModel):
    # Unknown keys are errors: a misspelt `optinal: true` must not pass unnoticed.
    model_config = ConfigDict(extra="forbid")


class RefLocation(_Ref):
    venue: str | None = None
    city: str | None = None
    country: str | None = None


class RefEvent(_Ref):
    title: str
    type: str
    date: dt.date | None = None
    location: RefLocation = Field(default_factory=RefLocation)
    summary: str | None = None


class RefParticipant(_Ref):
    name: str | None = None
    aliases: list[str] = Field(default_factory=list)
    role: str | None = None
    affiliation: str | None = None
    optional: bool = False


class RefAbsentee(RefParticipant):
    reason: str | None = None


class RefAppointment(_Ref):
    person: str
    aliases: list[str] = Field(default_factory=list)
    position: str
    organization: str | None = None
    optional: bool = False


class RefQuote(_Ref):
    speaker: str | None = None
    text: str
    optional: bool = False


class Reference(_Ref):
    id: str
    published: dt.date | None = None
    event: RefEvent
    participants: list[RefParticipant] = Field(default_factory=list)
    absentees: list[RefAbsentee] = Field(default_factory=list)
    appointments: list[RefAppointment] = Field(default_factory=list)
    key_quotes: list[RefQuote] = Field(default_factory=list)
    notes: str | None = None

    def aliases_of(self, name: str | None) -> tuple[str, ...]:
        """Aliases listed anywhere in the reference for the person called `name`."""
        from summarizer.text.names import names_match

        if not name:
            return ()
        found: list[str] = []
        for person in (*self.participants, *self.absentees):
            if person.name and names_match(name, person.name, person.aliases):
                found += [person.name, *person.aliases]
        for appt in self.appointments:
            if names_match(name, appt.person, appt.aliases):
                found += [appt.person, *appt.aliases]
        return tuple(dict.fromkeys(found))

    def as_prediction(self) -> dict[str, Any]:
        """The reference in the shape of a `brief` result (for self-checks and tests)."""
        ev = self.event
        return {
            "event": {"title": ev.title, "type": ev.type,
                      "date": ev.date.isoformat() if ev.date else None,
                      "location": ev.location.model_dump(), "summary": ev.summary or ""},
            "participants": [p.model_dump(exclude={"aliases", "optional"})
                             for p in self.participants],
            "absentees": [a.model_dump(exclude={"aliases", "optional"}) for a in self.absentees],
            "appointments": [a.model_dump(exclude={"aliases", "optional"})
                             for a in self.appointments],
            "key_quotes": [q.model_dump(exclude={"optional"}) for q in self.key_quotes],
        }


@dataclass(frozen=True)
class DatasetItem:
    """One article of a dataset with its reference."""

    id: str
    text: str
    reference: Reference
    path: Path

    @property
    def published(self) -> dt.date | None:
        return self.reference.published

    def article(self) -> Article:
        """The article as the summarizer should read it, dated from the reference."""
        from summarizer.article import from_text

        try:
            article = from_text(self.text, published=self.published, id=self.id,
                                source=str(self.path))
        except NotImplementedError:
            # article.py is still a stub: the file's text is the article exactly as published.
            article = Article(text=self.text, id=self.id, source=str(self.path))
        if self.published is not None:
            # The reference's date is authoritative (EVAL.md), whatever a dateline says.
            article = dataclasses.replace(article, published=self.published,
                                          published_from="reference")
        return article


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def load_reference(path: Path) -> Reference:
    """Parse and validate one reference file; InputError names the file and the problem."""
    try:
        data: Any = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a reference must be a YAML mapping")
    try:
        ref = Reference.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{path}: invalid reference:\n{exc}") from None
    if ref.id != path.stem:
        raise InputError(f"{path}: id {ref.id!r} differs from the file name {path.stem!r}")
    return ref


def load_dataset(dataset: str | Path, *, limit: int | None = None) -> list[DatasetItem]:
    """All articles of DATASET that have a reference, sorted by id.

    An article without a reference, or a reference without an article, is an InputError:
    a silently skipped item would make two runs incomparable.
    """
    root = Path(dataset)
    articles_dir, refs_dir = root / "articles", root / "references"
    if not articles_dir.is_dir() or not refs_dir.is_dir():
        raise InputError(
            f"{root} is not an evaluation dataset",
            hint="expected DATASET/articles/<id>.txt and DATASET/references/<id>.yaml",
        )
    articles = {p.stem: p for p in articles_dir.glob("*.txt")}
    refs = {p.stem: p for p in [*refs_dir.glob("*.yaml"), *refs_dir.glob("*.yml")]}
    if set(articles) != set(refs):
        lonely = sorted(set(articles) ^ set(refs))
        raise InputError(f"{root}: articles and references do not pair up: {', '.join(lonely)}")
    if not articles:
        raise InputError(f"{root}: the dataset has no articles")
    ids = sorted(articles)
    if limit is not None:
        ids = ids[: max(0, limit)]
    return [
        DatasetItem(id=i, text=_read_text(articles[i]), reference=load_reference(refs[i]),
                    path=articles[i])
        for i in ids
    ]
