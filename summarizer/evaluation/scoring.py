"""Scoring one prediction against its reference, by the rules of ../shared/spec/EVAL.md.

Everything here is a pure function of (reference, prediction, article text): no model, no
files, no clock. The prediction is the JSON of a result (what predictions.jsonl stores), so a
run can be re-scored later without calling any model.

The prediction's own grounding claims are reported but never trusted: every quote and name
is checked against the article text again here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import ValidationError

from summarizer.evaluation.dataset import Reference, RefParticipant, RefQuote
from summarizer.evaluation.matching import (
    assign,
    field_matches,
    name_in_article,
    quote_in_article,
    quote_overlap,
    title_similarity,
    token_overlap,
    type_matches,
)
from summarizer.parts import for_schema, list_parts
from summarizer.schemas import KeyQuote, Participant, Result, canonical_schema, schema_for
from summarizer.text.names import names_match, normalize_name

__all__ = [
    "LIST_FIELDS",
    "ArticleScore",
    "GroundingScore",
    "ListScore",
    "score_article",
    "scored_fields",
]

LIST_FIELDS = tuple(p.field for p in list_parts())
QUOTE_MATCH = 0.6  # token F1 at which two quotes are the same quote (EVAL.md)
REQUIRED_BONUS = 4.0  # required reference items are matched before optional ones


@dataclass
class ListScore:
    """Matching outcome of one list field. Indices point into the reference / prediction."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    matches: list[tuple[int, int]] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    false_positives: list[int] = field(default_factory=list)
    ignored: list[int] = field(default_factory=list)  # neither right nor wrong (optional...)
    correct: dict[str, int] = field(default_factory=dict)  # attribute -> matched pairs right

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class GroundingScore:
    quotes: int = 0
    quotes_verbatim: int = 0
    names: int = 0
    names_found: int = 0
    hallucinated_names: list[str] = field(default_factory=list)
    invented_quotes: list[str] = field(default_factory=list)
    # Items the prediction marked as found that the scorer could not find: lies, not misses.
    overclaimed: int = 0


@dataclass
class ArticleScore:
    id: str
    schema: str
    valid: bool
    error: str | None = None
    lists: dict[str, ListScore] = field(default_factory=dict)
    event: dict[str, float] = field(default_factory=dict)
    grounding: GroundingScore = field(default_factory=GroundingScore)
    confusion: dict[str, list[str]] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name, score in self.lists.items():
            data["lists"][name].update(precision=score.precision, recall=score.recall,
                                       f1=score.f1)
        return data


def scored_fields(schema: str) -> tuple[str, ...]:
    """The top-level keys a schema produces: `quotes` is stored as `key_quotes`."""
    return tuple(p.field for p in for_schema(canonical_schema(schema)))


# --- participants and absentees ------------------------------------------------------


def _party_weight(ref: RefParticipant, pred: Participant, *, optional_bonus: bool = True
                  ) -> float:
    if ref.name:
        if not names_match(pred.name, ref.name, ref.aliases):
            return 0.0
        base = 2.0
    elif ref.affiliation:
        # An unnamed party ("the leaders of Kazakhstan") matches by affiliation (EVAL.md).
        if not field_matches(ref.affiliation, pred.affiliation, kind="affiliation"):
            return 0.0
        base = 1.5 if pred.name is None else 1.0
    else:
        # Unnamed and unaffiliated ("a resident"): only the role is left to compare.
        if pred.name is not None or token_overlap(ref.role, pred.role) < 0.5:
            return 0.0
        base = 1.0
    tie = 0.1 * token_overlap(ref.role, pred.role) + 0.1 * token_overlap(ref.affiliation,
                                                                         pred.affiliation)
    bonus = REQUIRED_BONUS if optional_bonus and not ref.optional else 0.0
    return base + tie + bonus


def _is_group(ref: RefParticipant) -> bool:
    return ref.name is None and bool(ref.affiliation) and (
        "," in (ref.affiliation or "") or " and " in (ref.affiliation or ""))


def _finish(score: ListScore, refs: Sequence[Any], n_preds: int,
            neutral: set[int] | None = None) -> ListScore:
    """Turn matches into tp/fp/fn: optional references count neither way."""
    matched_refs = {r for r, _ in score.matches}
    matched_preds = {p for _, p in score.matches}
    for r, p in score.matches:
        if refs[r].optional:
            score.ignored.append(p)
        else:
            score.tp += 1
    score.missed = [i for i, r in enumerate(refs) if i not in matched_refs and not r.optional]
    score.fn = len(score.missed)
    for p in range(n_preds):
        if p in matched_preds:
            continue
        if neutral and p in neutral:
            score.ignored.append(p)
        else:
            score.false_positives.append(p)
    score.fp = len(score.false_positives)
    score.ignored.sort()
    return score


def score_parties(refs: Sequence[RefParticipant], preds: Sequence[Participant],
                  article: str = "") -> ListScore:
    """Participants or absentees: names match, unnamed parties by affiliation."""
    score = ListScore(matches=assign(refs, preds, _party_weight))
    # Extra members of a group reference ("China, India and Brazil") are not false positives.
    groups = [r for r in refs if _is_group(r)]
    neutral = {
        i for i, p in enumerate(preds)
        if p.name is None and any(field_matches(g.affiliation, p.affiliation,
                                                kind="affiliation") for g in groups)
    }
    _finish(score, refs, len(preds), neutral)
    score.correct = {
        "role": sum(field_matches(refs[r].role, preds[p].role, article)
                    for r, p in score.matches),
        "affiliation": sum(field_matches(refs[r].affiliation, preds[p].affiliation, article,
                                         kind="affiliation") for r, p in score.matches),
    }
    return score


# --- appointments -----------------------------------------------------------------------


def score_appointments(reference: Reference, preds: Sequence[Any], article: str = ""
                       ) -> ListScore:
    """An appointment matches when the person matches and the positions overlap."""
    refs = reference.appointments

    def weight(ref: Any, pred: Any) -> float:
        aliases = (*ref.aliases, *reference.aliases_of(ref.person))
        if not names_match(pred.person, ref.person, aliases):
            return 0.0
        overlap = token_overlap(ref.position, pred.position)
        if overlap < 0.5:
            return 0.0
        return 2.0 + 0.1 * overlap + (0.0 if ref.optional else REQUIRED_BONUS)

    score = _finish(ListScore(matches=assign(refs, preds, weight)), refs, len(preds))
    score.correct = {
        "organization": sum(field_matches(refs[r].organization, preds[p].organization,
                                          article, kind="affiliation")
                            for r, p in score.matches),
    }
    return score


# --- key quotes ---------------------------------------------------------------------------


def _speaker_ok(reference: Reference, ref: RefQuote, pred: KeyQuote, article: str) -> bool:
    if ref.speaker is None:
        return pred.speaker is None or name_in_article(pred.speaker, article)
    return names_match(pred.speaker, ref.speaker, reference.aliases_of(ref.speaker))


def score_quotes(reference: Reference, preds: Sequence[KeyQuote], article: str,
                 *, attributed: bool = False) -> ListScore:
    """Quotes match on text overlap (and, when `attributed`, on the speaker too).

    Unmatched predictions are false positives only when they are not verbatim in the
    article, or (attributed) when they give a reference quote to the wrong speaker.
    """
    refs = reference.key_quotes

    def weight(ref: RefQuote, pred: KeyQuote) -> float:
        overlap = quote_overlap(ref.text, pred.text)
        if overlap < QUOTE_MATCH:
            return 0.0
        if attributed and not _speaker_ok(reference, ref, pred, article):
            return 0.0
        return 1.0 + overlap + (0.0 if ref.optional else REQUIRED_BONUS)

    score = ListScore(matches=assign(refs, preds, weight))
    neutral = set()
    for i, pred in enumerate(preds):
        if not quote_in_article(pred.text, article):
            continue
        misattributed = attributed and any(
            quote_overlap(r.text, pred.text) >= QUOTE_MATCH
            and not _speaker_ok(reference, r, pred, article) for r in refs)
        if not misattributed:
            neutral.add(i)
    return _finish(score, refs, len(preds), neutral)


# --- event, grounding, confusion ------------------------------------------------------


def score_event(reference: Reference, event: Any | None, article: str) -> dict[str, float]:
    """Accuracy (0/1) of date, city, country, type; title similarity and its 0.5 cut."""
    ref = reference.event
    dated = {"has_date": float(ref.date is not None)}
    if event is None:
        return dict.fromkeys(("date", "city", "country", "type", "title", "title_similarity"),
                             0.0) | dated
    similarity = title_similarity(ref.title, event.title)
    return dated | {
        "date": float(event.date == ref.date),
        "city": float(field_matches(ref.location.city, event.location.city, article,
                                    kind="place")),
        "country": float(field_matches(ref.location.country, event.location.country,
                                       article, kind="place")),
        "type": float(type_matches(ref.type, event.type)),
        "title": float(similarity >= 0.5),
        "title_similarity": similarity,
    }


def _person_items(model: Result) -> list[tuple[str, Any]]:
    """(name, grounding) for every person name a prediction states."""
    items: list[tuple[str, Any]] = []
    for key in ("participants", "absentees"):
        items += [(p.name, p.grounding) for p in getattr(model, key, []) if p.name]
    items += [(a.person, a.grounding) for a in getattr(model, "appointments", []) if a.person]
    items += [(q.speaker, q.speaker_grounding) for q in getattr(model, "key_quotes", [])
              if q.speaker]
    return items


def score_grounding(model: Result, article: str) -> GroundingScore:
    """Re-check every quote and name against the article; the prediction's claim is only
    compared with the verdict (`overclaimed`)."""
    score = GroundingScore()
    for quote in getattr(model, "key_quotes", []):
        score.quotes += 1
        if quote_in_article(quote.text, article):
            score.quotes_verbatim += 1
        else:
            score.invented_quotes.append(quote.text)
            score.overclaimed += bool(quote.grounding and quote.grounding.found)
    seen: set[str] = set()
    for name, grounding in _person_items(model):
        key = normalize_name(name)
        if key in seen:
            continue
        seen.add(key)
        score.names += 1
        if name_in_article(name, article):
            score.names_found += 1
        else:
            score.hallucinated_names.append(name)
            score.overclaimed += bool(grounding and grounding.found)
    return score


def score_confusion(reference: Reference, model: Result) -> dict[str, list[str]]:
    """Reference absentees predicted as participants, and the other way round."""

    def crossed(refs: Sequence[RefParticipant], preds: Sequence[Participant]) -> list[str]:
        out = []
        for ref in refs:
            if ref.optional:  # a judgement call either way cannot be confused
                continue
            for pred in preds:
                if (ref.name or pred.name is None) and _party_weight(ref, pred) > 0:
                    out.append(ref.name or f"({ref.affiliation})")
                    break
        return out

    return {
        "absent_as_participant": crossed(reference.absentees, model.participants),  # type: ignore[attr-defined]
        "participant_as_absent": crossed(reference.participants, model.absentees),  # type: ignore[attr-defined]
    }


def _usage(meta: Mapping[str, Any] | None) -> dict[str, Any]:
    meta = meta or {}
    usage = meta.get("usage") or {}
    cached = bool(meta.get("cached"))
    return {
        "cached": cached,
        # A cached answer cost no model call now, whatever it cost when it was made.
        "calls": 0 if cached else int(usage.get("calls") or 0),
        "latency_s": float(meta.get("latency_s") or 0.0),
        "prompt_tokens": int(usage.get("prompt_tokens") or 0),
        "completion_tokens": int(usage.get("completion_tokens") or 0),
        "retries": int(usage.get("retries") or 0),
        "cost_usd": usage.get("cost_usd"),
    }


def score_article(reference: Reference, prediction: Mapping[str, Any] | None, article: str,
                  *, schema: str = "brief", meta: Mapping[str, Any] | None = None,
                  error: str | None = None) -> ArticleScore:
    """Score one prediction (a result's JSON, or None when the article failed).

    A missing or invalid prediction scores as an empty one (every reference item missed,
    every event field wrong) with `valid=False`.
    """
    model_cls = schema_for(schema)
    model: Result | None = None
    if prediction is not None:
        try:
            # `meta` is provenance, not part of the answer: a bad one must not void it.
            model = model_cls.model_validate(
                {k: v for k, v in prediction.items() if k != "meta"})
        except ValidationError as exc:
            error = error or f"invalid prediction: {exc.error_count()} validation error(s)"
    score = ArticleScore(id=reference.id, schema=schema, valid=model is not None, error=error,
                         usage=_usage(meta or (prediction or {}).get("meta")))
    fields = scored_fields(schema)
    get = (lambda key: getattr(model, key, [])) if model is not None else (lambda key: [])
    if "participants" in fields:
        score.lists["participants"] = score_parties(reference.participants,
                                                    get("participants"), article)
    if "absentees" in fields:
        score.lists["absentees"] = score_parties(reference.absentees, get("absentees"),
                                                 article)
    if "appointments" in fields:
        score.lists["appointments"] = score_appointments(reference, get("appointments"),
                                                         article)
    if "key_quotes" in fields:
        quotes = get("key_quotes")
        score.lists["key_quotes"] = score_quotes(reference, quotes, article)
        score.lists["key_quotes_attributed"] = score_quotes(reference, quotes, article,
                                                            attributed=True)
    if "event" in fields:
        score.event = score_event(reference, getattr(model, "event", None), article)
    if model is not None:
        score.grounding = score_grounding(model, article)
        if "participants" in fields and "absentees" in fields:
            score.confusion = score_confusion(reference, model)
    return score
