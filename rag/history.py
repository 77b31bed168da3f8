"""Follow-up questions made standalone without an LLM: pronouns and ellipsis resolved from the last turn.

    condense("What did he say?", [Message(role="user", content="Who leads the BLA?"),
                                  Message(role="assistant", content="BLA leader Bashir Zeb [1]. …")])
    == "What did Bashir Zeb say?"
    condense("And in 2024?", [..."How many attacks were there in 2025?"...]) == "How many attacks were there in 2024?"

A person pronoun ("he", "his") takes the first person named in the previous answer's short answer, else
in the previous question (that one first when the answer itself said "he" before naming anyone); "it"/"they"
take the first named organisation, place or thing the same way, never a word of a person's name ("it"
after "Which podcast …?" answered by a name alone, "Sibling Revelry", is that name, tagged or not); "them"
after an answer naming several people is those people, and with no group to stand for, the things the
question before counted, in the period it asked about ("How many died in them?" after "How many attacks
were there in 2025?" asks about the attacks in 2025); the name opening the answer to a "Who …?" question
is a person even when the tagger does not say so. A pronoun never stands for a name its own question
gives, nor is it replaced when the question names, before it, something of its kind.
A fragment ("And in 2024?", "What about India?") replaces the matching part of the previous question: a
name of its kind, the name it names, a noun of its kind by WordNet ("And women?" after "… men …"), else
the thing asked about. "And who plays the thief?" is a question of its own; "And how many in August?"
counts what the question before counted.
The previous question is itself condensed first, so chains of follow-ups keep their referent. A follow-up
that names nothing is searched with the words of the question before it (`standalone(...).query`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from spacy.tokens import Doc

from rag.language import PERSON_PRONOUNS, POSSESSIVE_PRONOUNS, THING_PRONOUNS, WH_WORDS
from rag.models import Message
from rag.names import Words, find_name, fold
from rag.nlp import entities, load_nlp, noun_chunks, parse
from rag.wordnet import category, kinship

_GROUP_LABELS = {"ORG", "NORP"}
_PLURAL = {"they", "them", "their"}
_THING_LABELS = {"ORG", "NORP", "GPE", "LOC", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW"}
_FRAGMENT_PREFIX = re.compile(r"^\s*(?:and\s+what\s+about|what\s+about|how\s+about|and|but|what\s+of)\b[\s,]*", re.I)
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_REFUSAL = "The sources I have don't say"
_ATTRIBUTION = re.compile(r"^[^“\"]*?\breported(?: on [^:]*)?:\s*")
MAX_DEPTH = 5  # follow-ups of follow-ups resolved this far back
MAX_NAME_WORDS = 6  # an answer this short, with no subject and no figure, is a name


def condense(question: str, history: Sequence[Message]) -> str:
    return standalone(question, history).question


class Standalone(NamedTuple):
    question: str  # what the answerer answers: the follow-up with its pronouns and ellipsis resolved
    query: str  # what retrieval searches with: the question, plus the words asked before when it names nothing


def standalone(question: str, history: Sequence[Message]) -> Standalone:
    """A follow-up made standalone, for answering and for searching (ask(), and the evals measuring it)."""
    messages = [m if isinstance(m, Message) else Message.model_validate(m) for m in history]
    resolved, previous = _resolve(question, messages, MAX_DEPTH)
    return Standalone(resolved, f"{resolved} {_context(resolved, previous, question)}".strip())


def _resolve(question: str, history: list[Message], depth: int) -> tuple[str, str]:
    """The question made standalone, and the question before it made standalone ("" when there is none)."""
    users = [i for i, m in enumerate(history) if m.role == "user"]
    if not users or depth == 0:
        return question, ""
    last = users[-1]
    previous = _resolve(history[last].content, history[:last], depth - 1)[0]
    answer = next((m.content for m in history[last + 1 :] if m.role == "assistant"), "")
    nlp = load_nlp()
    doc = parse(nlp, question)
    core = _FRAGMENT_PREFIX.sub("", question).strip()
    if core and core != question.strip() and _asks(parse(nlp, core)):  # "And who plays the whistleblower?"
        doc = parse(nlp, _with_asked_noun(core[:1].upper() + core[1:], previous, nlp))
    elif _is_fragment(doc):
        return _fill_fragment(core, previous, nlp), previous
    short = _short_answer(answer)
    answered = _answered_person(previous, short, nlp), _answered_thing(previous, short, nlp)
    return _resolve_pronouns(doc, previous, short, nlp, *answered), previous


def _context(resolved: str, previous: str, asked: str) -> str:
    """For a follow-up that names nothing ("How many people attended?", "Which one came second?"), the
    words of the question before it ("ticket 2024 Met Gala"): the follow-up is about what that one asked,
    and alone it would find any event's attendance. Its names alone found a third fewer of the passages
    paraphrased follow-ups were answered from (recall@8 on the dev split's, 76 % against 86 %). Whether it
    names anything is read in the follow-up as `asked`, before its pronouns were `resolved`: a pronoun
    given the wrong name ("Who hosts it?" → "Who hosts Malia?") must not cut the search off from what was
    asked (recall@5 of the dev split's follow-ups 86.9 % → 92.5 %)."""
    if not previous:
        return ""
    nlp = load_nlp()
    if any(e.label_ in _THING_LABELS | {"PERSON"} for e in entities(parse(nlp, asked))):
        return ""
    before, own = parse(nlp, previous), Words.of(asked)
    names = [e.text for e in entities(before) if e.label_ in _THING_LABELS | {"PERSON"}]
    if names and all(find_name(n, own) for n in names):
        return ""  # it names what the question before asked about: it stands alone
    said = Words.of(resolved)
    words = [t.text for t in before if not (t.is_stop or t.is_punct or t.is_space) and t.lower_ not in WH_WORDS]
    return " ".join(dict.fromkeys(w for w in words if fold(w) not in said.vocabulary))


def _short_answer(answer: str) -> str:
    """The previous answer's first claim (the short answer), markers removed; nothing from a refusal."""
    if answer.startswith(_REFUSAL):
        return ""
    first = re.split(r"\[\d+(?:\s*,\s*\d+)*\]", answer, maxsplit=1)[0]
    first = _ATTRIBUTION.sub("", first)  # "Al Jazeera reported on …:" names the outlet, not the subject
    return _MARKER.sub("", first).strip()


def _is_fragment(doc: Doc) -> bool:
    words = [t for t in doc if not t.is_punct]
    has_verb = any(t.pos_ in ("VERB", "AUX") for t in words)
    return bool(words) and (not has_verb or bool(_FRAGMENT_PREFIX.match(doc.text)) and len(words) <= 6)


def _answered_person(previous: str, answer: str, nlp) -> str | None:
    """The name that opens the answer to a "Who …?" question ("Reon Radix"), which the tagger, reading two
    words without a sentence round them, often leaves unlabelled: the question said it is a person."""
    if not answer or not previous:
        return None
    asked = parse(nlp, previous)
    wh = next((t for t in asked if t.lower_ in WH_WORDS), None)
    if wh is None or wh.lower_ not in ("who", "whom"):
        return None
    said = parse(nlp, answer)
    if any(e.label_ == "PERSON" for e in entities(said)):
        return None  # the tagger found the person itself
    run = []
    for t in said:
        if t.pos_ != "PROPN" or not t.is_title:
            break
        run.append(t.text)
    return " ".join(run) if len(run) >= 2 else None


def _answered_thing(previous: str, answer: str, nlp) -> str | None:
    """The answer to "Which podcast …?" or "What's the name of the poem …?" when it is only a name ("Sibling
    Revelry", "Gone With the Wind"): the thing asked for, whatever the tagger makes of it alone (nothing, or
    a religion in "Christian Dior")."""
    if not answer or not previous:
        return None
    asked = parse(nlp, previous)
    wh = next((t for t in asked if t.lower_ in WH_WORDS), None)
    noun = _asked_noun(asked)
    if wh is None or wh.lower_ not in ("which", "what") or noun is None or category(noun.lemma_.lower()) == "person":
        return None
    said = parse(nlp, answer)
    words = [t for t in said if not t.is_punct]
    # a clause ("They visited the Louvre") says more than a name, a figure ("Close to 10%") is a value, not a
    # thing; a title may hold a verb ("Gone With the Wind")
    if (not words or len(words) > MAX_NAME_WORDS or not words[0].is_title
            or any(t.dep_ in ("nsubj", "nsubjpass") or t.like_num for t in words)):
        return None
    return re.sub(r"^the\s+", "", answer.rstrip(" .,;"), flags=re.I)


def _resolve_pronouns(doc: Doc, previous: str, answer: str, nlp, answered_person: str | None = None,
                      answered_thing: str | None = None) -> str:
    out, changed = [], False
    named = {fold(e.text) for e in entities(doc)}
    for t in doc:
        word = t.lower_
        name, labels = None, _pronoun_labels(t)
        if labels is None or any(e.end <= t.i and e.label_ in labels for e in entities(doc)):
            pass  # not a pronoun, or the question names its own antecedent: "how long after X did the US sign its deal?"
        elif word in _PLURAL and len(people := _people(answer, nlp)) > 1:
            name = _listed(people)  # "Which of them …" after an answer naming several people
        elif labels == {"PERSON"} and answered_person and _antecedent_order(answer, previous, labels, nlp)[0] == answer:
            name = answered_person
        elif word in ("it", "its") and answered_thing and fold(answered_thing) not in named:
            name = answered_thing
        else:
            # A pronoun never stands for a name its own question gives: "he" in "Where did he cook for Ann Lee?"
            name = _first_entity(_antecedent_order(answer, previous, labels, nlp), labels, nlp, named)
            if name is None and word in ("they", "them"):
                name = _counted(previous, nlp)  # "How many died in them?" after "How many attacks …?"
                if name is not None and not any(e.label_ == "DATE" for e in entities(doc)):
                    name += _period(previous, nlp)  # … "in 2025": the things counted then
        if name is None:
            out.append(t.text_with_ws)
            continue
        possessive = word in POSSESSIVE_PRONOUNS or (word == "her" and t.dep_ == "poss")
        out.append(f"{name}’s" if possessive else name)
        out.append(t.whitespace_)
        changed = True
    return "".join(out) if changed else doc.text


def _pronoun_labels(t) -> set[str] | None:
    """The entity labels a pronoun can stand for; None for a word that is no such pronoun."""
    if t.pos_ != "PRON":
        return None
    if t.lower_ in PERSON_PRONOUNS:
        return {"PERSON"}
    if t.lower_ in THING_PRONOUNS and t.dep_ != "expl":
        return _THING_LABELS if t.lower_ in ("it", "its") else _GROUP_LABELS  # "they" are a group, not a place
    return None


def _antecedent_order(answer: str, previous: str, labels: set[str], nlp) -> list[str]:
    """Where to look for a person first: the previous answer, unless it spoke of someone as "he" or "her"
    before naming anyone, for then its names are others and its pronoun is the previous question's person."""
    if labels == {"PERSON"} and answer:
        doc = parse(nlp, answer)
        first_name = min((e.start for e in entities(doc) if e.label_ == "PERSON"), default=len(doc))
        if any(t.pos_ == "PRON" and t.lower_ in PERSON_PRONOUNS for t in doc[:first_name]):
            return [previous, answer]
    return [answer, previous]


def _counted(previous: str, nlp) -> str | None:
    """ "the attacks": the plural noun the question before asked about, for a "they" no group stands for."""
    doc = parse(nlp, previous) if previous else None
    head = _asked_noun(doc) if doc is not None else None
    if head is None or head.tag_ != "NNS":
        return None
    return f"the {doc[_noun_start(head) : head.i + 1].text}"


def _period(previous: str, nlp) -> str:
    """ " in 2025": the time the question before asked about, with its preposition; "" if it named none."""
    doc = parse(nlp, previous)
    date = next((e for e in entities(doc) if e.label_ == "DATE"), None)
    if date is None:
        return ""
    before = doc[date.start - 1] if date.start > 0 else None
    return f" {before.text} {date.text}" if before is not None and before.dep_ == "prep" else f" {date.text}"


def _people(answer: str, nlp) -> list[str]:
    return list(dict.fromkeys(e.text for e in entities(parse(nlp, answer)) if e.label_ == "PERSON")) if answer else []


def _listed(names: list[str]) -> str:
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _first_entity(texts: list[str], labels: set[str], nlp, excluded: set[str]) -> str | None:
    docs = [parse(nlp, text) for text in texts if text]
    # The tagger calls a surname alone an organisation now and then ("paid by Hale"); a word of a
    # person's name is that person, never "it".
    people = {fold(w) for doc in docs for e in entities(doc) if e.label_ == "PERSON" for w in e.text.split()}
    for doc in docs:
        for ent in entities(doc):
            if ent.label_ not in labels or fold(ent.text) in excluded:
                continue
            if "PERSON" not in labels and {fold(w) for w in ent.text.split()} <= people:
                continue
            return re.sub(r"^the\s+", "", ent.text)
    return None


def _asks(doc: Doc) -> bool:
    """A question of its own after "And …": a question word and a verb ("And who plays the whistleblower?")."""
    return any(t.lower_ in WH_WORDS for t in doc) and any(t.pos_ in ("VERB", "AUX") for t in doc)


def _with_asked_noun(question: str, previous: str, nlp) -> str:
    """ "How many were there this August?" counts what the question before counted: its asked noun goes back
    in ("How many undocumented-migrant encounters were there this August?")."""
    doc = parse(nlp, question)
    if len(doc) < 3 or doc[0].lower_ != "how" or doc[1].lower_ not in ("many", "much") or doc[2].pos_ not in ("VERB", "AUX"):
        return question
    before = parse(nlp, previous)
    head = _asked_noun(before)
    if head is None:
        return question
    start = _noun_start(head)
    if before[0].lower_ == "how" and len(before) > 2 and before[1].lower_ in ("many", "much"):
        start = 2  # with its modifiers: "undocumented-migrant encounters"
    return f"{doc[:2].text} {before[start : head.i + 1].text} {doc[2:].text}"


def _fill_fragment(core: str, previous: str, nlp) -> str:
    """`core`: the fragment without its "And"/"What about" ("in 2024?", "women?")."""
    core = core.rstrip("?").strip()
    if not core:
        return previous
    frag, prev = parse(nlp, core), parse(nlp, previous)
    if any(t.lower_ in WH_WORDS for t in frag):  # "And what share of Britons?": a question of its own
        return f"{core[:1].upper()}{core[1:]}?"
    for ent in entities(frag):  # "And in 2024?": swap the previous question's date for this one
        same = [e for e in entities(prev) if e.label_ == ent.label_ or {e.label_, ent.label_} <= _THING_LABELS]
        if same:
            e = same[0]
            return previous[: e.start_char] + ent.text + previous[e.end_char :]
    nouns = [t for t in frag if t.pos_ in ("NOUN", "PROPN")]
    if not nouns:
        return f"{previous.rstrip(' ?')} {core}?"
    head = _asked_noun(prev)
    asked = set(range(_noun_start(head), head.i + 1)) if head is not None else set()
    if any(t.pos_ == "PROPN" for t in frag):  # "And the far-right Our Homeland?": swap what the question named
        named = next((c for c in noun_chunks(prev) if any(t.pos_ == "PROPN" for t in c) and not asked & {t.i for t in c}), None)
        if named is not None:
            end = max(t.i for t in named if t.pos_ == "PROPN") + 1  # the name, not a word the tagger ran into it
            return prev[: named.start].text_with_ws + core + prev[end - 1].whitespace_ + prev[end:].text
    kin = _kin_noun(frag[:].root if frag[:].root.pos_ in ("NOUN", "PROPN") else nouns[-1], prev)
    if kin is not None and kin.i not in asked:  # "And women?" after "… did American men lose?"
        head = kin
    if head is not None:  # "And security personnel?": swap the thing asked about
        start = _noun_start(head)
        return prev[:start].text_with_ws + core + head.whitespace_ + prev[head.i + 1 :].text
    return f"{previous.rstrip(' ?')} {core}?"


def _noun_start(head) -> int:
    return min([head.i, *(c.i for c in head.children if c.dep_ == "compound" and c.i < head.i)])


def _kin_noun(noun, doc: Doc):
    """The noun of `doc` that names the same kind of thing as `noun` ("men" for "women"), if one does."""
    near = [(k, t.i, t) for t in doc if t.pos_ == "NOUN" and (k := kinship(noun.lemma_.lower(), t.lemma_.lower())) is not None and k <= 3]
    return min(near, key=lambda x: x[:2])[2] if near else None


def _asked_noun(doc: Doc):
    """The noun a question asks about: "attacks" in "How many attacks …", "group" in "Which group …"."""
    wh = next((t for t in doc if t.lower_ in WH_WORDS), None)
    if wh is None:
        return None
    for t in doc[wh.i + 1 : wh.i + 7]:
        if t.pos_ == "NOUN":
            return t
        if t.pos_ in ("VERB", "AUX") and t.dep_ not in ("amod", "compound"):  # "undocumented" modifies a noun
            return None
    return None
