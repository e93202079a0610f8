"""Date expressions found and resolved in code, so the model never has to write a date.

`find_dates` lists every date-like expression with the day it denotes, resolved against the
publication date where the text is relative ("on Thursday", "yesterday"). Expressions that
name a span rather than a day ("last week", "in April") are reported with `date=None` and a
rule saying why: inventing a day would be false precision. Focused regexes are used instead
of a general date parser because those are slow and find dates in "may" and "March on".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["DateMention", "find_dateline", "find_dates", "parse_full_date"]

NO_PUBLISHED = "unresolved: no publication date"


@dataclass(frozen=True)
class DateMention:
    """One date expression: `text[start:end] == expression`; `rule` says how it was resolved."""

    expression: str
    start: int
    end: int
    date: dt.date | None
    rule: str


_MONTH_NUMBERS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_FULL_MONTH = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
# Abbreviations only count next to a day number, where "Mar" or "Jun" cannot be a word.
_MONTH = rf"(?:{_FULL_MONTH}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WEEKDAY = "|".join(_WEEKDAYS)
_OPT_WEEKDAY = rf"(?:(?:{_WEEKDAY}),?\s+)?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_END = r"(?![\w])"  # not `\b`: an abbreviation may end in "." before a space

_ISO = re.compile(r"(?<![\d-])(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)")
_MDY = re.compile(rf"{_OPT_WEEKDAY}(?P<month>{_MONTH})\s+{_DAY},?\s+(?P<year>\d{{4}})(?!\d)")
_DMY = re.compile(
    rf"{_OPT_WEEKDAY}(?<!\d){_DAY}\s+(?:of\s+)?(?P<month>{_MONTH}),?\s+(?P<year>\d{{4}})(?!\d)"
)
_MD = re.compile(rf"{_OPT_WEEKDAY}(?P<month>{_MONTH})\s+{_DAY}(?![\d:])(?!,?\s*\d)")
_DM = re.compile(rf"{_OPT_WEEKDAY}(?<![\d.,]){_DAY}\s+(?:of\s+)?(?P<month>{_MONTH}){_END}")
_MONTH_YEAR = re.compile(rf"(?P<month>{_MONTH})\s+(?P<year>(?:1[89]|20)\d\d)(?!\d)")
# A month alone is only a date phrase after a preposition ("in April"); "May" needs one of
# the unambiguous ones, since "by May" is as likely to be Theresa May.
_MONTH_ALONE = re.compile(
    rf"(?:\b(?:in|since|until|through|early|late|mid-?|during|by|from|before|after)\s+"
    rf"(?P<month>{_FULL_MONTH.replace('May|', '')})|\b(?:in|since|until|early|late|mid-?)\s+"
    rf"(?P<may>May))(?![\w])"
)

_DAY_WORDS = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
_DAY_WORD = re.compile(
    r"(?<!USA\s)\b(?P<word>[Tt]oday|[Tt]onight|[Yy]esterday|[Tt]omorrow)\b"
    r"(?!\s+(?:programme|program|show|newspaper)\b)"
)
_PART_OF_DAY = re.compile(
    r"\b(?P<which>[Tt]his|[Ll]ast)\s+(?P<part>morning|afternoon|evening|night)\b"
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10,
}
_DAYS_AGO = re.compile(r"\b(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"
                       r"\s+days?\s+ago\b", re.IGNORECASE)
_SPAN = re.compile(
    r"\b(?:(?:[Ee]arlier|[Ll]ater)\s+)?(?:[Ll]ast|[Tt]his|[Nn]ext|[Pp]ast|[Cc]oming)\s+"
    r"(?P<unit>week|weekend|month|year)\b"
    r"|\b(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|a)\s+"
    r"(?P<unit2>weeks|week|months|month|years|year)\s+ago\b"
)
_WEEKDAY_RE = re.compile(
    r"(?:\b(?P<mod>[Tt]his\s+coming|[Nn]ext|[Ll]ast|[Tt]his|[Cc]oming|[Pp]ast|[Oo]n|[Ee]arlier"
    r"|[Ll]ater|[Ee]arly|[Ll]ate)\s+)?"
    rf"\b(?P<wd>{_WEEKDAY})(?!\w)"
    r"(?P<part>\s+(?:morning|afternoon|evening|night))?"
)
# Holidays and newspapers that contain a weekday but are not a day of this week.
_WEEKDAY_NAME_BEFORE = re.compile(
    r"\b(?:Black|Good|Cyber|Super|Ash|Holy|Maundy|Easter|Bloody|Palm|Giving|Shrove|Fat"
    r"|Whit|Mothering)\s+$"
)
_WEEKDAY_NAME_AFTER = re.compile(
    r"^\s+(?:Times|Telegraph|Express|Mirror|Post|Herald|Mail|Star|Independent|People|Sport"
    r"|Tribune|Night\s+Football)\b"
)
# A bare weekday after these in the same clause is the coming one ("will meet on Tuesday").
_FUTURE_MARKER = re.compile(
    r"\b(?:will|shall|is\s+to|are\s+to|(?:is|are)\s+due|due\s+to|scheduled|set\s+to|plans?\s+to"
    r"|planning\s+to|expected\s+to|to\s+be\s+held|(?:is|are)\s+going\s+to)\b|\w'll\b"
)
_REPORTING_VERB = re.compile(r"\b(?:said|says|told|announced|reported|wrote|added)\b")
_CLAUSE_BREAK = re.compile(r"[.!?;\"“”]")


def _month_number(name: str) -> int:
    return _MONTH_NUMBERS[name.rstrip(".").lower()]


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _closest_year(month: int, day: int, published: dt.date) -> dt.date | None:
    candidates = [
        d for y in (published.year - 1, published.year, published.year + 1)
        if (d := _safe_date(y, month, day)) is not None
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda d: abs((d - published).days))


_Found = tuple[int, int, dt.date | None, str]


def _absolute(pattern: re.Pattern[str], text: str) -> Iterator[_Found]:
    for m in pattern.finditer(text):
        month = int(m["month"]) if m["month"].isdigit() else _month_number(m["month"])
        date = _safe_date(int(m["year"]), month, int(m["day"]))
        if date is not None:
            yield m.start(), m.end(), date, "absolute"


def _no_year(pattern: re.Pattern[str], text: str, published: dt.date | None) -> Iterator[_Found]:
    for m in pattern.finditer(text):
        month, day = _month_number(m["month"]), int(m["day"])
        if _safe_date(2000, month, day) is None:  # 2000 is a leap year: Feb 29 is valid
            continue
        if published is None:
            yield m.start(), m.end(), None, "unresolved: no year and no publication date"
        else:
            date = _closest_year(month, day, published)
            yield m.start(), m.end(), date, "no year: the one closest to publication"


def _months(text: str) -> Iterator[_Found]:
    for m in _MONTH_YEAR.finditer(text):
        yield m.start(), m.end(), None, "unresolved: a month is not a day"
    for m in _MONTH_ALONE.finditer(text):
        group = "month" if m["month"] else "may"
        yield m.start(group), m.end(group), None, "unresolved: a month is not a day"


def _day_words(text: str, published: dt.date | None) -> Iterator[_Found]:
    for m in _DAY_WORD.finditer(text):
        if published is None:
            yield m.start(), m.end(), None, NO_PUBLISHED
            continue
        offset = _DAY_WORDS[m["word"].lower()]
        yield m.start(), m.end(), published + dt.timedelta(days=offset), f"relative: {offset:+d}d"
    for m in _PART_OF_DAY.finditer(text):
        # "last morning" is not English; "last night" is the evening before publication.
        if m["which"].lower() == "last" and m["part"] != "night":
            continue
        offset = -1 if m["which"].lower() == "last" else 0
        date = published + dt.timedelta(days=offset) if published else None
        yield m.start(), m.end(), date, f"relative: {offset:+d}d" if published else NO_PUBLISHED
    for m in _DAYS_AGO.finditer(text):
        n = m["n"].lower()
        days = int(n) if n.isdigit() else _NUMBER_WORDS[n]
        if published is None:
            yield m.start(), m.end(), None, NO_PUBLISHED
        else:
            yield m.start(), m.end(), published - dt.timedelta(days=days), f"relative: -{days}d"


def _spans(text: str) -> Iterator[_Found]:
    for m in _SPAN.finditer(text):
        unit = (m["unit"] or m["unit2"]).rstrip("s")
        yield m.start(), m.end(), None, f"unresolved: a {unit} is not a day"


def _is_future_context(text: str, start: int) -> bool:
    before = text[max(0, start - 80):start]
    clause = _CLAUSE_BREAK.split(before)[-1]
    markers = list(_FUTURE_MARKER.finditer(clause))
    if not markers:
        return False
    # "will ..., she said on Tuesday": the weekday belongs to the reporting verb.
    return _REPORTING_VERB.search(clause, markers[-1].end()) is None


def _weekdays(text: str, published: dt.date | None) -> Iterator[_Found]:
    for m in _WEEKDAY_RE.finditer(text):
        if _WEEKDAY_NAME_BEFORE.search(text[max(0, m.start("wd") - 12):m.start("wd")]):
            continue
        if _WEEKDAY_NAME_AFTER.match(text[m.end("wd"):m.end("wd") + 25]):
            continue
        if published is None:
            yield m.start(), m.end(), None, NO_PUBLISHED
            continue
        target = _WEEKDAYS.index(m["wd"])
        mod = " ".join((m["mod"] or "").lower().split())
        back = (published.weekday() - target) % 7
        ahead = (target - published.weekday()) % 7
        if mod in ("next", "this coming", "coming"):
            offset, rule = ahead or 7, "weekday: the next one after publication"
        elif mod in ("last", "past"):
            offset, rule = -(back or 7), "weekday: the last one before publication"
        elif _is_future_context(text, m.start()):
            offset, rule = ahead, "weekday, future tense: the coming one (or publication day)"
        else:
            offset, rule = -back, "weekday: the most recent one (or publication day)"
        yield m.start(), m.end(), published + dt.timedelta(days=offset), rule


def find_dates(text: str, published: dt.date | None) -> list[DateMention]:
    """Every date expression in `text`, in text order, resolved against `published`."""
    finders: list[Callable[[], Iterator[_Found]]] = [
        lambda: _absolute(_ISO, text),
        lambda: _absolute(_MDY, text),
        lambda: _absolute(_DMY, text),
        lambda: _no_year(_MD, text, published),
        lambda: _no_year(_DM, text, published),
        lambda: _months(text),
        lambda: _day_words(text, published),
        lambda: _spans(text),
        lambda: _weekdays(text, published),
    ]
    found = [hit for finder in finders for hit in finder()]
    # Overlaps ("On Thursday, Nov. 23, 2023" also holds "On Thursday" and "Nov. 23"): the
    # longest match wins, so an explicit date beats the relative reading of its weekday.
    found.sort(key=lambda hit: (-(hit[1] - hit[0]), hit[0]))
    taken: list[_Found] = []
    for hit in found:
        if all(hit[1] <= t[0] or hit[0] >= t[1] for t in taken):
            taken.append(hit)
    mentions = [DateMention(text[s:e], s, e, date, rule) for s, e, date, rule in sorted(taken)]
    return mentions


_LABELLED = re.compile(
    r"^[ \t]*(?:first[ \t]+published|published|posted|dated|date)(?:[ \t]+on)?\b"
    r"[ \t]*:?[ \t]*(?P<rest>[^\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
# What may follow a date on a line of its own: a time and a time zone ("10:32 GMT").
_TIME_TAIL = re.compile(
    r"[\s,.|\-–—]*(?:(?:at[ \t]+)?\d{1,2}[:.]\d{2}(?:[ \t]*[AaPp]\.?[Mm]\.?)?"
    r"(?:[ \t]*\(?[A-Z]{2,5}\)?)?)?[\s.]*"
)


def _date_at_start(line: str) -> DateMention | None:
    mentions = find_dates(line[:60], None)
    if mentions and mentions[0].start == 0 and mentions[0].rule == "absolute":
        return mentions[0]
    return None


def find_dateline(text: str, *, window: int = 300) -> dt.date | None:
    """The publication date stated at the top of the article, if any.

    Recognises a labelled date at the start of a line ("date 2023-11-24 MINSK — ...",
    "Published: November 24, 2023", "Published 24 Nov 2023 10:32 GMT", "Date: 2023-11-24")
    and a line holding nothing but a full date ("2023-11-24", "Friday, November 24, 2023").
    A date elsewhere in a sentence is not a dateline: it may be any event's date.
    """
    head = text[:window]
    for m in _LABELLED.finditer(head):
        mention = _date_at_start(m["rest"])
        if mention is not None:
            return mention.date
    for line in head.split("\n"):
        line = line.strip()
        mention = _date_at_start(line)
        if mention is not None and _TIME_TAIL.fullmatch(line[mention.end:]):
            return mention.date
    return None


def parse_full_date(text: str) -> dt.date | None:
    """The first complete date (with a year) in `text`, e.g. "Nov. 24, 2023" or "2023-11-24"."""
    for mention in find_dates(text, None):
        if mention.rule == "absolute":
            return mention.date
    return None
