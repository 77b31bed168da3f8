"""What a question asks: the form of its answer, the thing it asks about, the verb and role it hangs on,
and the facts no paraphrase can change (numbers, dates, codes, names).

    q = analyse("Who did Pakistan blame for the attacks?", nlp, meaning)
    q.form, q.key, q.predicate.lemma, q.role   # Form.ENTITY, "who", "blame", "object"

Only grammar decides the form (question words, auxiliaries, the parse). The noun a "which"/"what"
question asks about keys the ranker's fitted prior by WordNet's broad category of it (`q.key`:
"which:person" for "pollster", "what:phenomenon" for "weather"), so "which body" or "which airline" need
no list of nouns; its closeness by meaning to each kind of answer (`Meaning.kinds`) is a soft feature.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from rag.language import (
    ANSWER_KINDS,
    ASKING_VERBS,
    CAUSAL_VERBS,
    HOW_QUANTITY,
    LIGHT_VERBS,
    NAME_VERBS,
    ROLE_NOUNS,
    WH_WORDS,
    is_yes_no,
)
from rag.meaning import Meaning
from rag.names import name_parts
from rag.nlp import parse_question
from rag.normalise import CODE, day_of_year, find_dates, numbers, without_dates
from rag.wordnet import category

_NON_NAME_LABELS = {"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


class Form(StrEnum):
    """The shape of an answer, which decides the candidates generated and how the lead reads."""

    ENTITY = "entity"  # a name or noun phrase: who, whom, where, which organisation
    NUMBER = "number"  # how many, how much, what percentage
    DATE = "date"  # when, which year
    DURATION = "duration"  # how long
    REASON = "reason"  # why
    YESNO = "yes/no"
    DESCRIBE = "description"  # "Who is Abdul Basit?"
    NAME = "name"  # "What did X call Y?"
    OPEN = "open"  # "What did the judge order?"


ALIGNED_VERB = 0.5  # a verb this close in meaning to the question's counts as the question's verb


@dataclass(frozen=True)
class Term:
    lemma: str
    text: str  # lower case
    pos: str

    @property
    def words(self) -> tuple[str, ...]:
        return (self.lemma, self.text) if self.lemma != self.text else (self.lemma,)


@dataclass(frozen=True)
class Question:
    text: str
    doc: Doc
    form: Form
    key: str  # the type prior is keyed on this: "who", "how many", "which:location" (WordNet category), ...
    kinds: dict[str, float] = field(default_factory=dict)  # the asked noun's closeness to each kind of answer
    focus: Term | None = None  # the thing asked about: "attacks" in "how many attacks"
    focus_modifiers: tuple[Term, ...] = ()  # words narrowing it: "security" (personnel), "civilian"
    measure: Term | None = None  # the quantity asked of the focus: "GDP" in "the GDP of Balochistan"
    predicate: Term | None = None  # the asked verb: "blame"
    role: str | None = None  # what the wh-word is to the predicate: "subject" | "object"
    terms: tuple[Term, ...] = ()  # content words to look for in evidence
    entities: tuple[str, ...] = ()  # named things the evidence must mention
    date_keys: frozenset[str] = frozenset()  # normalise.date_keys the evidence must mention
    numbers: frozenset[float] = frozenset()
    codes: tuple[str, ...] = ()
    several: bool = False  # the question asks for more than one: "which two envoys", "which countries"
    # "two" of "which two envoys": how many answers are wanted, which the source need not write and which
    # is no answer itself
    count: frozenset[float] = frozenset()

    @property
    def described(self) -> str | None:
        """For "Who is X?": the name X, as the question writes it."""
        if self.form is not Form.DESCRIBE or self.focus is None:
            return None
        name = next((name for name in self.entities if self.focus.text in name_parts(name)), self.focus.text)
        return re.sub(r"[’']s$", "", name)  # the tagger counts "'s" into "Abdul Basit's"


def analyse(text: str, nlp: Language, meaning: Meaning, as_of: dt.date | None = None) -> Question:
    doc = parse_question(nlp, text)
    words = [t for t in doc if not t.is_punct and not t.is_space]
    wh = next((t for t in words if t.lower_ in WH_WORDS), None)
    form, key, focus = _form(doc, words, wh)
    after = doc[wh.i + 1] if wh is not None and wh.i + 1 < len(doc) else None
    count = after if after is not None and focus is not None and after.dep_ == "nummod" and after.head == focus else None
    qualifiers = _qualifiers(wh, focus)
    kinds: dict[str, float] = {}
    measure = None
    if focus is not None and form is Form.NUMBER:
        key = f"{key}:{_category(focus) or 'thing'}"  # "how many:person" for "how many people"
    if focus is not None and key in ("which", "what"):
        kinds = meaning.kinds(_phrase(focus))  # "fashion house" is an organisation, "house" a place
        kind = max(kinds, key=kinds.get)
        # The prior is keyed on WordNet's broad category of the noun ("pollster": person, "price":
        # attribute, "weather": phenomenon), which the fit learns the likely answers of; the kinds by
        # meaning, which mistake nouns a category does not ("weather" for a time), stay a soft feature.
        key = f"{key}:{_category(focus) or kind}"
        if kind == "number" and (measured := _of_object(focus)) is not None:
            measure, focus = focus, measured  # "the value of the deal": the figure is found next to "deal"
        # The kind weighs candidates (through the prior keyed on it) but never narrows them: a kind read
        # wrongly from one noun ("toll" as a place) must not keep the figure out. Only a noun that names
        # a reason ("What was the reason for …?") asks for a clause instead of a span.
        if focus.lemma_.lower() in ANSWER_KINDS["reason"]:
            form = Form.REASON
        # "In what year …?", "On what date …?", "Which day next week …?" ask "when" in other words
        if focus.lemma_.lower() in ANSWER_KINDS["time"]:
            form = Form.DATE
        # "What is Abdul Basit's job?", "What position does Imtiaz Gul hold?": the person described
        if focus.lemma_.lower() in ROLE_NOUNS and (person := _role_holder(doc, focus)) is not None:
            form, key, focus, kinds = Form.DESCRIBE, "describe", person, {}
    predicate, role = _predicate(doc, wh) if wh is not None and form not in (Form.YESNO, Form.DESCRIBE) else (None, None)
    if predicate is None:
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        if root is not None and root.pos_ == "VERB" and root.lemma_.lower() not in LIGHT_VERBS:
            predicate = root
    if form is Form.OPEN and predicate is not None and predicate.lemma_.lower() in NAME_VERBS:
        form, key = Form.NAME, "name"
    if form is Form.OPEN and wh is not None and wh.lower_ == "what" and predicate is not None and role == "subject":
        if predicate.lemma_.lower() in CAUSAL_VERBS:  # "What caused the crash?"
            form, key = Form.REASON, "why"
    return Question(
        text=text,
        doc=doc,
        form=form,
        key=key,
        kinds=kinds,
        focus=_term(focus) if focus is not None else None,
        # "the literacy rate of Balochistan": the words narrowing the measure narrow the question too
        focus_modifiers=tuple(_term(t) for t in [*_modifiers(focus), *(_modifiers(measure) if measure is not None else [])])
        if focus is not None else (),
        measure=_term(measure) if measure is not None else None,
        predicate=_term(predicate) if predicate is not None else None,
        role=role,
        terms=tuple(_term(t) for t in words if _is_content(t, wh)),
        entities=_entities(doc, qualifiers),
        date_keys=_date_constraints(text, as_of),
        numbers=_quantities(doc, count),
        count=frozenset(numbers(count.text)) if count is not None else frozenset(),
        codes=tuple(m.group(0) for m in CODE.finditer(text) if not m.group(0).isdigit()),
        several=form in (Form.ENTITY, Form.OPEN, Form.NAME) and focus is not None and _plural(focus),
    )


def _plural(noun: Token) -> bool:
    """ "envoys", "the two envoys": a noun the question asks for in the plural, by its tag (a number before
    it may be a year: "the 2024 dress code")."""
    return noun.tag_ in ("NNS", "NNPS")


def _form(doc: Doc, words: list[Token], wh: Token | None) -> tuple[Form, str, Token | None]:
    if is_yes_no(doc):
        return Form.YESNO, "yes/no", None
    if wh is None:
        if words and words[0].lower_ in ASKING_VERBS and len(words) > 1:  # "Name the country's port."
            noun = _noun_after(words[0])
            return Form.ENTITY, "which", _head_noun(noun) if noun is not None else None
        return Form.OPEN, "what", None
    word = wh.lower_
    nxt = wh.nbor(1) if wh.i + 1 < len(doc) else None
    copula = nxt is not None and nxt.lemma_ == "be" and nxt.dep_ in ("ROOT", "aux", "auxpass", "cop")
    # "What will the weather be …?", "Who would the nominee be?": a modal before the copula
    copula = copula or (nxt is not None and nxt.tag_ == "MD" and any(t.lemma_ == "be" and t.dep_ == "ROOT" for t in doc))
    # "What is Islamabad trying to …?", "Who was Naqvi blaming?": "be" makes a progressive (whose participle
    # the tagger may even read as the subject: "What is Gul arguing?"), or a passive ("Who was she engaged
    # to?"); the question asks about that verb
    helper = nxt is not None and nxt.lemma_ == "be" and any(
        # (a passive participle the tagger may read as a past tense: "engaged/VBD")
        t.pos_ == "VERB"
        and (t.tag_ == "VBG" and (t.i == nxt.head.i or t.dep_ == "nsubj") or t.tag_ in ("VBN", "VBD") and t.i == nxt.head.i)
        for t in doc[nxt.i + 1 :]
    )
    copula = copula and not helper
    # "What's the iPhone 13's UK starting price?": the copula's subject is a common noun, asked about
    subject = next((c for c in nxt.children if c.dep_ in ("nsubj", "attr") and c.pos_ == "NOUN" and c.i > wh.i), None) if copula else None
    if copula and word in ("who", "what") and subject is None:
        named = _noun_after(wh)
        named = _head_noun(named, through_possessive=True) if named is not None else None
        if named is not None and named.pos_ == "PROPN" and _is_the_subject(named, nxt):  # "Who is Abdul Basit?"
            return Form.DESCRIBE, "describe", named
    if word == "what" and (named := _occupied(wh)) is not None:
        return Form.DESCRIBE, "describe", named
    if word == "whose" and wh.head.pos_ in ("NOUN", "PROPN") and wh.head.i > wh.i:
        return Form.ENTITY, "whose", _head_noun(wh.head)  # "Whose [request] led …?"
    if word in ("who", "whom", "whose"):
        noun = _noun_after(wh) if copula else None  # "Who is the [chief minister] of ...?", "Who is Pakistan's [minister]?"
        return Form.ENTITY, word, _head_noun(noun, through_possessive=True) if noun is not None else None
    if word == "when":
        return Form.DATE, "when", _subject(doc) if copula else None
    if word == "where":
        return Form.ENTITY, "where", _subject(doc) if copula else None
    if word == "why" or (word == "how" and nxt is not None and nxt.lower_ == "come"):
        return Form.REASON, "why", None
    if word == "how":
        if nxt is None or nxt.lower_ not in HOW_QUANTITY:
            return Form.OPEN, "how", None
        noun = _noun_after(nxt, adjacent=True)
        focus = _head_noun(noun) if noun is not None else None
        if nxt.lower_ == "long":
            return Form.DURATION, "how long", focus or _subject(doc)
        return Form.NUMBER, f"how {nxt.lower_}" if nxt.lower_ in ("many", "much") else "how adj", focus
    # what / which: "which company's walnuts" asks for the company; "what is the company's name" for the name
    owned = wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN")
    noun = wh.head if owned else None if helper else subject or _noun_after(wh)  # not "Munir" of "What was Munir showing?"
    if noun is not None and not owned:
        noun = _head_noun(noun, through_possessive=True)
    named = any(t.lemma_.lower() in NAME_VERBS and t.pos_ == "VERB" for t in doc)  # "What was the operation called?"
    if noun is not None and _head_noun(noun).lemma_.lower() == "name":  # "What is the name of the operation?"
        noun = _head_noun(noun)
        return Form.NAME, "name", _of_object(noun) or noun
    if named and word == "what":
        return Form.NAME, "name", _head_noun(noun) if noun is not None else _subject(doc)
    if noun is None:
        return Form.OPEN, "what", _subject(doc) if copula else None
    return Form.OPEN, "which" if word == "which" else "what", _head_noun(noun)


def _is_the_subject(name: Token, copula: Token) -> bool:
    """Whether a name is what "Who is …?" asks about ("Who is the hotel's Ian Harvey?"), not a word
    further on: one in a phrase or clause ("Who was the youngest of [Smith and Hiaasen]?", "What was
    the B-17 that [Mel Jenner] flew called?") or one naming a noun after it ("What's the [South Carolina]
    measles tally?")."""
    if name.head != copula:
        return False
    for t in name.doc[name.i + 1 :]:
        if t.is_punct or t.pos_ in ("ADP", "AUX", "CCONJ", "SCONJ", "PART"):
            return True
        if t.pos_ == "NOUN":
            return False
    return True


def _occupied(wh: Token) -> Token | None:
    """Whose occupation "What does Gretchen Lovewell do (for a living)?" asks: the name doing "do" in the
    present, with nothing else done ("What does Biden do about prices?", "What did Smith do then?" ask
    about acts)."""
    verb = wh.head
    if wh.dep_ != "dobj" or verb.lemma_ != "do" or verb.pos_ != "VERB":
        return None
    doer = next((c for c in verb.children if c.dep_ == "nsubj" and c.pos_ == "PROPN"), None)
    present = any(c.dep_ == "aux" and c.tag_ in ("VBZ", "VBP") for c in verb.children)
    living = all(c.dep_ in ("dobj", "nsubj", "aux", "punct") or (c.lower_ == "for" and "living" in [g.lower_ for g in c.children])
                 for c in verb.children)
    return _head_noun(doer, through_possessive=True) if doer is not None and present and living else None


def _role_holder(doc: Doc, role: Token) -> Token | None:
    """Whose job or title a question asks: the name owning the noun ("Basit's job"), or the name that is
    the subject of the verb taking it ("What position does Gul hold?")."""
    owner = next((c for c in role.children if c.dep_ == "poss"), None)
    # not "What role did Pakistan play in the talks?": a role in something is no description of Pakistan
    if owner is None and role.dep_ == "dobj" and not any(c.dep_ == "prep" for c in role.head.children):
        owner = next((c for c in role.head.children if c.dep_ == "nsubj"), None)
    return owner if owner is not None and owner.pos_ == "PROPN" else None


def _subject(doc: Doc) -> Token | None:
    """The noun a copular question asks about: "test" in "When was North Korea's last nuclear test?"."""
    # A common noun only: in "When was John Adams sworn in?" nothing is asked about but the event.
    subject = next((t for t in doc if t.dep_ in ("nsubj", "nsubjpass") and t.pos_ == "NOUN" and t.lower_ not in WH_WORDS), None)
    return _head_noun(subject) if subject is not None else None


def _predicate(doc: Doc, wh: Token) -> tuple[Token | None, str | None]:
    """The verb the wh-word belongs to, and whether it stands for that verb's subject or object."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None and root.lemma_ == "do" and root.i == wh.i + 1:
        # "Whom did X blame for …?" parsed with "did" as the verb: the asked verb is the word before the
        # first preposition, and the wh-word its object.
        last = next((t for t in doc[root.i + 1 :] if t.i + 1 < len(doc) and doc[t.i + 1].pos_ in ("ADP", "PUNCT")), None)
        if last is not None and last.pos_ in ("VERB", "NOUN") and last.lemma_.lower() not in LIGHT_VERBS:
            return last, "object"
    if root is None or root.pos_ != "VERB" or root.lemma_.lower() in LIGHT_VERBS - {"say", "tell"}:
        return None, None
    phrase = wh  # "how many rebellions": the role is the noun's, not the adverb's
    while phrase.dep_ in ("det", "advmod", "amod") and phrase.head != phrase and phrase.head.pos_ in ("ADJ", "NOUN", "PROPN"):
        phrase = phrase.head
    after = doc[phrase.i + 1 :]
    # an auxiliary right after the wh-word: "did", "has", "will", or the "was" of "Who was Naqvi blaming?"
    progressive = wh.lower_ in ("who", "whom", "what", "which") and any(t.lemma_ == "be" and t.dep_ == "aux" for t in after[:1])
    has_do = progressive or any(t.lower_ in ("do", "does", "did", "has", "have", "had") or t.tag_ == "MD" for t in after[:1])
    # "Who did Pakistan blame?": a noun between the auxiliary and the verb is the subject (the tagger
    # sometimes calls it a compound), so the wh-word is the object.
    other_subject = any(t.pos_ in ("NOUN", "PROPN", "PRON") for t in doc[phrase.i + 2 : root.i])
    passive = any(t.dep_ == "auxpass" for t in root.children)
    if wh.lower_ in ("where", "when"):  # the answer is an adjunct of the verb ("met in Vostochny"), never its object
        role = "oblique"
    elif passive:
        # The passive's subject is the active verb's object ("How many fighters were killed by the army?");
        # only a wh-word that is itself the "by" phrase asks for the doer ("Who was it carried out by?").
        stranded_by = any(t.lower_ == "by" and not any(c.dep_ == "pobj" for c in t.children) for t in doc[root.i :])
        agent = (phrase.dep_ == "pobj" and phrase.head.lower_ == "by") or stranded_by
        role = "subject" if agent else "object"
    elif (has_do and other_subject) or phrase.dep_ in ("dobj", "pobj"):
        role = "object"
    else:
        role = "subject"
    return root, role


def _qualifiers(wh: Token | None, focus: Token | None) -> set[int]:
    """The words narrowing the asked noun of "which MLB team", "what U.S. territory": they say what kind
    of thing the answer is, which a source need not repeat beside it ("the Kansas City Royals made …")."""
    if wh is None or focus is None or wh.head.i != focus.i or wh.dep_ != "det":
        return set()
    return {t.i for m in _modifiers(focus) if m.i < focus.i for t in m.subtree}


def _entities(doc: Doc, qualifiers: set[int] = frozenset()) -> tuple[str, ...]:
    """Named things in the question, including runs of proper nouns the tagger left unlabelled
    ("Pahalgam"). Nationalities and groups (NORP) are left out: "American troops" is written "U.S. troops".
    So are names among the `qualifiers` of the asked noun ("which MLB team"): a kind of answer, not a fact."""
    names = [
        e for e in doc.ents
        if e.label_ not in _NON_NAME_LABELS | {"NORP"} and not CODE.fullmatch(e.text) and e.text.lower() not in WH_WORDS
        and not all(t.i in qualifiers for t in e)
    ]
    inside = {t.i for e in doc.ents for t in e}
    runs: list[list[Token]] = []
    skip = inside | qualifiers
    for t in doc:
        loose = t.pos_ == "PROPN" and t.i not in skip and not CODE.fullmatch(t.text) and t.lower_ not in WH_WORDS | ASKING_VERBS
        if loose and runs and runs[-1][-1].i == t.i - 1:
            runs[-1].append(t)
        elif loose:
            runs.append([t])
    found = [re.sub(r"^(?:the|The)\s+", "", e.text) for e in names] + [doc[r[0].i : r[-1].i + 1].text for r in runs]
    # A name is written with a capital; a lower-case run the tagger called proper ("beach house") is not one.
    return tuple(name for name in dict.fromkeys(found) if _latin(name) and re.search(r"[A-Z0-9]", name) and name_parts(name))


def _quantities(doc: Doc, count: Token | None) -> frozenset[float]:
    """The question's figures, which evidence must repeat; numbers that are part of a name ("Flight 1282",
    "iPhone 13") are names, checked as such. The count of the noun a "which" asks for ("Which two envoys
    …?") is how many answers are wanted, which the source need not write ("McGurk and Hochstein")."""
    text = doc.text
    for t in doc:
        named = t.ent_type_ and t.ent_type_ not in _NON_NAME_LABELS
        # "on one charge", "one of the": "one" is as often a determiner as a figure
        if named or t == count or (t.like_num and t.head.pos_ == "PROPN" and t.head != t) or t.lower_ == "one":
            text = text[: t.idx] + " " * len(t.text) + text[t.idx + len(t.text) :]
    return frozenset(numbers(without_dates(CODE.sub(" ", text))))


def _latin(word: str) -> bool:
    """Whether a word is written (at least partly) in Latin letters. A gloss in another script
    ("Balochistan (بلوچستان)") repeats a word already there and no English passage can match it."""
    letters = [c for c in word if c.isalpha()]
    return not letters or any(unicodedata.name(c, "").startswith("LATIN") for c in letters)


def _is_content(t: Token, wh: Token | None) -> bool:
    if t is wh or t.lower_ in WH_WORDS or t.pos_ not in ("NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV"):
        return False
    if t.pos_ == "ADV" and (t.is_stop or t.lower_ in ("there", "also")):
        return False
    return not (t.is_stop and t.pos_ != "NUM") and t.lemma_.lower() not in LIGHT_VERBS and _latin(t.text)


def _phrase(noun: Token) -> str:
    words = [c for c in noun.children if c.dep_ == "compound" and c.i < noun.i] + [noun]
    return " ".join(t.lemma_.lower() if t is noun else t.lower_ for t in words)


def _category(noun: Token) -> str | None:
    """WordNet's category of the noun with its compounds ("fashion house"), else of the noun alone."""
    return category(_phrase(noun)) or category(noun.lemma_.lower())


def _term(token: Token) -> Term:
    return Term(token.lemma_.lower(), token.lower_, token.pos_)


def _noun_after(token: Token, adjacent: bool = False) -> Token | None:
    """The first noun a few words after `token`: "what is the [value]", or, with `adjacent`, only across
    adjectives ("how many [security personnel]", but not "how much has [China] invested")."""
    for t in token.doc[token.i + 1 : token.i + 6]:
        if t.pos_ in ("NOUN", "PROPN"):
            return t
        if t.lemma_ == "be" and not adjacent:
            continue  # "who is the [minister]"
        if t.pos_ in ("VERB", "AUX") or t.lower_ in ("did", "does", "do") or (adjacent and t.pos_ not in ("ADJ", "ADV")):
            return None
    return None


def _head_noun(token: Token, through_possessive: bool = False) -> Token:
    """ "security" → "personnel": the noun a modifier belongs to. Through a possessive only where no
    question word owns it: "Who is Pakistan's minister?" asks for the minister, "Which company's walnuts?"
    for the company."""
    deps = ("compound", "amod", "nmod", "poss") if through_possessive else ("compound", "amod", "nmod")
    while token.dep_ in deps and token.head.pos_ in ("NOUN", "PROPN") and token.head.i > token.i:
        token = token.head
    return token


def _of_object(token: Token) -> Token | None:
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            objects = [c for c in prep.children if c.dep_ == "pobj"]
            if objects:
                return _head_noun(objects[0])
    return None


def _modifiers(head: Token) -> list[Token]:
    """Words that narrow the head: "chief" (minister), "security" (personnel), "civilian" (deaths)."""
    return [
        c
        for c in head.children
        if c.dep_ in ("compound", "amod", "nmod") and c.pos_ in ("NOUN", "ADJ", "PROPN") and c.lower_ not in HOW_QUANTITY | WH_WORDS
    ]


def _date_constraints(text: str, as_of: dt.date | None) -> frozenset[str]:
    keys = set()
    for mention in find_dates(text, as_of):
        span = text[mention.start : mention.end]
        if re.search(r"\d", span) or as_of is None:
            # "June 19" without a year: that day in whatever year the sources mean, not the asker's
            day = day_of_year(mention.key) if not re.search(r"\d{4}", span) else None
            keys.add(day or mention.key)
        else:  # "on Saturday" in a question means the sources' Saturday, not the one before as_of
            coarse = sorted(mention.keys)
            kind = "weekday:" if span.lower().rstrip("s") in _WEEKDAYS else "month:"
            coarse = [k for k in coarse if k.startswith(kind)]
            keys.add(coarse[0] if coarse else mention.key)
    return frozenset(keys)


def asked_verb(q: Question, sentence: Span, matched: Iterable[int] = (), meaning: Meaning | None = None) -> Token | None:
    """The verb of an evidence sentence the question asks about: the question's own verb if the sentence
    uses it, else (given `meaning`) the sentence's verb closest in meaning to it, if close enough ("No one
    was injured" answers "Was anyone hurt?"); for a question whose verb says little ("Is X a federal
    holiday?"), the verb over a word the sentence shares with the question, a negated one first ("… which
    is not recognized federally"); else the sentence's main verb."""
    if q.predicate is not None and q.predicate.lemma not in LIGHT_VERBS:
        same = [t for t in sentence if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() == q.predicate.lemma]
        if same:
            return same[0]
    if q.predicate is None:
        # "Did Naqvi present evidence?" is often tagged with "present" as an adjective and "did" as the
        # only verb: the asked verb is then the sentence's verb that is one of the question's words
        said = {w for t in q.terms if t.pos != "PROPN" for w in t.words}
        same = [t for t in sentence if t.pos_ == "VERB" and t.lemma_.lower() in said]
        if same:
            return same[0]
    if meaning is not None and (closest := _closest_verb(q, sentence, meaning)) is not None:
        return closest
    doc = sentence.doc
    over = [_verb_over(doc[i], sentence) for i in sorted(matched) if sentence.start <= i < sentence.end]
    over = [v for v in dict.fromkeys(over) if v is not None]
    if over:
        return next((v for v in over if any(c.dep_ == "neg" for c in v.children)), over[0])
    return sentence.root if sentence.root.pos_ in ("VERB", "AUX") else None


def _closest_verb(q: Question, sentence: Span, meaning: Meaning) -> Token | None:
    """The sentence's content verb closest in meaning to the question's, at ALIGNED_VERB or above."""
    if q.predicate is not None:
        asked = [q.predicate.lemma] if q.predicate.lemma not in LIGHT_VERBS else []
    else:
        asked = [t.lemma for t in q.terms if t.pos == "VERB" and t.lemma not in LIGHT_VERBS]
    verbs = [t for t in sentence if t.pos_ == "VERB" and t.lemma_.lower() not in LIGHT_VERBS]
    if not asked or not verbs:
        return None
    score, verb = max((max(meaning.similarity(a, v.lemma_.lower()) for a in asked), v) for v in verbs)
    return verb if score >= ALIGNED_VERB else None


def _verb_over(token: Token, sentence: Span) -> Token | None:
    while token.pos_ not in ("VERB", "AUX") or token.dep_ in ("aux", "auxpass"):
        if token.head == token or not sentence.start <= token.head.i < sentence.end:
            return None
        token = token.head
    return token
