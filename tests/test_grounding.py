"""Grounding: a reader can tell a verified quote or name from an unverified one."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.grounding import locate_name, locate_quote
from summarizer.text.candidates import quotes_in_text

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "evals" / "articles" / "csto_minsk_summit.txt").read_text(encoding="utf-8")
ARTICLE = ("“We will not surrender,” the mayor said.\n\n"
           "Talks with FranÃ§ois Hollande and José Núñez went on — late into the night.")


def test_exact_quote_offsets() -> None:
    g = locate_quote(ARTICLE, "We will not surrender")
    assert g.status == "exact" and (g.start, g.end) == (1, 22)
    assert g.matched == "We will not surrender"


def test_normalized_quote_maps_back_to_original_offsets() -> None:
    g = locate_quote(ARTICLE, '"we will NOT   surrender," the mayor said')
    assert g.status == "normalized"
    assert g.matched == "“We will not surrender,” the mayor said"
    assert ARTICLE[g.start : g.end] == g.matched


def test_dashes_are_normalized() -> None:
    g = locate_quote(ARTICLE, "went on - late into the night")
    assert g.status == "normalized" and g.matched == "went on — late into the night"


def test_one_word_changed_is_fuzzy_not_exact() -> None:
    altered = ("We will not hide the fact that we also discussed the situation in the Balkans "
               "and certain dissatisfaction of one of the CSTO members.")
    g = locate_quote(SEED, altered)
    assert g.status == "fuzzy"
    assert (g.matched or "").startswith("We will not hide the fact")
    assert "Caucasus" in (g.matched or "")
    # A short quote with a word changed is too close to call: never "exact".
    assert locate_quote(SEED, "This is irresponsible and near-sighted").status != "exact"


def test_invented_quote_is_not_found() -> None:
    g = locate_quote(SEED, "Armenia will be punished severely for its betrayal of the alliance")
    assert g.status == "not_found" and g.start is None and g.matched is None


def test_every_seed_candidate_grounds_exactly() -> None:
    for q in quotes_in_text(SEED):
        g = locate_quote(SEED, q.text)
        assert g.status == "exact" and g.matched == q.text


@pytest.mark.parametrize(
    ("name", "aliases", "status", "matched"),
    [
        ("Alyaksandr Lukashenka", (), "exact", "Alyaksandr Lukashenka"),
        ("alyaksandr LUKASHENKA", (), "normalized", "Alyaksandr Lukashenka"),
        ("President Vladimir Putin", (), "exact", "President Vladimir Putin"),
        ("Prime Minister Nikol Pashinyan", (), "exact", "Prime Minister Nikol Pashinyan"),
        ("Alexander Lukashenko", ("Lukashenka",), "alias", "Lukashenka"),
        ("Viktor Aleinik", (), "surname", "Aleinik"),
    ],
)
def test_locate_name_statuses(name: str, aliases: tuple[str, ...], status: str,
                              matched: str) -> None:
    g = locate_name(SEED, name, aliases)
    assert (g.status, g.matched) == (status, matched)
    assert SEED[g.start : g.end] == matched


def test_accents_and_mojibake_in_names() -> None:
    assert locate_name(ARTICLE, "François Hollande").matched == "FranÃ§ois Hollande"
    g = locate_name(ARTICLE, "Jose Nunez")
    assert (g.status, g.matched) == ("normalized", "José Núñez")


def test_invented_name_is_not_found() -> None:
    assert locate_name(SEED, "John Smith").status == "not_found"
    assert locate_name(SEED, "Mikhail Gorbachev", ["Gorby"]).status == "not_found"


def test_surname_needs_a_capitalised_word() -> None:
    article = "The brown bear crossed the road."
    assert locate_name(article, "Gordon Brown").status == "not_found"
