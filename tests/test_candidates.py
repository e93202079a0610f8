"""Quote, person and place candidates: what the model is allowed to choose from."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.text.candidates import people_in_text, places_in_text, quotes_in_text

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "evals" / "articles" / "csto_minsk_summit.txt").read_text(encoding="utf-8")


def texts(article: str) -> list[str]:
    quotes = quotes_in_text(article)
    for q in quotes:  # the invariant every caller relies on
        assert article[q.start : q.end] == q.text
    return [q.text for q in quotes]


# --- quotes -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "article",
    [
        'The mayor said: "We will rebuild the bridge."',
        "The mayor said: “We will rebuild the bridge.”",
        "The mayor said: ''We will rebuild the bridge.''",
        "The mayor said: «We will rebuild the bridge.»",
    ],
)
def test_each_kind_of_quotation_mark(article: str) -> None:
    assert texts(article) == ["We will rebuild the bridge."]


def test_ids_in_text_order_and_trailing_comma_dropped() -> None:
    article = "“First one,” she said. Later: “Second one.”"
    quotes = quotes_in_text(article)
    assert [(q.id, q.text) for q in quotes] == [("Q1", "First one"), ("Q2", "Second one.")]


def test_nested_single_quotes_stay_inside_the_outer_quote() -> None:
    article = "He said, “I told him ‘no way’ and left.” Then: \"She said 'fine' too.\""
    assert texts(article) == ["I told him ‘no way’ and left.", "She said 'fine' too."]


def test_nyt_nested_quote_closing_with_three_apostrophes() -> None:
    article = "Mr. Ames said, ''He told me 'never again.''' The talks ended."
    assert texts(article) == ["He told me 'never again.'"]


def test_apostrophes_do_not_open_quotes() -> None:
    article = ("Gore's plan for Tennessee’s schools in the ’90s didn't work, "
               "and the senator's aides weren't surprised.")
    assert texts(article) == []


def test_quote_across_paragraphs_gives_one_group() -> None:
    article = ("“We will fight for every vote,” Ms. Lee said. “This state deserves better.\n\n"
               "“And we will win it,” she added.")
    quotes = quotes_in_text(article)
    assert [q.text for q in quotes] == [
        "We will fight for every vote", "This state deserves better.", "And we will win it"]
    assert quotes[1].group == quotes[2].group == "Q2"
    assert quotes[0].group == "Q1"


def test_scare_quotes_are_kept_with_a_word_count() -> None:
    quotes = quotes_in_text("Critics called the plan a “giveaway” to banks.")
    assert [(q.text, q.words, q.sentence) for q in quotes] == [("giveaway", 1, False)]


# --- speakers -----------------------------------------------------------------------------

def test_speaker_after_the_quote_gets_the_full_name() -> None:
    article = ("Senator Maria Lopez arrived late. “The bill is dead,” Lopez said. "
               "Officials disagreed.")
    (q,) = quotes_in_text(article)
    assert q.speaker == "Maria Lopez"
    assert article[q.speaker_start : q.speaker_end] == "Lopez"


def test_said_before_name_and_colon_forms() -> None:
    article = ("“We are ready,” said Gov. Tom Reilly. Later, Anna Berg told reporters: "
               "“Nothing has changed.”")
    assert [q.speaker for q in quotes_in_text(article)] == ["Tom Reilly", "Anna Berg"]


def test_pronoun_resolves_to_nearest_person_outside_quotes() -> None:
    article = ("Prime Minister Erik Dahl met Carl Moss on Monday.\n\n"
               "Carl Moss spoke first. “Erik Dahl is wrong,” he said.")
    (q,) = quotes_in_text(article)
    assert q.speaker == "Carl Moss"


def test_description_and_continuation_paragraph() -> None:
    article = ("Belarusian leader Alyaksandr Lukashenka hosted the summit in Minsk.\n\n"
               "“We talked for hours,” the Belarusian leader said.\n\n"
               "“Nobody left the room.”")
    quotes = quotes_in_text(article)
    assert [q.speaker for q in quotes] == ["Alyaksandr Lukashenka"] * 2


def test_description_nobody_was_called_stays_in_its_own_words() -> None:
    # Nothing says Lukashenka is the leader: naming him would be a guess.
    article = ("Alyaksandr Lukashenka hosted the summit.\n\n"
               "“We talked for hours,” the Belarusian leader said.")
    (q,) = quotes_in_text(article)
    assert (q.speaker, q.source) == (None, "the Belarusian leader")


def test_unattributed_quote_has_no_speaker() -> None:
    (q,) = quotes_in_text("Banners read “No more war” across the city.")
    assert q.speaker is None and q.speaker_start is None


# --- people and places ------------------------------------------------------------------

def test_people_merge_surname_and_title_mentions() -> None:
    article = ("Donald J. Trump spoke in Ohio. Mr. Trump later met President Obama. "
               "Trump said the meeting went well.")
    people = {p.name: p for p in people_in_text(article)}
    assert set(people) == {"Donald J. Trump", "Obama"}
    assert len(people["Donald J. Trump"].mentions) == 3
    assert "Trump" in people["Donald J. Trump"].aliases


def test_organisations_places_and_sentence_words_are_not_people() -> None:
    article = ("The Republican National Committee met in New York on Monday. "
               "But Jane Fox of the Brookings Institution said The Washington Post erred.")
    assert [p.name for p in people_in_text(article)] == ["Jane Fox"]


def test_headline_case_line_is_not_read_as_names() -> None:
    article = "Social Sites Overflow When Crisis Strikes Paris\n\nUsers marked themselves safe."
    assert people_in_text(article) == []


def test_places_with_country_from_context() -> None:
    places = places_in_text("Talks were held in St. Petersburg, Russia, and later in Paris.")
    assert [(p.name, p.kind, p.country) for p in places] == [
        ("Saint Petersburg", "city", "Russia"), ("Russia", "country", None),
        ("Paris", "city", "France")]


# --- the seed article ---------------------------------------------------------------------

def test_seed_quotes_and_speakers() -> None:
    quotes = {q.text: q.speaker for q in quotes_in_text(SEED)}
    first = next(t for t in quotes if t.startswith("We will not hide the fact"))
    assert first.endswith("not through unreasonable demarches")
    for text in (first, "only fly-by-night politicians",
                 "by making a gift to those who are not interested in strengthening the "
                 "security of the CSTO member states.",
                 "This is irresponsible and short-sighted", "Armenian friends"):
        assert quotes[text] == "Alyaksandr Lukashenka"


def test_seed_people() -> None:
    names = [p.name for p in people_in_text(SEED)]
    for name in ("Vladimir Putin", "Alyaksandr Lukashenka", "Nikol Pashinyan",
                 "Andrei Serdyukov", "Imangali Tasmagambetov", "Sergei Aleinik"):
        assert name in names
    for wrong in ("Collective Security Treaty Organization", "Independence Palace",
                  "St. Petersburg", "Minsk", "Joint Staff"):
        assert not any(wrong in n for n in names)


def test_seed_places() -> None:
    places = {(p.name, p.kind): p.country for p in places_in_text(SEED)}
    assert places[("Minsk", "city")] == "Belarus"
    assert ("Belarus", "country") in places
    assert not any(name == "Independence" for name, _ in places)


def test_products_programmes_and_institutions_are_not_people() -> None:
    text = ("The group, best known for its Alfa Romeo marque, lost money. Finance Minister "
            "Trevor Manuel told the BBC's Talking Point programme that debts must go. The "
            "board of the Kessler Museum of Natural History named Dr. Amara Okonjo director.")
    names = [p.name for p in people_in_text(text)]
    assert names == ["Trevor Manuel", "Amara Okonjo"]
