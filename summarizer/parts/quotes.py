"""Key quotes: up to five verbatim quotations and who said them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from summarizer.parts.base import Part, Str80, choice, create_model, name_grounding
from summarizer.schemas import Grounding, KeyQuote

if TYPE_CHECKING:
    from summarizer.text.candidates import Candidates, QuoteCandidate

__all__ = ["QuotesPart"]

MOST = 5


def _key_quote(q: QuoteCandidate, speaker: str | None, text: str, c: Candidates) -> KeyQuote:
    return KeyQuote(speaker=speaker, text=q.text,
                    grounding=Grounding(status="exact", start=q.start, end=q.end, matched=q.text),
                    speaker_grounding=name_grounding(text, speaker, c))


def main_voices(c: Candidates, limit: int = MOST) -> list[QuoteCandidate]:
    """The main voices first: whole quoted sentences, one per speaker in turn (the people at
    the centre of the event before others), then their shorter quoted phrases when slots
    remain, then unattributed sentences and phrases; returned in text order."""
    central = {n: i for i, n in enumerate([*c.participants, *c.absent, *c.appointed])}

    def voices(pool: list[Any]) -> list[Any]:
        by_speaker: dict[Any, list[Any]] = {}
        for q in pool:
            by_speaker.setdefault(q.speaker, []).append(q)
        order = sorted(by_speaker, key=lambda s: (central.get(s, len(central)),
                                                  by_speaker[s][0].start))
        return [q for k in range(max(map(len, by_speaker.values()), default=0))
                for s in order if k < len(by_speaker[s]) for q in [by_speaker[s][k]]]

    sentences = voices([q for q in c.quotes if q.sentence and q.speaker])
    phrases = voices([q for q in c.quotes if not q.sentence and q.speaker and q.words >= 2])
    unattributed = [q for q in c.quotes if q.sentence and not q.speaker]
    # Last, when slots remain: unattributed phrases long enough to say something.
    rest = [q for q in c.quotes if not q.sentence and not q.speaker and q.words >= 3]
    chosen = [*sentences, *phrases, *unattributed, *rest][:limit]
    return sorted(chosen, key=lambda q: q.start)


class QuotesPart(Part):
    name = "quotes"
    field = "key_quotes"
    title = "Key quotes"
    tokens = 300
    columns = ("speaker", "text")
    name_key = "speaker"
    item = KeyQuote

    def draft(self, c: Candidates, *, constrained: bool) -> type[BaseModel] | None:
        if not c.quotes:
            return None
        name: Any = choice(c.names) if constrained else Str80 | None
        item: Any = create_model("KeyQuote", quote=(Literal[tuple(q.id for q in c.quotes)], ...),
                                 speaker=(name, ...))
        return create_model("KeyQuotes", key_quotes=(list[item], Field(max_length=MOST)))

    def small_draft(self, c: Candidates) -> type[BaseModel] | None:
        if not c.quotes:
            return None
        return create_model("KeyQuotes", key_quotes=(
            list[Literal[tuple(q.id for q in c.quotes)]],  # type: ignore[misc]
            Field(min_length=1, max_length=MOST)))

    def convert(self, draft: Any, text: str, c: Candidates, *, small: bool) -> list[KeyQuote]:
        if draft is None:
            return []
        by_id = {q.id: q for q in c.quotes}
        quotes, seen = [], set()
        for item in draft.key_quotes:
            chosen, said_by = (item, None) if isinstance(item, str) \
                else (item.quote, item.speaker)  # a small model's bare choice, or a full one
            q = by_id[chosen]
            if q.id in seen:
                continue
            seen.add(q.id)
            speaker = (q.speaker or said_by) if small else (said_by or q.speaker)
            quotes.append(_key_quote(q, speaker, text, c))
        return quotes

    def read(self, text: str, c: Candidates) -> list[KeyQuote]:
        return [_key_quote(q, q.speaker, text, c) for q in main_voices(c)]

    def merge(self, values: list[Any]) -> list[KeyQuote]:
        seen: set[tuple[int | None, int | None]] = set()
        unique = []
        for q in (q for value in values for q in value):
            span = (q.grounding.start, q.grounding.end) if q.grounding else (None, None)
            if span not in seen:
                seen.add(span)
                unique.append(q)
        return unique[:MOST]
