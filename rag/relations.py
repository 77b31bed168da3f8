"""How a sentence ties a candidate answer to the question: the clause it sits in, the role it plays
for the asked verb, the asked-about word it hangs on, and how close it is to the question's words.

    role_fit(q, sentence, span)   # > 0: "India" is what "Naqvi blamed"; < 0: Naqvi is who blamed
    attached_to(span, q.head)     # the "leader" in "BLA leader Bashir Zeb", or None
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from rag.evidence import SYNONYM_MATCH, Sentence, name_tokens, term_match, word_match
from rag.nlp import with_entities
from rag.question import QType, Question, Term

ROLE_FIT = 0.6  # fit for filling the asked role of the asked verb
PARAPHRASE_COVERAGE = 0.75  # a sentence covering this much of the question may use its own verb
SAY_VERBS = {"say", "tell", "state", "claim", "add", "argue", "insist", "announce", "report", "warn", "describe"}


def clause_of(span: Span) -> set[int]:
    """Token indices of the clause that states `span`: its nearest verb's subtree (through "X said ...")."""
    verb = span.root
    while verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("amod", "acl"):  # "a Berlin-based researcher"
        if verb.head == verb:
            break
        verb = verb.head
    # A coordinated verb without its own subject shares its clause: "Pakistan has regained …, and has
    # secured $7 billion"; one with a subject is a clause of its own ("…, and the US signed a deal").
    while verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX") and not any(c.dep_.startswith("nsubj") for c in verb.children):
        verb = verb.head
    while verb.dep_ in ("ccomp", "xcomp") and verb.head.lemma_ in SAY_VERBS:
        verb = verb.head
    if verb.dep_ == "relcl":  # "the Jafar Express train attack …, which killed at least 26 people"
        verb = verb.head
    return set(range(verb.left_edge.i, verb.right_edge.i + 1))


def clause_is_about_question(q: Question, s: Sentence, span: Span) -> bool:
    """The clause around the answer must carry the question's other words, and a figure's clause any
    question name the sentence mentions: "which killed at least 26 people" is the Jafar Express attack's
    toll, not Pahalgam's."""
    clause = (clause_of(span) & set(range(s.span.start, s.span.end))) - set(range(span.start, span.end))
    others = {i for i, lemma in s.matched.items() if lemma != q.wh_verb and i in clause}
    if q.terms and not others:
        return False
    if q.qtype is not QType.NUMBER:
        return True
    # A figure belongs to one event: a name the sentence gives to another clause is not what it counts.
    words = s.words()
    specifiers = {t.text for t in q.required} | set(q.specifiers)  # "of Pakistan" may sit anywhere
    for entity in q.entities:
        if set(entity.lower().split()) <= specifiers:
            continue
        where = name_tokens(entity, words)
        if where is not None and not where & clause:
            return False
    return True


def about_the_asked_action(q: Question, s: Sentence) -> bool:
    """Whether the sentence has one of the question's verbs (or a synonym: "accuse" is found as "blamed");
    "try to hijack" is satisfied by "attempting to hijack"."""
    verbs = [*q.verbs, *([Term(q.wh_verb, q.wh_verb, 1.0)] if q.wh_verb else [])]
    if not verbs or (s.coverage >= PARAPHRASE_COVERAGE and not s.is_row):
        return True  # the rest of the question is all there: "fight a confrontation" ≈ "escalated into a confrontation"
    return any(term_match(v, s.words())[0] >= SYNONYM_MATCH for v in verbs)


def in_question(token: Token, terms: list[Term]) -> bool:
    return any(max(word_match(t.text, token.lower_), word_match(t.lemma, token.lemma_.lower())) >= 0.8 for t in terms)


def attached_to(span: Span, head: Term) -> Token | None:
    """The word for the thing asked about, if the sentence ties it to `span` ("BLA [leader] Bashir Zeb")."""
    root = span.root
    near = [root.head, *root.children, *(t for c in root.children for t in c.children)]
    near += [t for t in span.doc[max(span.start - 2, 0) : span.end + 2] if t not in span]
    score, where = term_match(head, [t for t in near if t.is_alpha])
    return span.doc[where[0]] if score >= 0.8 else None


def initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"\w+", name.lower()) if w not in ("the", "of", "and"))


def foreign_modifier(head: Token, span: Span, q: Question) -> bool:
    """Whether a name the question did not ask about qualifies the head word ("United States President")."""
    asked = [Term(t.lemma, t.text, 1.0) for t in q.terms]
    asked += [Term(p, p, 1.0) for e in q.entities for p in e.lower().split()]
    asked += [Term(a, a, 1.0) for a in (initials(e) for e in q.entities) if len(a) >= 2]  # "BLA"
    window = with_entities(head.doc)[max(head.i - 3, 0) : head.i]
    modifiers = [
        t for t in (*window, *(c for c in head.children if c.dep_ == "poss")) if t.ent_type_ in ("GPE", "NORP", "ORG") and t not in span
    ]
    return any(not in_question(t, asked) for t in modifiers)


def role_fit(q: Question, s: Sentence, span: Span) -> float:
    """+ when the span fills the asked role of the question's verb in this sentence, - for the other role."""
    if not q.wh_verb or not q.wh_role:
        return 0.0
    verb_term = Term(q.wh_verb, q.wh_verb, 1.0)
    for tok in [span.root, *span.root.ancestors]:
        head = tok.head
        match = term_match(verb_term, [head])[0] if head != tok else 0.0
        if match < SYNONYM_MATCH:
            continue
        bonus = ROLE_FIT * match  # the asked verb itself ("blamed") ties tighter than a synonym ("accused")
        if q.qtype in (QType.PLACE, QType.DATE):
            return bonus  # any place or time hanging on the asked verb: "Berlin-based", "rejected on Sunday"
        if head.lemma_ == "accord":  # "according to the State Bank": the bank is who reported it
            role = "subject"
        elif head.pos_ in ("NOUN", "PROPN"):  # "BLA leader Bashir Zeb": the leader is who leads
            role = "subject" if tok.dep_ in ("compound", "appos") else None
        elif tok.dep_ in ("nsubj", "csubj") or (tok.dep_ == "pobj" and tok.head.dep_ == "agent"):
            role = "subject"
        elif tok.dep_ in ("dobj", "nsubjpass", "attr", "dative", "oprd", "pobj", "prep"):
            role = "object"
        else:
            role = None
        if role:
            return bonus if role == q.wh_role else -bonus
    return 0.0


def proximity(s: Sentence, span: Span) -> float:
    if not s.matched:
        return 0.0
    distance = min(min(abs(i - span.start), abs(i - (span.end - 1))) for i in s.matched)
    return 0.3 / (1 + distance / 3)
