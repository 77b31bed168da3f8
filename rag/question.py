"""What a question asks for: the answer type, the words evidence must match, and its constraints.

    q = analyse("How many attacks were there in Balochistan in 2010?", nlp)
    q.qtype is QType.NUMBER; q.head.lemma == "attack"; q.date_keys == {"2010"}

Types come from the wh-word and the parse (the noun a "what/which" asks about, the verb a "who" hangs
on), not from keyword overlap: "What was the FDI in FY26?" asks for a number, "Who did Pakistan blame?"
asks for the object of "blame", not its subject.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from spacy.language import Language
from spacy.tokens import Token

from rag.nlp import parse, with_entities
from rag.normalise import CODE, find_dates, numbers, without_dates
from rag.wordlists import (
    AUX_WORDS,
    LIGHT_VERBS,
    MEASURE_NOUNS,
    NAME_VERBS,
    ORG_NOUNS,
    PERSON_NOUNS,
    PLACE_NOUNS,
    QUANTITY_NOUNS,
    REASON_NOUNS,
    REASON_VERBS,
    ROLE_NOUNS,
    SKIP_LEMMAS,
    TIME_NOUNS,
    TYPE_NOUNS,
    WH_WORDS,
    words,
)


class QType(StrEnum):
    NUMBER = "number"
    PERSON = "person"
    ORG = "organisation"
    PLACE = "place"
    DATE = "date"
    NAME = "name"
    REASON = "reason"
    YESNO = "yes/no"
    DESCRIBE = "description"  # "Who is Abdul Basit?", "What is Gwadar?"
    WHAT = "what"


# spaCy entity labels that can answer each type, with how well they fit ("who" is usually a person, but
# "Who did Pakistan blame?" is answered by a country). QUOTED = a short phrase in quotation marks,
# PROPN = a run of proper nouns the entity tagger missed.
LABELS: dict[QType, dict[str, float]] = {
    QType.NUMBER: {"CARDINAL": 1.0, "MONEY": 1.0, "QUANTITY": 1.0, "PERCENT": 1.0},
    QType.PERSON: {"PERSON": 1.0, "ORG": 0.75, "NORP": 0.7, "GPE": 0.7, "PROPN": 0.8},
    QType.ORG: {"ORG": 1.0, "NORP": 0.7, "GPE": 0.5, "PROPN": 0.6},
    QType.PLACE: {"GPE": 1.0, "LOC": 1.0, "FAC": 0.9, "PROPN": 0.6, "ORG": 0.5},  # the tagger often calls a province an ORG
    QType.DATE: {"DATE": 1.0, "TIME": 0.8},
    QType.NAME: {"QUOTED": 1.0, "WORK_OF_ART": 1.0, "EVENT": 0.9, "LAW": 0.9, "PRODUCT": 0.9, "ORG": 0.6, "FAC": 0.6},
}


_NON_NAME_LABELS = words("DATE TIME CARDINAL MONEY PERCENT QUANTITY ORDINAL")
_VERB_WORDS = words("name list tell give describe explain")  # imperatives: "Name the country's port."
_WEEKDAYS = words("monday tuesday wednesday thursday friday saturday sunday")


@dataclass(frozen=True)
class Term:
    lemma: str
    text: str  # lower case
    weight: float
    acronym: bool = False  # "FDI" also matches "foreign direct investment"


@dataclass(frozen=True)
class Question:
    text: str
    qtype: QType
    terms: tuple[Term, ...] = ()  # content words to look for in evidence
    head: Term | None = None  # the thing asked about: "attacks" in "how many attacks"
    head_is_measure: bool = False
    required: tuple[Term, ...] = ()  # must be in the evidence sentence: "literacy" in "literacy rate"
    head_phrase: tuple[Term, ...] = ()  # must appear as a phrase: "chief minister" (not "Army Chief … Minister")
    specifiers: tuple[str, ...] = ()  # names that qualify the head ("Pakistan" in "prime minister of Pakistan")
    entities: tuple[str, ...] = ()  # named things; must be in the evidence's source
    date_keys: frozenset[str] = frozenset()  # normalise.date_keys the evidence must mention
    numbers: frozenset[float] = frozenset()
    codes: tuple[str, ...] = ()
    verbs: tuple[Term, ...] = ()  # the question's content verbs ("invest" in "how much did China invest")
    wh_role: str | None = None  # "subject" | "object" of wh_verb
    wh_verb: str | None = None
    negated: bool = False
    labels: dict[str, float] = field(default_factory=dict)


def analyse(text: str, nlp: Language, as_of: dt.date | None = None) -> Question:
    doc = with_entities(parse(nlp, text))
    words = [t for t in doc if not t.is_punct and not t.is_space]
    wh = next((t for t in words if t.lower_ in WH_WORDS), None)
    if words and words[0].lower_ in AUX_WORDS and (wh is None or wh.i > words[0].i + 1):
        qtype, noun = QType.YESNO, None
    elif wh is None and words and words[0].lower_ == "name" and len(words) > 1:
        qtype, noun = _type_of_noun(_noun_after(words[0]))  # "Name the country's sole deep-water harbour."
    elif wh is None:
        qtype, noun = QType.WHAT, None
    else:
        qtype, noun = _type_from_wh(wh)
    head = _head_noun(noun) if noun is not None else None
    if head is not None and head.lemma_.lower() == "name":
        qtype, head = QType.NAME, _of_object(head) or head
    head_is_measure = head is not None and head.lemma_.lower() in MEASURE_NOUNS
    required = _required(head, head_is_measure, qtype) if head is not None else []
    role, verb = _wh_role(wh, doc) if wh is not None and qtype not in (QType.YESNO, QType.WHAT) else (None, None)
    return Question(
        text=text,
        qtype=qtype,
        terms=tuple(_terms(words, wh)),
        head=_term(head) if head is not None else None,
        head_is_measure=head_is_measure,
        required=tuple(_term(t) for t in required),
        head_phrase=_head_phrase(head, required) if not head_is_measure else (),
        specifiers=tuple(t.lower_ for t in _modifiers(head) if t.pos_ == "PROPN" or t.ent_type_) if head is not None else (),
        entities=_entities(doc),
        date_keys=_date_constraints(text, as_of),
        numbers=frozenset(numbers(without_dates(CODE.sub(" ", text)))),
        codes=tuple(m.group(0) for m in CODE.finditer(text) if not m.group(0).isdigit()),
        verbs=tuple(_term(t) for t in words if t.pos_ == "VERB" and t.lemma_.lower() not in LIGHT_VERBS),
        wh_role=role,
        wh_verb=verb,
        negated=any(t.dep_ == "neg" for t in doc),
        labels=LABELS.get(qtype, {}),
    )


def _entities(doc) -> tuple[str, ...]:
    """Named things in the question, including proper nouns the tagger left unlabelled ("Pahalgam")."""
    names = [e for e in doc.ents if e.label_ not in _NON_NAME_LABELS and not CODE.fullmatch(e.text) and e.text.lower() not in WH_WORDS]
    inside = {t.i for e in doc.ents for t in e}
    loose = [
        t for t in doc if t.pos_ == "PROPN" and t.i not in inside and not CODE.fullmatch(t.text) and t.lower_ not in WH_WORDS | _VERB_WORDS
    ]
    return tuple(name for name in [e.text for e in names] + [t.text for t in loose] if _latin(name))


def _latin(word: str) -> bool:
    """Whether a word is written (at least partly) in Latin letters. A question that passed validation is
    mostly English; a gloss in another script ("Balochistan (بلوچستان)") repeats a word already there and
    no English passage can match it, so it must not become a term the evidence has to contain."""
    letters = [c for c in word if c.isalpha()]
    return not letters or any(unicodedata.name(c, "").startswith("LATIN") for c in letters)


def _type_from_wh(wh: Token) -> tuple[QType, Token | None]:
    word, nxt = wh.lower_, wh.nbor(1) if wh.i + 1 < len(wh.doc) else None
    copula = nxt is not None and nxt.lemma_ == "be" and nxt.dep_ == "ROOT"
    if copula and word in ("who", "what") and _only_a_name_after(nxt):
        return QType.DESCRIBE, None
    if word in ("who", "whom", "whose"):  # "who is the [chief minister] of ..." names its head noun
        return QType.PERSON, _noun_after(wh) if copula else None
    if word == "when":
        return QType.DATE, None
    if word == "where":
        return QType.PLACE, None
    if word == "why" or (word == "how" and nxt is not None and nxt.lower_ == "come"):
        return QType.REASON, None
    if word == "how":
        if nxt is not None and nxt.lower_ in ("many", "much", "long", "old", "far", "big", "large", "often", "high"):
            return QType.NUMBER, _noun_after(nxt, adjacent=True)
        return QType.WHAT, None
    if word == "what" and nxt is not None and nxt.lemma_ in REASON_VERBS:
        return QType.REASON, None
    noun = wh.head if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN") else _noun_after(wh)
    if noun is None:
        return QType.WHAT, None
    noun = _head_noun(noun)
    if any(t.lemma_.lower() in NAME_VERBS and t.tag_ == "VBN" for t in wh.doc):
        return QType.NAME, noun
    if noun.lemma_.lower() in ROLE_NOUNS:
        return QType.DESCRIBE, None
    return _type_of_noun(noun)


def _type_of_noun(noun: Token | None) -> tuple[QType, Token | None]:
    """The answer type a "which/what X" noun asks for: "year" a date, "group" an organisation, ..."""
    if noun is None:
        return QType.WHAT, None
    noun = _head_noun(noun)
    lemma = noun.lemma_.lower()
    for nouns, qtype in (
        (TIME_NOUNS, QType.DATE),
        (PERSON_NOUNS, QType.PERSON),
        (ORG_NOUNS, QType.ORG),
        (PLACE_NOUNS, QType.PLACE),
        (QUANTITY_NOUNS, QType.NUMBER),
        (REASON_NOUNS, QType.REASON),
    ):
        if lemma in nouns:
            return qtype, noun
    return QType.WHAT, noun


def _only_a_name_after(token: Token) -> bool:
    rest = [t for t in token.doc[token.i + 1 :] if not t.is_punct]
    return bool(rest) and all(t.pos_ == "PROPN" or t.lower_ == "the" for t in rest)


def _noun_after(token: Token, adjacent: bool = False) -> Token | None:
    """The first noun a few words after `token`: "what is the [value]", or, with `adjacent`, only across
    adjectives ("how many [security personnel]", but not "how much has [China] invested")."""
    for t in token.doc[token.i + 1 : token.i + 6]:
        if t.pos_ in ("NOUN", "PROPN"):
            return t
        if t.pos_ == "VERB" or t.lower_ in ("did", "does", "do") or (adjacent and t.pos_ not in ("ADJ", "ADV")):
            return None
    return None


def _head_noun(token: Token) -> Token:
    """ "security" → "personnel", "Pakistan('s)" → "chief": the noun a modifier belongs to."""
    while token.dep_ in ("compound", "poss") and token.head.pos_ in ("NOUN", "PROPN") and token.head.i > token.i:
        token = token.head
    return token


def _of_object(token: Token) -> Token | None:
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            objects = [c for c in prep.children if c.dep_ == "pobj"]
            if objects:
                return _head_noun(objects[0])
    return None


def _required(head: Token, is_measure: bool, qtype: QType) -> list[Token]:
    if head.lemma_.lower() in TYPE_NOUNS and qtype is not QType.NUMBER:
        return []  # "which country", "what event": the kind of answer, not a word the evidence must use
    # Adjectives are required only on people ("chief minister" is not "interior minister"); elsewhere
    # they are usually the asker's paraphrase ("how many coordinated attacks"). Names among the modifiers
    # ("Pakistan's", "of China", "Pakistani") are checked as names: the sentence, its title or the
    # sentence before may carry them.
    out = [t for t in _modifiers(head) if t.pos_ in ("NOUN", "ADJ") and not t.ent_type_]
    return out if is_measure else [head, *out]


def _modifiers(head: Token) -> list[Token]:
    """Words that narrow the head: "chief" (minister), "literacy" (rate), "Pakistan's", "of the CPEC"."""
    person = head.lemma_.lower() in PERSON_NOUNS
    out = [c for c in head.children if c.dep_ in ("compound", "poss") or (person and c.dep_ == "amod" and c.pos_ == "ADJ")]
    inner = _of_object(head)
    if inner is not None:
        out += [inner, *(c for c in inner.children if c.dep_ == "compound")]
    return out


def _head_phrase(head: Token | None, required: list[Token]) -> tuple[Term, ...]:
    """The head with the modifiers written before it, as they must appear together: "chief minister"."""
    if head is None:
        return ()
    before = sorted((t for t in required if t.i < head.i and t.head == head and t.dep_ != "poss"), key=lambda t: t.i)
    return tuple(_term(t) for t in [*before, head]) if before else ()


def _wh_role(wh: Token, doc) -> tuple[str | None, str | None]:
    """Whether the wh-word stands for the subject or the object of the question's main verb."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None and root.lemma_ == "do" and root.i == wh.i + 1:
        # "Whom did X blame for …?" parsed with "did" as the verb: the asked verb is the word before the
        # first preposition, and the wh-word its object.
        last = next((t for t in doc[root.i + 1 :] if t.i + 1 < len(doc) and doc[t.i + 1].pos_ in ("ADP", "PUNCT")), None)
        if last is not None and last.pos_ in ("VERB", "NOUN") and last.lemma_ not in LIGHT_VERBS:
            return "object", last.lemma_.lower()
    if root is None or root.pos_ != "VERB" or root.lemma_ in LIGHT_VERBS - {"say"}:
        return None, None
    phrase = wh  # "how many rebellions": the role is the noun's, not the adverb's
    while phrase.dep_ in ("det", "advmod", "amod") and phrase.head != phrase and phrase.head.pos_ in ("ADJ", "NOUN", "PROPN"):
        phrase = phrase.head
    after = doc[phrase.i + 1 :]
    has_do = any(t.lower_ in ("do", "does", "did", "has", "have", "had") or t.tag_ == "MD" for t in after[:1])
    # "Who did Pakistan blame?": any noun between the auxiliary and the verb is the subject (the tagger
    # sometimes calls it a compound), so the wh-word is the object.
    other_subject = any(t.pos_ in ("NOUN", "PROPN", "PRON") for t in doc[phrase.i + 2 : root.i])
    passive = any(t.dep_ == "auxpass" for t in root.children)
    if passive:
        role = "subject" if any(t.lower_ == "by" for t in doc[root.i :]) else "object"
    elif has_do and other_subject or phrase.dep_ in ("dobj", "pobj"):
        role = "object"
    else:
        role = "subject"
    return role, root.lemma_.lower()


def _terms(words: list[Token], wh: Token | None) -> list[Term]:
    out = []
    for t in words:
        lemma = t.lemma_.lower()
        if t is wh or t.lower_ in WH_WORDS or lemma in SKIP_LEMMAS or t.pos_ not in ("NOUN", "PROPN", "VERB", "ADJ", "NUM"):
            continue
        if (t.is_stop and t.pos_ != "NUM") or not _latin(t.text):
            continue
        weight = {"PROPN": 1.5, "NUM": 1.5, "NOUN": 1.0, "VERB": 0.7, "ADJ": 0.6}[t.pos_]
        if lemma in MEASURE_NOUNS or lemma in LIGHT_VERBS:
            weight = 0.3
        out.append(Term(lemma, t.lower_, weight, _is_acronym(t)))
    return out


def _term(token: Token) -> Term:
    return Term(token.lemma_.lower(), token.lower_, 1.0, _is_acronym(token))


def _is_acronym(token: Token) -> bool:
    return token.is_alpha and token.is_upper and 2 <= len(token) <= 6


def _date_constraints(text: str, as_of: dt.date | None) -> frozenset[str]:
    keys = set()
    for mention in find_dates(text, as_of):
        span = text[mention.start : mention.end]
        if re.search(r"\d", span) or as_of is None:
            keys.add(mention.key)
        else:  # "on Saturday" in a question means the sources' Saturday, not the one before as_of
            coarse = sorted(mention.keys)
            kind = "weekday:" if span.lower().rstrip("s") in _WEEKDAYS else "month:"
            coarse = [k for k in coarse if k.startswith(kind)]
            keys.add(coarse[0] if coarse else mention.key)
    return frozenset(keys)
