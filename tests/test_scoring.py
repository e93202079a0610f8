"""The scoring rules of EVAL.md, pinned on small hand-made cases."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from summarizer.evaluation import aggregate, load_dataset, score_article
from summarizer.evaluation.dataset import Reference
from summarizer.evaluation.matching import quote_in_article, quote_span, type_matches

ROOT = Path(__file__).resolve().parents[1]
DATASETS = [p for p in (ROOT / "evals", ROOT.parent / "shared" / "dev")
            if (p / "references").is_dir()]

ARTICLE = (
    "OTTAWA — President Barack Obama met Canada's Justin Trudeau and the leaders of Mexico "
    "on Wednesday. Vice President Joe Biden stayed away, citing illness.\n\n"
    "“It’s not my job to comment on candidates,” Mr. Obama said. "
    "Trudeau added: \"Trade is good for all of us.\""
)


def make_ref(**parts: Any) -> Reference:
    base: dict[str, Any] = {
        "id": "case", "published": "2016-06-30",
        "event": {"title": "North American leaders' summit in Ottawa", "type": "summit",
                  "date": "2016-06-29",
                  "location": {"venue": None, "city": "Ottawa", "country": None}},
        "participants": [], "absentees": [], "appointments": [], "key_quotes": [],
    }
    base.update(parts)
    return Reference.model_validate(base)


def make_pred(**parts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event": {"title": "Summit of North American leaders in Ottawa", "type": "meeting",
                  "date": "2016-06-29",
                  "location": {"venue": None, "city": "Ottawa", "country": None}},
        "participants": [], "absentees": [], "appointments": [], "key_quotes": [],
    }
    base.update(parts)
    return base


def person(name: str | None, role: str | None = None, affiliation: str | None = None,
           **extra: Any) -> dict[str, Any]:
    return {"name": name, "role": role, "affiliation": affiliation, **extra}


def test_surname_and_title_match_the_full_name() -> None:
    ref = make_ref(participants=[person("Barack Obama", "President", "United States")])
    for predicted in ("Mr. Obama", "Obama", "President Barack Obama", "BARACK OBAMA"):
        pred = make_pred(participants=[person(predicted, "President", "US")])
        score = score_article(ref, pred, ARTICLE).lists["participants"]
        assert (score.tp, score.fp, score.fn) == (1, 0, 0), predicted
    other = make_pred(participants=[person("Michelle Obama")])
    assert score_article(ref, other, ARTICLE).lists["participants"].tp == 0


def test_unnamed_reference_party_matches_by_affiliation() -> None:
    ref = make_ref(participants=[person(None, "leader", "Mexico")])
    right = make_pred(participants=[person(None, "leaders", "Mexico")])
    wrong = make_pred(participants=[person(None, "leaders", "Guatemala")])
    assert score_article(ref, right, ARTICLE).lists["participants"].f1 == 1.0
    missed = score_article(ref, wrong, ARTICLE).lists["participants"]
    assert (missed.tp, missed.fp, missed.fn) == (0, 1, 1)


def test_matching_is_one_to_one_and_order_insensitive() -> None:
    people = [person("Barack Obama", affiliation="United States"),
              person("Justin Trudeau", affiliation="Canada"), person(None, "leader", "Mexico")]
    ref = make_ref(participants=people)
    preds = [person("Trudeau", affiliation="Canada"), person("Obama", affiliation="US"),
             person(None, "leader", "Mexico"), person("Obama", affiliation="US")]
    scores = set()
    for seed in range(5):
        random.Random(seed).shuffle(preds)
        s = score_article(ref, make_pred(participants=list(preds)), ARTICLE)
        scores.add((s.lists["participants"].tp, s.lists["participants"].fp))
    assert scores == {(3, 1)}  # the duplicate Obama is a false positive, every time


def test_curly_and_straight_quote_marks_are_the_same_quote() -> None:
    ref = make_ref(key_quotes=[{"speaker": "Barack Obama",
                                "text": "It’s not my job to comment on candidates"}])
    pred = make_pred(key_quotes=[{"speaker": "Obama",
                                  "text": "It's not my job to comment on candidates"}])
    score = score_article(ref, pred, ARTICLE)
    assert score.lists["key_quotes"].f1 == 1.0
    assert score.lists["key_quotes_attributed"].f1 == 1.0
    assert score.grounding.quotes_verbatim == 1


def test_quote_overlap_threshold() -> None:
    ref = make_ref(key_quotes=[{"speaker": "Obama",
                                "text": "It’s not my job to comment on candidates"}])
    contained = make_pred(key_quotes=[{"speaker": "Obama", "text": "not my job"}])
    unrelated = make_pred(key_quotes=[{"speaker": "Obama", "text": "my job is the economy"}])
    assert score_article(ref, contained, ARTICLE).lists["key_quotes"].tp == 1
    assert score_article(ref, unrelated, ARTICLE).lists["key_quotes"].tp == 0


def test_genuine_unreferenced_quote_is_not_a_false_positive_but_invented_one_is() -> None:
    ref = make_ref(key_quotes=[{"speaker": "Obama",
                                "text": "It’s not my job to comment on candidates"}])
    pred = make_pred(key_quotes=[
        {"speaker": "Justin Trudeau", "text": "Trade is good for all of us."},  # genuine
        {"speaker": "Obama", "text": "We will build a wall"},  # invented
    ])
    score = score_article(ref, pred, ARTICLE)
    quotes = score.lists["key_quotes"]
    assert (quotes.tp, quotes.fp, quotes.fn) == (0, 1, 1)
    assert score.grounding.invented_quotes == ["We will build a wall"]
    assert aggregate([score])["grounding.quote_verbatim_rate"] == 0.5


def test_misattributed_quote_counts_for_text_not_for_attribution() -> None:
    ref = make_ref(key_quotes=[{"speaker": "Obama",
                                "text": "It’s not my job to comment on candidates"}])
    pred = make_pred(key_quotes=[{"speaker": "Justin Trudeau",
                                  "text": "It’s not my job to comment on candidates"}])
    score = score_article(ref, pred, ARTICLE)
    assert score.lists["key_quotes"].f1 == 1.0
    attributed = score.lists["key_quotes_attributed"]
    assert (attributed.tp, attributed.fp, attributed.fn) == (0, 1, 1)


def test_optional_items_are_neither_missed_nor_false_positives() -> None:
    ref = make_ref(participants=[person("Barack Obama"),
                                 person("Joe Biden", optional=True)],
                   key_quotes=[{"speaker": "Trudeau", "text": "Trade is good for all of us.",
                                "optional": True}])
    with_optional = make_pred(participants=[person("Obama"), person("Joe Biden")],
                              key_quotes=[{"speaker": "Trudeau",
                                           "text": "Trade is good for all of us."}])
    without = make_pred(participants=[person("Obama")])
    for pred in (with_optional, without):
        s = score_article(ref, pred, ARTICLE)
        assert (s.lists["participants"].tp, s.lists["participants"].fp,
                s.lists["participants"].fn) == (1, 0, 0)
        assert (s.lists["key_quotes"].fp, s.lists["key_quotes"].fn) == (0, 0)


def test_ungrounded_name_is_a_hallucination_even_when_marked_found() -> None:
    ref = make_ref(participants=[person("Barack Obama")])
    pred = make_pred(participants=[
        person("Barack Obama", grounding={"status": "exact", "start": 19, "end": 31}),
        person("Enrique Peña Nieto", grounding={"status": "exact", "start": 0, "end": 5}),
    ])
    score = score_article(ref, pred, ARTICLE)
    assert score.grounding.hallucinated_names == ["Enrique Peña Nieto"]
    assert score.grounding.overclaimed == 1  # the prediction's own claim is not trusted
    metrics = aggregate([score])
    assert metrics["grounding.hallucinated_names"] == 1
    assert metrics["grounding.name_grounded_rate"] == 0.5


def test_filling_a_name_from_outside_knowledge_is_a_hallucination() -> None:
    # The article says "Obama"; "Barack" must come from the text, not from memory.
    article = "Obama met Trudeau in Ottawa."
    ref = make_ref(participants=[person("Obama")])
    score = score_article(ref, make_pred(participants=[person("Barack Obama")]), article)
    assert score.lists["participants"].tp == 1
    assert score.grounding.hallucinated_names == ["Barack Obama"]


def test_empty_prediction_scores_recall_zero() -> None:
    ref = make_ref(participants=[person("Barack Obama")],
                   absentees=[person("Joe Biden", reason="illness")],
                   key_quotes=[{"speaker": "Obama",
                                "text": "It’s not my job to comment on candidates"}])
    metrics = aggregate([score_article(ref, make_pred(), ARTICLE)])
    for field in ("participants", "absentees", "key_quotes"):
        assert metrics[f"{field}.recall"] == 0.0
        assert metrics[f"{field}.f1"] == 0.0
    assert metrics["schema.validity"] == 1.0


def test_failed_article_scores_as_empty_and_invalid() -> None:
    ref = make_ref(participants=[person("Barack Obama")])
    score = score_article(ref, None, ARTICLE, error="backend timed out")
    metrics = aggregate([score])
    assert not score.valid and score.error == "backend timed out"
    assert metrics["schema.validity"] == 0.0
    assert metrics["participants.recall"] == 0.0
    assert metrics["event.date_accuracy"] == 0.0
    invalid = score_article(ref, {"participants": "nobody"}, ARTICLE)
    assert not invalid.valid


def test_event_fields() -> None:
    ref = make_ref()
    good = score_article(ref, make_pred(), ARTICLE).event
    assert good["date"] == good["city"] == good["type"] == good["country"] == 1.0
    assert good["title_similarity"] > 0.5
    pred = make_pred(event={"title": "Trade talks", "type": "protest", "date": "2016-06-30",
                            "location": {"city": "ottawa", "country": "Atlantis"}})
    bad = score_article(ref, pred, ARTICLE).event
    assert bad["date"] == bad["type"] == bad["country"] == 0.0
    assert bad["city"] == 1.0  # case and accents do not matter
    # A null reference field accepts what the article states...
    stated = make_pred(event={"title": "x", "type": "summit", "date": "2016-06-29",
                              "location": {"city": "Ottawa", "country": "Canada"}})
    assert score_article(ref, stated, ARTICLE).event["country"] == 1.0
    # ...and a null date accepts only null.
    undated = make_ref(event={"title": "x", "type": "summit", "date": None})
    assert score_article(undated, make_pred(), ARTICLE).event["date"] == 0.0


@pytest.mark.parametrize(("a", "b", "same"), [
    ("meeting", "talks", True), ("summit", "Summit meeting", True),
    ("convention", "conference", True), ("board meeting", "meeting", True),
    ("election", "vote", True), ("appointment", "resignation", False),
    ("protest", "summit", False),
])
def test_event_type_synonyms(a: str, b: str, same: bool) -> None:
    assert type_matches(a, b) is same


def test_appointments_need_person_and_position() -> None:
    ref = make_ref(appointments=[{"person": "Andrei Serdyukov",
                                  "position": "head of the Joint Staff of the CSTO",
                                  "organization": "CSTO"}])
    article = "Colonel General Andrei Serdyukov was appointed head of the Joint Staff."
    right = make_pred(appointments=[{"person": "Serdyukov", "position": "head of Joint Staff",
                                     "organization": "CSTO"}])
    wrong = make_pred(appointments=[{"person": "Serdyukov", "position": "defence minister"}])
    assert score_article(ref, right, article).lists["appointments"].f1 == 1.0
    assert score_article(ref, wrong, article).lists["appointments"].tp == 0
    # A resignation with no successor: any predicted appointment is a false positive.
    none = make_ref(appointments=[])
    assert score_article(none, right, article).lists["appointments"].fp == 1


def test_confusion_between_absentees_and_participants() -> None:
    ref = make_ref(participants=[person("Barack Obama")],
                   absentees=[person("Joe Biden", reason="illness")])
    pred = make_pred(participants=[person("Obama"), person("Joe Biden")],
                     absentees=[person("Barack Obama")])
    metrics = aggregate([score_article(ref, pred, ARTICLE)])
    assert metrics["confusion.absent_as_participant"] == 1
    assert metrics["confusion.participant_as_absent"] == 1


def test_metrics_are_micro_averaged() -> None:
    ref_big = make_ref(participants=[person(n) for n in ("Barack Obama", "Justin Trudeau",
                                                         "Joe Biden")])
    ref_small = make_ref(participants=[person("Barack Obama")])
    big = score_article(ref_big, make_pred(participants=[person("Obama"), person("Trudeau"),
                                                         person("Biden")]), ARTICLE)
    small = score_article(ref_small, make_pred(), ARTICLE)
    # Micro: 3 of 4 found (0.75), not the mean of per-article recalls (0.5).
    assert aggregate([big, small])["participants.recall"] == 0.75


def test_quote_across_paragraphs_and_nested_quotes_are_located() -> None:
    article = ("“First part of it.\n\n“Second part,” she said. “He told me, ‘Stay home,’ "
               "and I did,” he added.")
    assert quote_span("First part of it. Second part", article) is not None
    assert quote_in_article("He told me, 'Stay home,' and I did", article)
    assert not quote_in_article("He told me to stay home", article)


def _reference_pairs() -> list[Any]:
    return [pytest.param(item, id=f"{ds.name}/{item.id}")
            for ds in DATASETS for item in load_dataset(ds)]


@pytest.mark.parametrize("item", _reference_pairs())
def test_reference_fed_back_scores_perfectly(item: Any) -> None:
    score = score_article(item.reference, item.reference.as_prediction(), item.text)
    metrics = aggregate([score])
    for name, value in metrics.items():
        if name.endswith(("precision", "recall", "f1", "accuracy", "_rate", "similarity",
                          "validity")):
            assert value in (1.0, None), f"{name} = {value}"
        elif name.startswith(("grounding.", "confusion.")) or name.endswith((".fp", ".fn")):
            assert value == 0, f"{name} = {value}"
