"""Quote speakers read off the spaCy parse (summarizer.text.quotes), on sentences written
for these tests."""

from __future__ import annotations

import pytest

from summarizer.text.nlp import parse
from summarizer.text.people import find_people
from summarizer.text.quotes import QuoteCandidate, find_quotes


def quotes(article: str) -> list[QuoteCandidate]:
    doc = parse(article)
    found = find_quotes(doc, find_people(doc))
    for q in found:  # the invariant every caller relies on
        assert article[q.start : q.end] == q.text
        if q.speaker_start is not None:
            assert q.speaker_end is not None and q.speaker_end > q.speaker_start
    return found


def speakers(article: str) -> list[str | None]:
    return [q.speaker for q in quotes(article)]


def test_he_said_after_a_named_speaker_gets_the_full_name() -> None:
    article = ("Senator Maria Lopez arrived late on Tuesday.\n\n"
               "“The bill is dead and everyone in this building knows it,” Lopez said.\n\n"
               "Later Thomas Weber spoke to the press. “We will keep trying,” he said.")
    found = quotes(article)
    assert [q.speaker for q in found] == ["Maria Lopez", "Thomas Weber"]
    assert article[found[0].speaker_start : found[0].speaker_end] == "Lopez"
    # "he" names the mention it stands for.
    assert article[found[1].speaker_start : found[1].speaker_end] == "Thomas Weber"


def test_pronoun_skips_people_named_only_inside_quotes() -> None:
    article = ("Carl Moss met reporters on Monday.\n\n"
               "“I never trusted Erik Dahl with the budget,” he said.")
    assert speakers(article) == ["Carl Moss"]


def test_she_skips_a_man_known_by_his_title() -> None:
    article = ("Ms. Helen Park met Mr. David Grant in the capital.\n\n"
               "Mr. Grant left early. “The talks went nowhere today,” she said.")
    assert speakers(article) == ["Helen Park"]


def test_according_to_names_the_speaker() -> None:
    article = ("“The deficit will double within five years,” according to Paul Nilsen, "
               "an economist at the institute.")
    assert speakers(article) == ["Paul Nilsen"]


def test_speaker_before_a_colon() -> None:
    article = "Anna Berg told reporters: “Nothing has changed in our plans.”"
    (q,) = quotes(article)
    assert q.speaker == "Anna Berg"
    assert article[q.speaker_start : q.speaker_end] == "Anna Berg"


def test_said_colon_at_the_end_of_the_previous_paragraph() -> None:
    article = ("At the rally, Governor Tom Reilly said:\n\n"
               "“This state will not be bullied by anyone in Washington.”")
    assert speakers(article) == ["Tom Reilly"]


def test_said_before_the_name() -> None:
    article = "“We are ready for the vote,” said Gov. Tom Reilly of Ohio."
    assert speakers(article) == ["Tom Reilly"]


def test_continuation_paragraph_keeps_the_speaker() -> None:
    article = ("“We will fight for every single vote,” Linda Hayes said.\n\n"
               "“Nobody in this campaign is giving up on the rural counties.”\n\n"
               "Her rival, Mark Stone, did not respond.")
    assert speakers(article) == ["Linda Hayes", "Linda Hayes"]


def test_quote_running_across_paragraphs_shares_its_speaker() -> None:
    article = ("Robert Chen said the plan was flawed. “It costs too much and does too "
               "little for the people who need it most.\n\n"
               "“And it was written in secret,” he added.")
    found = quotes(article)
    assert found[0].group == found[1].group
    assert [q.speaker for q in found] == ["Robert Chen", "Robert Chen"]


def test_second_quote_of_the_same_paragraph() -> None:
    article = ("“The factory will close in March,” Susan Wright said. “About 400 jobs will "
               "go with it.”")
    assert speakers(article) == ["Susan Wright", "Susan Wright"]


def test_a_source_that_is_not_a_person_is_kept_in_its_own_words() -> None:
    article = "“Prices will rise again next year,” the report said."
    (q,) = quotes(article)
    assert q.speaker is None  # a summary's speaker is a person
    assert q.source == "the report"
    assert article[q.speaker_start : q.speaker_end] == "the report"


def test_description_resolves_to_the_person_named_before() -> None:
    article = ("Prime Minister Erik Dahl visited the flooded towns on Friday.\n\n"
               "“We will rebuild every bridge,” the prime minister said.")
    assert speakers(article) == ["Erik Dahl"]


@pytest.mark.parametrize("article", [
    "Banners read “No more war in our name” across the city.",
    "“Everything must go by Sunday,” read the sign in the window.",
])
def test_quote_with_no_speaker_stays_unattributed(article: str) -> None:
    (q,) = quotes(article)
    assert q.speaker is None and q.source is None and q.speaker_start is None


def test_two_speakers_in_one_paragraph_are_kept_apart() -> None:
    article = ("“The vote was rigged from the start,” Daniel Ortiz said, but Karen Lee "
               "disagreed: “Every ballot was counted twice.”")
    assert speakers(article) == ["Daniel Ortiz", "Karen Lee"]


def test_reporter_of_an_indirect_statement_owns_the_quoted_fragment() -> None:
    article = ("Helen Marsh told the radio station that Victor Lane “had a reckless plan for "
               "the harbour,” adding that “it would ruin the fishing towns along the coast.”")
    assert speakers(article) == ["Helen Marsh", "Helen Marsh"]


def test_a_name_modifying_a_noun_is_not_the_speaker() -> None:
    article = ("Mayor Julia Brandt spoke at noon.\n\n"
               "“The mayor has no plan for the river at all,” a Brandt adviser said.")
    (q,) = quotes(article)
    assert (q.speaker, q.source) == (None, "a Brandt adviser")


def test_a_sentence_after_the_quote_that_reports_something_else_is_not_its_cue() -> None:
    article = ("“This budget will not pass the house,” Oliver Grant said. “Nobody will vote "
               "for it.” Rachel Stone said she would support the budget anyway.")
    assert speakers(article) == ["Oliver Grant", "Oliver Grant"]


def test_a_quoted_title_is_not_a_quoted_sentence() -> None:
    article = ("The column, titled “Why The Senate Must Act Now On Trade,” ran on Sunday. "
               "“We must act now on trade,” Oliver Grant said.")
    assert [q.sentence for q in quotes(article)] == [False, True]


def test_a_pronoun_passes_its_reference_on_to_the_next_he() -> None:
    from summarizer.text.candidates import quotes_in_text

    text = ("Mark Hale met Tom Ross on Monday. Asked who would lead, he named Ross.\n\n"
            "\u201cI would pick Tom for now,\u201d he said.")
    (q,) = quotes_in_text(text)
    assert q.speaker == "Mark Hale"
