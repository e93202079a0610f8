"""Verbatim context around candidates: roles, affiliations, cue sentences, the lead."""

from __future__ import annotations

from summarizer.text.candidates import people_in_text
from summarizer.text.context import (
    ABSENCE_CUES,
    APPOINTMENT_CUES,
    Descriptor,
    cue_people,
    describe_near,
    lead,
    position_near,
)


def _described(text: str) -> dict[str, Descriptor]:
    return {p.name: describe_near(text, p) for p in people_in_text(text)}


def test_roles_and_affiliations_come_from_the_words_before_a_name(seed_text: str) -> None:
    found = _described(seed_text)
    assert found["Vladimir Putin"] == Descriptor("President", "Russia")
    assert found["Alyaksandr Lukashenka"].affiliation == "Belarus"  # "Belarus’s Alyaksandr"
    assert found["Andrei Serdyukov"] == Descriptor("Colonel General", "Russia")
    assert found["Imangali Tasmagambetov"] == Descriptor("Secretary-General", "CSTO")
    assert found["Sergei Aleinik"] == Descriptor("Foreign Minister", "Belarus")


def test_an_appositive_gives_role_and_organisation() -> None:
    text = ("Stephen Bannon, the executive chairman of Breitbart News LLC, will become the "
            "campaign's chief executive.")
    assert _described(text)["Stephen Bannon"] == Descriptor("executive chairman",
                                                             "Breitbart News LLC")


def test_the_previous_sentence_never_describes_a_name() -> None:
    text = "He will remain campaign manager. Paul Manafort said little."
    assert _described(text)["Paul Manafort"].role is None


def test_absence_cues_pick_people_nearest_to_the_cue(seed_text: str) -> None:
    people = people_in_text(seed_text)
    absent = cue_people(seed_text, people, ABSENCE_CUES)
    assert "Nikol Pashinyan" in absent
    assert "Andrei Serdyukov" not in absent  # never in a sentence about staying away
    assert cue_people(seed_text, people, APPOINTMENT_CUES) == ["Andrei Serdyukov"]


def test_the_post_named_after_the_appointee(seed_text: str) -> None:
    serdyukov = next(p for p in people_in_text(seed_text) if p.name == "Andrei Serdyukov")
    assert position_near(seed_text, serdyukov) == "head of the Joint Staff of the CSTO"


def test_lead_skips_headline_dateline_and_labels(seed_text: str) -> None:
    start, end = lead(seed_text, None)
    assert seed_text[start:end].startswith("Leaders from five former Soviet countries")
    text = "Fiat chief quits\n\nABSTRACT.\n\nThe chief executive of Fiat quit on Monday, the " \
           "company said. Its shares fell by four percent in Milan.\n\nMore later."
    start, end = lead(text, "Fiat chief quits")
    assert text[start:end] == ("The chief executive of Fiat quit on Monday, the company "
                               "said. Its shares fell by four percent in Milan.")


def test_who_reports_an_absence_is_not_the_absentee() -> None:
    text = ("Mayor Ana Ruiz skipped the summit. Governor Tom Hale said Ruiz’s absence "
            "was discussed at length.")
    assert cue_people(text, people_in_text(text), ABSENCE_CUES) == ["Ana Ruiz"]
