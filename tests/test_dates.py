"""Date expressions are found and resolved in code, against the publication date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from summarizer.text.dates import DateMention, find_dates, parse_full_date

SEED = Path(__file__).resolve().parents[1] / "evals" / "articles" / "csto_minsk_summit.txt"
D = dt.date


def dates_of(text: str, published: dt.date | None) -> dict[str, dt.date | None]:
    return {m.expression: m.date for m in find_dates(text, published)}


def only(text: str, published: dt.date | None) -> DateMention:
    mentions = find_dates(text, published)
    assert len(mentions) == 1, mentions
    return mentions[0]


def test_seed_weekdays_resolve_against_friday_publication() -> None:
    text = SEED.read_text(encoding="utf-8")
    found = dates_of(text, D(2023, 11, 24))
    assert found["on Thursday"] == D(2023, 11, 23)
    assert found["on Wednesday"] == D(2023, 11, 22)


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("The leaders met on Wednesday in Ottawa.", D(2016, 6, 30), D(2016, 6, 29)),
        ("The change, formally announced on Wednesday, was a demotion.", D(2016, 8, 18),
         D(2016, 8, 17)),
        ("The paper reported the decision earlier Sunday.", D(2016, 7, 24), D(2016, 7, 24)),
        ("At a dinner on Friday night, the minister spoke.", D(2005, 2, 7), D(2005, 2, 4)),
        ("They will meet next Tuesday.", D(2023, 11, 24), D(2023, 11, 28)),
        ("They met last Friday.", D(2023, 11, 24), D(2023, 11, 17)),
        ("The vote is this coming Tuesday.", D(2023, 11, 24), D(2023, 11, 28)),
        ("The vote will be held on Tuesday.", D(2023, 11, 24), D(2023, 11, 28)),
    ],
)
def test_weekday_resolution(text: str, published: dt.date, expected: dt.date) -> None:
    mentions = [m for m in find_dates(text, published) if m.date is not None]
    assert [m.date for m in mentions] == [expected]


def test_reporting_verb_after_future_tense_keeps_past_reading() -> None:
    # "will" belongs to what was said; "said on Tuesday" is when it was said.
    mention = only("He will resign, the spokesman said on Tuesday.", D(2023, 11, 24))
    assert mention.date == D(2023, 11, 21)


def test_without_publication_date_relative_dates_stay_unresolved() -> None:
    for text in ("They met on Thursday.", "It happened yesterday.", "They met Nov. 23."):
        mention = only(text, None)
        assert mention.date is None
        assert mention.rule.startswith("unresolved")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The summit opened November 23, 2023 in Minsk.", D(2023, 11, 23)),
        ("The summit opened Nov. 23, 2023 in Minsk.", D(2023, 11, 23)),
        ("The summit opened on 23 November 2023 in Minsk.", D(2023, 11, 23)),
        ("The summit opened 2023-11-23 in Minsk.", D(2023, 11, 23)),
        ("The summit opened Thursday, Nov. 23, 2023 in Minsk.", D(2023, 11, 23)),
    ],
)
def test_absolute_dates_need_no_publication_date(text: str, expected: dt.date) -> None:
    mention = only(text, None)
    assert mention.date == expected
    assert text[mention.start:mention.end] == mention.expression


def test_day_and_month_without_year_take_the_year_closest_to_publication() -> None:
    assert only("He was fired on June 20.", D(2016, 8, 18)).date == D(2016, 6, 20)
    # In a January article, "Dec. 30" is last month, not eleven months ahead.
    assert only("The deal closed Dec. 30.", D(2024, 1, 5)).date == D(2023, 12, 30)


def test_relative_day_words() -> None:
    found = dates_of("Talks ended yesterday; a vote is due tomorrow and results today.",
                     D(2023, 11, 24))
    assert found == {"yesterday": D(2023, 11, 23), "tomorrow": D(2023, 11, 25),
                     "today": D(2023, 11, 24)}


def test_weeks_and_months_are_never_given_a_day() -> None:
    text = "Fiat said last week it would cut jobs, and the board meets next month, in April."
    mentions = find_dates(text, D(2005, 2, 1))
    assert [m.expression for m in mentions] == ["last week", "next month", "April"]
    assert all(m.date is None for m in mentions)
    assert mentions[0].rule == "unresolved: a week is not a day"


def test_names_and_verbs_are_not_dates() -> None:
    text = ("Theresa May said they may not march on, as the Sunday Times and USA Today reported "
            "after Black Friday and Super Tuesday.")
    assert find_dates(text, D(2023, 11, 24)) == []


def test_mentions_are_in_text_order_and_index_the_text() -> None:
    text = "On Monday, Nov. 13, talks began; on Wednesday they stalled; today they resumed."
    mentions = find_dates(text, D(2023, 11, 24))
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    assert all(text[m.start:m.end] == m.expression for m in mentions)
    # The explicit "Nov. 13" wins over reading "Monday" as the Monday before publication.
    assert [m.date for m in mentions] == [D(2023, 11, 13), D(2023, 11, 22), D(2023, 11, 24)]


def test_parse_full_date_requires_a_year() -> None:
    assert parse_full_date("November 24, 2023") == D(2023, 11, 24)
    assert parse_full_date("November 24") is None
