"""Who did what, read off the parse: took part, stayed away, was appointed (and to what).

Each person mention is traced to the predicate that governs it (`governor`): through
compounds, conjunctions ("X and Y met"), appositions and "including" lists, to the verb or
noun it is the subject, object or by-agent of. The predicate's lemma, its negation and its
complements decide:

- stayed away: subject of skip/boycott/snub/miss ("X skipped the summit"), agent of a
  passive one ("skipped by X"), subject of a negated attend-verb ("X did not attend",
  "X has no plans to attend"), opting/pulling out, staying away or home, declining or
  refusing *to attend* (not "declined to comment"), or the owner of an absence ("X's
  absence", "the absence of X");
- appointed: object of appoint/name/hire/elect/... ("named X", "X was named P"), subject
  of a future or present "become" ("X will become P"), of replace/succeed ("X replaced Y
  as P"), agent of a passive replace ("to be replaced by X"), of taking on a role or over
  as P, or the "of X" of an appointment noun ("the appointment of X to the post of P");
- took part: subject, object or with-partner of a verb or noun of meeting, talks, debate,
  visits, speeches, votes ("X met Y", "talks with X").

Only general English: the word lists are verbs and nouns of the language, none taken
from an article.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from summarizer.text.nlp import sentence_of, span_index
from summarizer.text.phrases import entity_of, mention_root, phrase, title_before

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from summarizer.text.people import PersonCandidate

__all__ = ["Appointed", "Deeds", "governor", "read_deeds"]

ABSENCE_VERBS = frozenset(
    "skip boycott snub shun miss forgo forego avoid".split())
ATTEND_VERBS = frozenset(
    "attend come participate join go travel be take".split())
OUT_VERBS = {"opt": "out", "pull": "out", "sit": "out", "stay": "away", "bow": "out"}
STAY_HOME = frozenset(
    "home away".split())
REFUSE_VERBS = frozenset(
    "decline refuse".split())
ABSENCE_NOUNS = frozenset(
    "absence boycott no-show".split())
REFUSE_NOUNS = frozenset(
    "refusal decision failure".split())
GO_AHEAD = frozenset("go proceed open begin start convene end close continue".split())

APPOINT_VERBS = frozenset(
    "appoint name hire elect promote nominate choose pick tap select install designate "
    "confirm reappoint recruit draft".split())
APPOINT_NOUNS = frozenset(
    "appointment nomination election promotion selection".split())
REPLACE_VERBS = frozenset(
    "replace succeed".split())

MEET_VERBS = frozenset(
    "meet attend host visit talk discuss debate negotiate sign address speak welcome "
    "greet chair lead hold join vote gather testify convene confer tour join win lose "
    "contest present launch unveil deliver introduce receive apologise apologize "
    "cross-examine question hear".split())
MEET_NOUNS = frozenset(
    "meeting talks summit debate conference visit speech lecture hearing trial election "
    "convention session negotiations discussion interview rally ceremony vote".split())


@dataclass(frozen=True)
class Appointed:
    name: str
    position: str | None
    organization: str | None
    start: int  # the sentence, for ordering and evidence
    end: int


@dataclass(frozen=True)
class Party:
    """A party named only by its country or body: "the leaders of Kazakhstan"."""

    role: str
    affiliation: str
    start: int


PARTY_NOUNS = frozenset(
    "leader minister official delegation delegate representative envoy government "
    "ministers officials leaders delegates representatives president".split())


@dataclass
class Deeds:
    """What the parse says each person did (keys are canonical names)."""

    absent: dict[str, int] = field(default_factory=dict)  # name -> first evidence offset
    absent_reason: dict[str, str] = field(default_factory=dict)
    appointed: list[Appointed] = field(default_factory=list)
    took_part: dict[str, int] = field(default_factory=dict)  # name -> count
    subject: dict[str, int] = field(default_factory=dict)  # agentive mentions
    parties: list[Party] = field(default_factory=list)


def governor(tok: Token) -> tuple[str, Token]:
    """(relation, predicate) for the head word of a mention."""
    t = tok
    described = False  # an apposition: "the adviser of X, Y" says who Y is, not what Y did
    for _ in range(8):
        if t.dep_ in ("compound", "flat", "conj", "appos", "nmod") and t.head is not t:
            described = described or t.dep_ == "appos"
            t = t.head
            continue
        if t.dep_ == "pobj" and t.head.lower_ in ("including", "like") and t.head.head is not t:
            t = t.head.head  # "four candidates ..., including X": X is one of them
            if t.tag_ == "NN" and t.dep_ == "dobj":
                # "Senators will skip the convention, including X": people are listed
                # among the (plural) subject, not among a singular event.
                subj = [c for c in t.head.children if c.dep_ == "nsubj" and c.tag_ == "NNS"]
                t = subj[0] if subj else t
            continue
        break
    rel, head = t.dep_, t.head
    if described and (rel == "poss" or (rel == "pobj" and head.lower_ in ("of", "for"))):
        return "other", head
    if rel == "pobj":
        prep = head
        rel = f"pobj:{prep.lower_}"
        head = prep.head
        if prep.dep_ == "agent":
            rel = "agent"
    return rel, head


def _negated(*toks: Token) -> bool:
    for t in toks:
        for c in t.children:
            if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no"):
                return True
            if c.dep_ in ("dobj", "attr") and any(g.lower_ == "no" for g in c.children):
                return True
    return False


def _xcomps(verb: Token) -> Iterable[Token]:
    """The verb and the verbs it controls ("plans to attend", "will not be attending")."""
    yield verb
    for c in verb.children:
        if c.dep_ in ("xcomp", "ccomp") and c.pos_ in ("VERB", "AUX"):
            yield from _xcomps(c)
        if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") and not any(
                g.dep_ in ("nsubj", "nsubjpass") for g in c.children):
            yield from _xcomps(c)  # "was invited but did not attend": the same subject
        if c.dep_ in ("dobj", "attr") and c.pos_ == "NOUN":  # "no plans to attend"
            for g in c.children:
                if g.dep_ in ("acl", "relcl") and g.pos_ == "VERB":
                    yield g


def _absent(rel: str, pred: Token) -> bool:
    lemma = pred.lemma_.lower()
    if rel in ("nsubj", "nsubjpass") and pred.pos_ in ("VERB", "AUX"):
        for v in _xcomps(pred):
            vl = v.lemma_.lower()
            if vl in ABSENCE_VERBS and rel == "nsubj":
                return True
            if vl in OUT_VERBS and any(c.lower_ == OUT_VERBS[vl] for c in v.children):
                return True
            if vl == "stay" and any(c.lower_ in STAY_HOME for c in v.children):
                return True
            if vl in REFUSE_VERBS and any(x.lemma_.lower() in ATTEND_VERBS | {"be"}
                                          for x in list(_xcomps(v))[1:]):
                return True
            linked = any(c.dep_ in ("acomp", "attr", "oprd") for c in v.children)
            if vl in ATTEND_VERBS and vl not in ("be", "take", "go") and not linked and \
                    (_negated(v) or _negated(pred)):
                return True
            if vl == "be" and _negated(v) and any(  # "will not be in attendance"
                    c.dep_ == "prep" and any(g.lemma_ == "attendance" for g in c.children)
                    for c in v.children):
                return True
        return False
    if rel == "agent" and lemma in ABSENCE_VERBS:
        return True
    if rel == "pobj:without" and (lemma in MEET_VERBS | MEET_NOUNS | GO_AHEAD):
        return True  # "the meeting went ahead without X"
    if rel in ("poss", "pobj:of") and lemma in ABSENCE_NOUNS:
        return True
    # "X's refusal to attend"
    return rel == "poss" and lemma in REFUSE_NOUNS and any(
        c.lemma_.lower() in ATTEND_VERBS for c in pred.children if c.dep_ in ("acl", "xcomp"))


def _neither(tok: Token) -> bool:
    """"neither X nor Y attended / have participated": a negated subject."""
    sent = sentence_of(tok)
    before = tok.doc[max(sent.start, tok.i - 5) : tok.i]
    if not any(t.lower_ == "neither" for t in before):
        return False
    after = tok.doc[tok.i : min(sent.end, tok.i + 15)]
    return any(t.lemma_.lower() in ATTEND_VERBS - {"be", "go", "take", "come"} for t in after)


def _position(pred: Token, mention: Token | None = None) -> tuple[str | None, str | None]:
    """The post and organisation in an appointment clause: "as P", "P" (oprd/attr),
    "to the post of P", "the role of P"; the organisation is a possessor or an "of ORG"."""
    cands: list[Token] = []
    for c in pred.children:
        if c.dep_ in ("oprd", "attr", "xcomp") and c.pos_ in ("NOUN", "PROPN"):
            cands.append(c)
        if c.dep_ == "prep" and c.lower_ in ("as", "to"):
            cands += [g for g in c.children if g.dep_ == "pobj"]
        if c.dep_ == "dobj" and c.lemma_ in ("role", "post", "job", "position"):
            cands += [g for p in c.children if p.dep_ == "prep" and p.lower_ == "of"
                      for g in p.children if g.dep_ == "pobj"]
    for noun in cands:
        if noun.lemma_ in ("post", "position", "role", "job"):
            inner = [g for p in noun.children if p.dep_ == "prep" and p.lower_ == "of"
                     for g in p.children if g.dep_ == "pobj"]
            if inner:
                noun = inner[0]
        if noun.ent_type_ in ("PERSON", "ORG", "GPE"):
            continue  # a post is a role ("chief executive"), not a person or a body
        org = None
        for t in noun.subtree:
            if t.ent_type_ in ("ORG", "GPE", "NORP") and t.dep_ in ("poss", "pobj", "compound"):
                ent = entity_of(t)
                org = ent.text if ent is not None else t.text
                break
        return phrase(noun), org
    if mention is not None:  # "... X to the post of P" / "X ... as P", later in the sentence
        for t in sentence_of(mention):
            if t.i > mention.i and t.lower_ in ("as", "of") and t.dep_ == "prep" and (
                    t.lower_ == "as" or t.head.lemma_ in ("post", "position", "role")):
                objs = [g for g in t.children if g.dep_ == "pobj"]
                if objs and objs[0].ent_type_ != "PERSON":
                    return phrase(objs[0]), None
    return None, None


def _appointed(rel: str, pred: Token, mention: Token) -> tuple[str | None, str | None] | None:
    """(position, organization) when this mention is being appointed, else None."""
    lemma = pred.lemma_.lower()
    if lemma in APPOINT_VERBS and rel in ("nsubjpass", "dobj"):
        return _position(pred, mention)
    if lemma in APPOINT_NOUNS and rel == "pobj:of":
        return _position(pred, mention)
    if rel == "agent" and lemma in REPLACE_VERBS:  # "to be replaced by X": X takes Y's post
        post = _position(pred, mention)
        if post[0] is None:
            gone = [c for c in pred.children if c.dep_ == "nsubjpass"]
            if not gone and pred.dep_ in ("xcomp", "advcl", "conj"):
                gone = [c for c in pred.head.children if c.dep_ == "nsubj"]
            if gone and gone[0].pos_ == "PRON":  # "she will resign ..., to be replaced by X"
                names = [t for t in sentence_of(gone[0]) if t.i < gone[0].i and t.pos_ == "PROPN"
                         and t.dep_ in ("nsubj", "nsubjpass")]
                gone = names[-1:]
            title = title_before(gone[0]) if gone else None
            post = (title, None) if title else post
        return post
    verb = _verb_before(mention)
    if verb is not None:  # "naming businesswoman Carly Fiorina as ...", however it parsed
        return _position(verb, mention)
    if rel != "nsubj" or pred.pos_ not in ("VERB", "AUX"):
        return None
    for v in _xcomps(pred):
        vl = v.lemma_.lower()
        if vl == "become":
            # News of a post: "X will become P", "X becomes P", "X is to become P";
            # not "has become a close adviser" nor "tried to become a populist".
            auxes = {c.lower_ for c in v.children if c.dep_ in ("aux", "auxpass")}
            to_be = v is not pred and pred.lemma_ == "be" and "to" in auxes
            if v.tag_ == "VBZ" or auxes & {"will", "shall", "'ll"} or to_be:
                return _position(v, mention)
            continue
        if vl in REPLACE_VERBS:
            return _position(v, mention)
        if vl in ("take", "assume"):
            objs = [c for c in v.children if c.dep_ == "dobj"]
            if any(c.lower_ == "over" for c in v.children) or any(
                    o.lemma_ in ("role", "post", "job", "helm", "charge") for o in objs):
                return _position(v, mention)
    return None


def _verb_before(mention: Token) -> Token | None:
    """An appointing verb right before the name, over its title words: "named X",
    "hiring former minister X" (a shallow reading, for where the parse went astray)."""
    first = mention
    while first.i > sentence_of(first).start and first.nbor(-1).ent_type_ == "PERSON":
        first = first.nbor(-1)
    t = first
    for _ in range(4):
        if t.i <= sentence_of(t).start:
            return None
        t = t.nbor(-1)
        if t.pos_ == "VERB":
            return t if t.lemma_.lower() in APPOINT_VERBS and t.tag_ != "VBN" else None
        if t.pos_ not in ("DET", "ADJ", "NOUN", "PROPN") or t.is_punct:
            return None
    return None


def _through_include(rel: str, pred: Token) -> tuple[str, Token]:
    """"Candidates who plan to attend include X": X stands where the group does, as the
    subject of the group's relative clause."""
    if rel == "dobj" and pred.lemma_.lower() == "include":
        for subj in (c for c in pred.children if c.dep_ == "nsubj"):
            for clause in (t for t in subj.subtree if t.dep_ == "relcl"):
                return "nsubj", clause  # (the parser may hang it on a noun inside)
    return rel, pred


def _takes_part(rel: str, pred: Token) -> bool:
    lemma = pred.lemma_.lower()
    if rel == "nsubj" and pred.pos_ in ("VERB", "AUX") and not _negated(pred) and any(
            v.lemma_.lower() in MEET_VERBS and not _negated(v) for v in list(_xcomps(pred))[1:]):
        return True  # "X plans to attend", "X is expected to meet"
    return (lemma in MEET_VERBS and rel in ("nsubj", "dobj", "pobj:with", "agent", "nsubjpass")) \
        or (lemma in MEET_NOUNS and rel in ("pobj:with", "poss", "pobj:by", "pobj:between",
                                            "pobj:of"))


def _bodies(noun: Token) -> list[str]:
    """The countries or bodies a group noun belongs to: "the leaders of Kazakhstan,
    Kyrgyzstan and Tajikistan", "Russian officials", "the EU's ministers"."""
    from summarizer.text.lexicon import DEMONYMS

    found: list[Token] = []
    for c in noun.children:
        if c.dep_ in ("amod", "compound", "poss") and c.ent_type_ in ("GPE", "NORP", "ORG"):
            found.append(c)
        if c.dep_ == "prep" and c.lower_ == "of":
            for g in c.children:
                if g.dep_ == "pobj" and g.ent_type_ in ("GPE", "ORG"):
                    found.append(g)
                    found += [x for x in g.conjuncts if x.ent_type_ in ("GPE", "ORG", "NORP")]
    names = []
    for t in found:
        ent = entity_of(t)
        text = (ent.text if ent is not None else t.text).removeprefix("the ")
        names.append(DEMONYMS.get(text.lower()) or text)
    return list(dict.fromkeys(n for n in names if n))


def read_parties(doc: Doc, people_spans: list[tuple[int, int]]) -> list[Party]:
    """Unnamed parties that took part: a group noun that is the subject or object of a
    meeting verb, with its country or body."""
    out: list[Party] = []
    for tok in doc:
        if tok.pos_ != "NOUN" or tok.lemma_.lower() not in PARTY_NOUNS:
            continue
        if tok.tag_ != "NNS" and tok.lemma_.lower() not in ("delegation", "government"):
            continue  # "the minister" is one person, named elsewhere; "ministers" a party
        if any(s <= tok.idx < e for s, e in people_spans):
            continue
        rel, pred = governor(tok)
        if not _takes_part(rel, pred):
            continue
        for body in _bodies(tok):
            out.append(Party(phrase(tok) if len(phrase(tok)) <= 60 else tok.text, body,
                             tok.idx))
    return out


def read_deeds(doc: Doc, people: list[PersonCandidate], quoted: list[tuple[int, int]]) -> Deeds:
    """Every person's deeds, from every mention outside quotation marks."""
    deeds = Deeds()
    deeds.parties = read_parties(doc, [m for p in people for m in p.mentions])
    for p in people:
        for s, e in p.mentions:
            inside = span_index(s, quoted) is not None
            tok = mention_root(doc, s, e)
            if tok is None:
                continue
            rel, pred = _through_include(*governor(tok))
            # Absence and appointment count inside quotes too ("X has no plans to attend").
            if _absent(rel, pred) or _neither(tok):
                deeds.absent.setdefault(p.name, s)
                continue
            found = _appointed(rel, pred, tok)
            if found is not None:
                sent = sentence_of(tok)
                deeds.appointed.append(Appointed(p.name, *found, sent.start_char, sent.end_char))
                continue
            if inside:
                continue  # otherwise the words in a quote are the speaker's, not the writer's
            if rel in ("nsubj", "agent"):
                deeds.subject[p.name] = deeds.subject.get(p.name, 0) + 1
            if _takes_part(rel, pred):
                deeds.took_part[p.name] = deeds.took_part.get(p.name, 0) + 1
    return deeds

