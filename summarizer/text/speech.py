"""Words the speaker rules know: general English, never taken from one article.

spaCy's lemmatizer is off in our pipeline (the text layer does not need it), so speech
verbs are listed with their inflections.
"""

from __future__ import annotations


def _words(block: str) -> list[str]:
    return block.split()


def _inflect(lemmas: str) -> frozenset[str]:
    forms = set()
    for lemma in lemmas.split():
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        if lemma.endswith("y") and lemma[-2] not in "aeiou":
            forms |= {lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
        else:
            s = lemma + ("es" if lemma.endswith(("s", "sh", "ch", "x")) else "s")
            ed = lemma + "d" if lemma.endswith("e") else lemma + "ed"
            forms |= {lemma, s, ed, stem + "ing"}
    return frozenset(forms)


# Verbs that report speech or writing, general English (irregular forms listed apart).
SPEECH_VERBS = _inflect(
    "say add state declare announce explain ask answer reply respond note insist argue "
    "claim warn continue remark comment recall acknowledge admit complain suggest predict "
    "conclude concede contend assert quip joke shout yell scream whisper boast promise "
    "vow pledge urge caution stress emphasize emphasise observe counter agree recount "
    "tweet post tell write speak testify confirm deny mention muse lament retort chime "
    "demand proclaim reiterate allege affirm maintain marvel exclaim announce report "
    "interject snap question exhort press") | {
        "said", "told", "wrote", "written", "spoke", "spoken", "saying", "telling", "writing",
        "tweeted", "posted", "posting", "tweeting"}
PERSONAL = {"he": "m", "she": "f", "him": "m", "her": "f"}
RELATIVE = {"who", "that", "which", "whom"}
DEFINITE = {"the", "this", "that"}
TELL = {"tell", "tells", "told", "telling"}
TITLES = {"mr", "mrs", "ms", "miss", "dr", "sen", "rep", "gov", "gen", "sir", "president",
           "senator", "governor", "secretary", "minister"}
ABBREVIATIONS = {"senator": ("sen",), "governor": ("gov",), "representative": ("rep",),
                  "general": ("gen",), "doctor": ("dr",), "professor": ("prof",)}
SUBJECT_DEPS = ("nsubj",)
CLIMB_DEPS = ("conj", "xcomp", "advcl", "ccomp")
# Head nouns of a description that stands for a person already named ("the senator").
PERSON_NOUNS = frozenset(_words("""
    leader president senator governor candidate nominee minister chancellor premier
    spokesman spokeswoman spokesperson congressman congresswoman lawmaker mayor businessman
    businesswoman billionaire mogul chairman chairwoman secretary ambassador general host
    frontrunner front-runner politician king queen prince pope judge justice executive
    founder ceo director author actor actress star rival challenger incumbent man woman
    veteran commander diplomat envoy chief strategist adviser advisor aide manager pastor
    democrat republican senator-elect president-elect official officer lawyer attorney
    economist analyst professor expert representative speaker chair head
"""))
MALE_TITLES = {"mr", "mr.", "sir", "lord", "king", "prince"}
FEMALE_TITLES = {"mrs", "mrs.", "ms", "ms.", "miss", "dame", "lady", "queen", "princess"}
