"""The output contract of ../shared/spec/OUTPUT.md as pydantic models.

Field names and nesting of the contract are fixed. What we add on top (grounding, date
evidence, `meta`) are extra keys, which the contract allows and consumers ignore.

Each result model also keeps the article text it was grounded against (a private attribute,
never serialised) so that notebooks and reports can highlight the spans.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

__all__ = [
    "SCHEMAS",
    "Absentee",
    "AbsenteesResult",
    "Appointment",
    "AppointmentsResult",
    "Brief",
    "DateEvidence",
    "Event",
    "EventResult",
    "Grounding",
    "KeyQuote",
    "Location",
    "Meta",
    "Participant",
    "ParticipantsResult",
    "QuotesResult",
    "Result",
    "Usage",
    "canonical_schema",
    "schema_for",
    "strip_extras",
]

SCHEMA_VERSION = "1"

# What we add to the contract: extra keys, which OUTPUT.md allows and consumers ignore.
EXTRA_KEYS = frozenset({"grounding", "speaker_grounding", "date_evidence", "meta"})


def strip_extras(data: Any) -> Any:
    """Only the keys of the output contract, recursively."""
    if isinstance(data, dict):
        return {k: strip_extras(v) for k, v in data.items() if k not in EXTRA_KEYS}
    if isinstance(data, list):
        return [strip_extras(v) for v in data]
    return data


GroundingStatus = Literal["exact", "normalized", "alias", "surname", "fuzzy", "not_found"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Item(_Model):
    """An event or one listed item: shown in notebooks as a small HTML table."""

    def _repr_html_(self) -> str:
        from summarizer.output.page import item_html

        return item_html(self)


class Grounding(_Model):
    """Where an item was found in the article (character offsets into the text as read).

    `status` says how: `exact` (byte-for-byte), `normalized` (after unifying quote marks,
    dashes and whitespace), `alias`/`surname` (a name found by another form or by surname
    alone), `fuzzy` (close but not identical), or `not_found`, in which case `start` and
    `end` are null. Items that are not found are kept and marked, never dropped.
    """

    status: GroundingStatus
    start: int | None = None
    end: int | None = None
    matched: str | None = Field(default=None, description="the article text at [start:end]")

    @property
    def found(self) -> bool:
        return self.status != "not_found"

    @classmethod
    def not_found(cls) -> Grounding:
        return cls(status="not_found")


class Location(_Model):
    venue: str | None = None
    city: str | None = None
    country: str | None = None


class DateEvidence(_Model):
    """How `event.date` was computed: the expression in the text and the anchor it used."""

    expression: str
    start: int | None = None
    end: int | None = None
    published: dt.date | None = None
    rule: str = Field(description="e.g. 'absolute', 'weekday before publication'")


class Event(_Item):
    title: str
    type: str
    date: dt.date | None = None
    location: Location = Field(default_factory=Location)
    summary: str = ""
    date_evidence: DateEvidence | None = None


class Participant(_Item):
    name: str | None = None
    role: str | None = None
    affiliation: str | None = None
    grounding: Grounding | None = Field(default=None, description="where `name` occurs")


class Absentee(_Item):
    name: str | None = None
    role: str | None = None
    affiliation: str | None = None
    reason: str | None = None
    grounding: Grounding | None = None


class Appointment(_Item):
    person: str
    position: str
    organization: str | None = None
    grounding: Grounding | None = Field(default=None, description="where `person` occurs")


class KeyQuote(_Item):
    speaker: str | None = None
    text: str
    grounding: Grounding | None = Field(default=None, description="where `text` occurs")
    speaker_grounding: Grounding | None = None


class Usage(_Model):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    cost_usd: float | None = None


class Meta(_Model):
    """Provenance of a result: which backend and model produced it, from what input."""

    schema_name: str
    schema_version: str = SCHEMA_VERSION
    backend: str
    model: str
    base_url: str | None = None
    source: str | None = None
    published: dt.date | None = None
    published_from: str | None = Field(
        default=None, description="flag | dateline | html | reference | none"
    )
    text_sha256: str | None = None
    chars: int = 0
    chunks: int = 1
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    timings: dict[str, Any] = Field(
        default_factory=dict,
        description="seconds per stage: text_wait_s (for a text worker), text_s (the text "
                    "stage, in a worker: parse_s + candidates_s + hand-over), calls "
                    "([{part, s}]: each model call), assemble_s (choices to grounded "
                    "items, merged)")
    cached: bool = False
    warnings: list[str] = Field(default_factory=list)
    version: str = ""


class Result(_Model):
    """Common base of the six result models."""

    schema_name: ClassVar[str] = ""
    meta: Meta | None = None
    _article: str | None = PrivateAttr(default=None)

    @property
    def article(self) -> str | None:
        """The article text that grounding offsets point into."""
        return self._article

    def contract(self) -> dict[str, Any]:
        """Only the keys of OUTPUT.md (no grounding, no meta): what a reference looks like."""
        return strip_extras(self.model_dump(mode="json"))

    def _repr_html_(self) -> str:
        from summarizer.output.render import to_html

        return to_html(self)


class EventResult(Result):
    schema_name: ClassVar[str] = "event"
    event: Event


class ParticipantsResult(Result):
    schema_name: ClassVar[str] = "participants"
    participants: list[Participant] = Field(default_factory=list)


class AbsenteesResult(Result):
    schema_name: ClassVar[str] = "absentees"
    absentees: list[Absentee] = Field(default_factory=list)


class AppointmentsResult(Result):
    schema_name: ClassVar[str] = "appointments"
    appointments: list[Appointment] = Field(default_factory=list)


class QuotesResult(Result):
    schema_name: ClassVar[str] = "quotes"
    key_quotes: list[KeyQuote] = Field(default_factory=list)


class Brief(Result):
    """All five parts in one object: the default schema."""

    schema_name: ClassVar[str] = "brief"
    event: Event
    participants: list[Participant] = Field(default_factory=list)
    absentees: list[Absentee] = Field(default_factory=list)
    appointments: list[Appointment] = Field(default_factory=list)
    key_quotes: list[KeyQuote] = Field(default_factory=list)


SCHEMAS: dict[str, type[Result]] = {
    m.schema_name: m
    for m in (EventResult, ParticipantsResult, AbsenteesResult, AppointmentsResult,
              QuotesResult, Brief)
}

def canonical_schema(name: str) -> str:
    """The schema's own name for `name`, any case ("Brief" -> "brief"); ConfigError with a
    "did you mean" for a typo ("particpants")."""
    key = name.strip().lower().replace("-", "_")
    key = {"key_quotes": "quotes", "quote": "quotes"}.get(key, key)
    if key in SCHEMAS:
        return key
    import difflib

    from summarizer.errors import ConfigError

    close = difflib.get_close_matches(key, list(SCHEMAS), n=1, cutoff=0.6)
    guess = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(f"unknown schema {name!r}",
                      hint=f"{guess}choose one of: {', '.join(SCHEMAS)}")


def schema_for(name: str) -> type[Result]:
    """The result model for a schema name (any case); raises ConfigError for an unknown one."""
    return SCHEMAS[canonical_schema(name)]
