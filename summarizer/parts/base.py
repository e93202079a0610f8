"""What every part shares: the `Part` interface and the helpers its answers are built with.

A part is one section of a result (the event, participants, absentees, appointments, key
quotes). The pipeline knows parts only through this interface:

    part.may_ask(backend)                whether it asks this backend anything at all
    part.ask(c, backend)                 the response model for this article, or None when
                                         no call earns its keep (nothing to pick, or a small
                                         model whose picks do not beat the code's own)
    part.answer(draft, text, c, backend) the model's choices -> contract items (verbatim text,
                                         computed dates, grounding); draft None -> the code's
                                         own reading (`read`) where the model is small
    part.merge(values)                   one value from the chunks of a long article
    part.settle(values, backend)         rules across parts (nobody both came and stayed away)

The model never writes a quote, a date or (with a constraining backend) a name: it picks
them from candidates the program found, through enums in a response model built for this
one article, so a schema-constrained decoder cannot produce anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import create_model as _create_model

from summarizer.grounding import locate_name
from summarizer.schemas import Grounding
from summarizer.text.names import names_match, normalize_text

if TYPE_CHECKING:
    from summarizer.backends import Backend
    from summarizer.text.candidates import Candidates

__all__ = ["Part", "choice", "clean", "create_model", "dedupe_people", "name_grounding"]

_STRICT = ConfigDict(extra="forbid")  # additionalProperties: false, for every decoder

Str80 = Annotated[str, Field(max_length=80)]
Str200 = Annotated[str, Field(max_length=200)]


def create_model(model_name: str, /, **fields: Any) -> type[BaseModel]:
    return _create_model(model_name, __config__=_STRICT, **fields)


def choice(values: list[str]) -> Any:
    """`Literal[values] | None`, or just None when there is nothing to choose from."""
    if not values:
        return type(None)
    return Literal[tuple(values)] | None


def clean(value: Any, c: Candidates) -> Any:
    """A free-text answer, or None when it is empty or only echoes a name or the prompt.

    Small models fill every string field with the first name they saw; a role that is a
    person's name says nothing, so it is treated as not stated.
    """
    if not isinstance(value, str):
        return value
    value = value.strip()
    lowered = value.lower()
    if not value or lowered in ("null", "none", "unknown", "n/a"):
        return None
    if any(p.name.lower() in lowered or lowered in (p.name.lower(), *map(str.lower, p.aliases))
           for p in c.people):
        return None
    if "at most 12 words" in lowered or "chosen from the" in lowered:
        return None
    return value


def name_grounding(text: str, name: str | None, c: Candidates) -> Grounding | None:
    return locate_name(text, name, c.aliases(name)) if name else None


def dedupe_people(items: list[Any]) -> list[Any]:
    """One item per person (names matched as `names_match` does), first mention kept."""
    kept: list[Any] = []
    for item in items:
        name = getattr(item, "name", None) or getattr(item, "person", None)
        for other in kept:
            other_name = getattr(other, "name", None) or getattr(other, "person", None)
            if name and names_match(name, other_name):
                break
            if not name and not other_name and normalize_text(item.affiliation or "") == \
                    normalize_text(other.affiliation or ""):
                break
        else:
            kept.append(item)
    return kept


class Part:
    """One section of a result. Subclasses set the class attributes and the four methods."""

    name: ClassVar[str]  # the schema name ("quotes"), also the prompt template's name
    field: ClassVar[str]  # the result's field ("key_quotes")
    title: ClassVar[str]  # a heading for tables and pages
    tokens: ClassVar[int]  # output budget: enough for the largest answer the draft allows
    columns: ClassVar[tuple[str, ...]] = ()  # an item's table columns (none: not a list)
    name_key: ClassVar[str | None] = None  # the column that names a person
    item: ClassVar[type[BaseModel]]  # the contract model of one item (or of the event)
    # Whether a small model (SmolLM2-135M) is asked to choose. Measured by
    # benchmarks/ablation.py on the dev set: its picks score no better than the text
    # layer's own, so by default it is not called. The benchmark turns this on to measure.
    small_model_chooses: bool = False

    @property
    def template(self) -> str:
        return self.name

    def may_ask(self, backend: Backend) -> bool:
        """Whether this part asks `backend` anything, for any article (a batch plans by it)."""
        return not (backend.small and backend.constrained) or self.small_model_chooses

    def ask(self, c: Candidates, backend: Backend) -> type[BaseModel] | None:
        if not self.may_ask(backend):
            return None
        if backend.small and backend.constrained:
            return self.small_draft(c)
        return self.draft(c, constrained=backend.constrained)

    def answer(self, draft: BaseModel | None, text: str, c: Candidates,
               backend: Backend) -> Any:
        if backend.small and draft is None:
            return self.read(text, c)
        return self.convert(draft, text, c, small=backend.small)

    def draft(self, c: Candidates, *, constrained: bool) -> type[BaseModel] | None:
        """The response model a capable model fills in (None: nothing to ask)."""
        raise NotImplementedError

    def small_draft(self, c: Candidates) -> type[BaseModel] | None:
        """Choices only, no text: a 135M model writes nothing useful, and each token costs
        time. Titles, summaries, dates, roles and positions then come from the article."""
        raise NotImplementedError

    def convert(self, draft: Any, text: str, c: Candidates, *, small: bool) -> Any:
        """The model's answer as contract items. `small`: the model is too weak for free
        text, so text fields come from the article's own words, never from the model."""
        raise NotImplementedError

    def read(self, text: str, c: Candidates) -> Any:
        """The code's own reading of the article, where no model call earns its keep."""
        raise NotImplementedError

    def merge(self, values: list[Any]) -> Any:
        return dedupe_people([item for value in values for item in value])

    def settle(self, values: dict[str, Any], backend: Backend) -> None:
        """Rules across parts, applied once all of a schema's parts are in `values`."""
