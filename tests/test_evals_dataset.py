"""The repo's own evaluation dataset (evals/) is well-formed and covers the hard cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.evaluation import load_dataset
from summarizer.evaluation.dataset import DatasetItem
from summarizer.evaluation.matching import name_in_article, quote_in_article, quote_span

EVALS = Path(__file__).resolve().parents[1] / "evals"
ITEMS = load_dataset(EVALS)  # validates every reference; fails loudly on a bad one


def _names(item: DatasetItem) -> list[str]:
    ref = item.reference
    names = [p.name for p in (*ref.participants, *ref.absentees) if p.name]
    names += [a.person for a in ref.appointments]
    names += [q.speaker for q in ref.key_quotes if q.speaker]
    return names


def test_every_article_has_a_valid_reference_named_after_it() -> None:
    stems = sorted(p.stem for p in (EVALS / "articles").glob("*.txt"))
    assert [i.id for i in ITEMS] == stems
    assert len(ITEMS) >= 10
    for item in ITEMS:
        assert item.reference.id == item.path.stem


@pytest.mark.parametrize("item", ITEMS, ids=[i.id for i in ITEMS])
def test_reference_quotes_are_verbatim_in_the_article(item: DatasetItem) -> None:
    for quote in item.reference.key_quotes:
        assert quote_in_article(quote.text, item.text), quote.text


@pytest.mark.parametrize("item", ITEMS, ids=[i.id for i in ITEMS])
def test_named_reference_people_occur_in_the_article(item: DatasetItem) -> None:
    for name in _names(item):
        assert name_in_article(name, item.text), name


@pytest.mark.parametrize("item", ITEMS, ids=[i.id for i in ITEMS])
def test_articles_are_dated_where_the_reference_is(item: DatasetItem) -> None:
    first_line = item.text.strip().splitlines()[0]
    if item.published is not None:
        assert first_line.startswith(f"date {item.published.isoformat()}")
    else:
        assert not first_line.startswith("date ")


def test_dataset_covers_the_hard_cases() -> None:
    refs = {i.id: i.reference for i in ITEMS}
    texts = {i.id: i.text for i in ITEMS}
    assert any(not r.key_quotes for r in refs.values()), "an article without quotes"
    assert any(a.reason and not a.optional for r in refs.values() for a in r.absentees)
    assert any(r.appointments for r in refs.values()), "an appointment"
    assert any(r.event.type == "resignation" and not r.appointments for r in refs.values())
    assert any(p.name is None and p.affiliation and not p.optional
               for r in refs.values() for p in r.participants), "unnamed parties"
    assert any(r.event.date is None and r.published is None for r in refs.values())
    assert any(r.event.date is None and r.published is not None for r in refs.values())
    spans = [(texts[i], quote_span(q.text, texts[i]))
             for i, r in refs.items() for q in r.key_quotes]
    assert any(span and "\n" in text[span[0]:span[1]] for text, span in spans), \
        "a quote running across paragraphs"
    assert any("‘" in q.text for r in refs.values() for q in r.key_quotes), "nested quotes"
    assert any("Ignore previous instructions" in t for t in texts.values())
