"""Answer spans inside an evidence sentence: the candidates for the short answer.

    for c in find_candidates(q, sentence): c.span.text, c.fit, c.score

A candidate must be of the asked type and must not be a word of the question itself. Its fit says how
well the sentence ties it to the question: the number that counts the thing asked about ("254 attacks",
not "12 locations"), the name in the asked role ("Who did Pakistan blame?" wants the object of "blamed").
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from spacy.tokens import Span, Token

from rag.evidence import SYNONYM_MATCH, Sentence, term_match
from rag.nlp import entities
from rag.normalise import find_dates, format_date, numbers
from rag.question import QType, Question, Term
from rag.relations import (
    about_the_asked_action,
    attached_to,
    clause_is_about_question,
    foreign_modifier,
    in_question,
    proximity,
    role_fit,
)
from rag.rows import cell_span, row_cells
from rag.wordlists import PERSON_NOUNS, TYPE_NOUNS

FIT_WEIGHT = 0.25  # candidate score = sentence evidence + FIT_WEIGHT * fit
_NUMBER_LABELS = {"CARDINAL", "MONEY", "QUANTITY", "PERCENT"}
_QUANT_BEFORE = re.compile(
    r"((?:at least|at most|more than|less than|fewer than|up to|about|around|nearly|almost"
    r"|over|some|roughly|approximately)\s+)?(US\$|\$|£|€|Rs\.?\s?)?$",
    re.I,
)
_SCALE_AFTER = re.compile(r"^\s?(?:million|billion|trillion|thousand|bn|mn|tn|m|k|percent|per cent|%)\b", re.I)
_QUOTED = re.compile(r"[“\"]([^”\"]{1,60})[”\"]")
_MONEY_WORDS = {"worth", "value", "cost", "invest", "investment", "spend", "fund", "funding", "price", "dollar", "fdi"}
_PERCENT_WORDS = {"percentage", "percent", "rate", "share", "proportion"}


@dataclass
class Candidate:
    sentence: Sentence
    span: Span
    label: str
    fit: float
    values: frozenset  # comparable form: numbers, date keys, or the lower-cased name
    date_note: str | None = None  # "31 January 2026" when "Saturday" was resolved against the publication date

    @property
    def score(self) -> float:
        return self.sentence.evidence + FIT_WEIGHT * self.fit


def find_candidates(q: Question, s: Sentence) -> list[Candidate]:
    if q.qtype is QType.NUMBER:
        found = _row_value(q, s) if s.is_row else _numbers(q, s)
    elif q.qtype is QType.DATE:
        found = _dates(q, s)
    else:
        found = _names(q, s)
    if not s.is_row:
        found = [c for c in found if clause_is_about_question(q, s, c.span)]
    kept = []
    for c in found:
        role = role_fit(q, s, c.span)
        if role < 0:
            continue  # the other side of the asked verb: "Who did India blame?" is not "Naqvi blamed India"
        c.fit += role + proximity(s, c.span)
        kept.append(c)
    return kept


# --- numbers ------------------------------------------------------------------------------------------
def _numbers(q: Question, s: Sentence) -> list[Candidate]:
    doc, out, covered = s.span.doc, [], set()
    # "How many times …?" is answered by "the 25th time"; elsewhere ordinals are not amounts.
    labels = _NUMBER_LABELS | ({"ORDINAL"} if q.head is not None and q.head.lemma == "time" else set())
    blocked = {i for e in entities(doc) if e.label_ not in labels for i in range(e.start, e.end)}
    ordinals = {i for e in entities(doc) if e.label_ == "ORDINAL" and "ORDINAL" in labels for i in range(e.start, e.end)}
    for tok in s.span:
        if tok.i in covered or tok.i in blocked or not (tok.like_num or tok.pos_ == "NUM" or tok.i in ordinals):
            continue
        prefix = doc.text[s.span.start_char : tok.idx]
        start = tok.idx - len(_QUANT_BEFORE.search(prefix).group(0))
        after = _SCALE_AFTER.match(doc.text[tok.idx + len(tok.text) : s.span.end_char])
        end = tok.idx + len(tok.text) + (after.end() if after else 0)
        span = doc.char_span(start, end, alignment_mode="expand")
        values = numbers(span.text)
        covered.update(range(span.start, span.end))
        if not values or values & q.numbers:
            continue
        noun = _counted_noun(tok)
        fit = _number_fit(q, s, span, noun)
        if fit is not None:
            out.append(Candidate(s, span, "NUMBER", fit, frozenset(values)))
    return out


def _counted_noun(tok: Token) -> Token | None:
    while tok.dep_ in ("compound", "quantmod", "nummod", "nmod") and tok.head.pos_ == "NUM" and tok.head != tok:
        tok = tok.head
    noun = tok.head if tok.dep_ in ("nummod", "quantmod", "compound", "amod", "nmod") else None
    while noun is not None and noun.lemma_.lower() in ("percent", "m", "bn", "%") and noun.head.pos_ in ("NOUN", "PROPN"):
        noun = noun.head
    return noun if noun is not None and noun.pos_ in ("NOUN", "PROPN") else None


def _number_fit(q: Question, s: Sentence, span: Span, noun: Token | None) -> float | None:
    fit = 0.5
    asked = [Term(t.lemma, t.text, 1.0) for t in q.terms]
    doc = span.doc
    owners = [c for c in noun.children if c.dep_ == "poss"] if noun is not None else []
    if span.start >= 2 and doc[span.start - 1].tag_ == "POS":
        owners.append(doc[span.start - 2])
    if any(o.pos_ == "PROPN" and not in_question(o, asked) for o in owners):
        return None  # "Pakistan's 240 million people" does not count Balochistan's people
    if q.head is not None and not q.head_is_measure:
        near = [noun, *(c for c in noun.children if c.dep_ == "compound")] if noun is not None else []
        near += list(span.doc[span.end : min(span.end + 3, s.span.end)])
        if term_match(q.head, [t for t in near if t.pos_ in ("NOUN", "PROPN")])[0] < SYNONYM_MATCH:
            return None  # "How many civilians" is not answered by "17 security personnel"
        fit = 1.0
    elif noun is not None and noun.i in s.matched:
        fit += 0.3
    words = {t.lemma for t in q.terms} | {q.head.lemma if q.head else ""}
    money = bool(re.search(r"[$£€]|dollar|rupee", span.text + " " + (noun.text if noun is not None else ""), re.I))
    if words & _MONEY_WORDS or "much" in q.text.lower().split():
        fit += 0.3 if money else -0.2
    percent = bool(re.search(r"percent|per cent|%", span.text))
    if words & _PERCENT_WORDS:
        fit += 0.3 if percent else -0.2
    elif percent:
        fit -= 0.3  # "how many attacks" is not answered by "a 26 percent increase"
    return fit


def _row_value(q: Question, s: Sentence) -> list[Candidate]:
    cells = row_cells(s.text)
    cell, unit, indicator = cells.get("value", ""), cells.get("unit", ""), cells.get("indicator", "")
    span = cell_span(s, "Value") if cell else None
    if span is None or not numbers(cell) or numbers(cell) & q.numbers:
        return []
    fit = 0.5
    if q.head is not None and not q.head_is_measure:
        # The row counts what its unit or the opening words of its indicator name: "Deaths from attacks"
        # counts deaths, not attacks.
        subject = re.split(r"\b(?:in|from|of|by|for|to|into|after|under|at)\b", indicator, maxsplit=1)[0]
        counted = [t for t in s.span if t.is_alpha and _within(t, s, f"{subject} {unit}")]
        fit = 1.0 if term_match(q.head, counted)[0] >= SYNONYM_MATCH else 0.2
    percent = "percent" in unit.lower() or "%" in cell
    if not ({t.lemma for t in q.terms} & _PERCENT_WORDS) and percent:
        fit -= 0.3
    return [Candidate(s, span, "NUMBER", fit, frozenset(numbers(f"Value: {cell} · Unit: {unit}")))]


def _within(token: Token, s: Sentence, words: str) -> bool:
    """Whether `token` is one of the row's `words` (matched by text, in the cells part of the row)."""
    return token.lower_ in words.lower().split() and token.idx - s.span.start_char > s.text.find(" · ")


# --- dates --------------------------------------------------------------------------------------------
def _dates(q: Question, s: Sentence) -> list[Candidate]:
    if not about_the_asked_action(q, s):
        return []  # "When did Pakistan capture Balochistan?" needs a sentence about capturing
    if s.is_row:
        spans = [cell_span(s, "Period")]
    else:
        spans = [e for e in entities(s.span.doc) if e.label_ in ("DATE", "TIME") and s.span.start <= e.start <= e.end <= s.span.end]
    out = []
    for span in spans:
        if span is None:
            continue
        mentions = find_dates(span.text, s.chunk.published)
        keys = frozenset(k for m in mentions for k in m.keys) or frozenset({span.text.lower()})  # "the early 2000s"
        if keys & q.date_keys:
            continue
        day, note = mentions[0].key if mentions else "", None
        if not re.search(r"\d{4}", span.text) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", day):
            note = format_date(dt.date.fromisoformat(day)) if len(day) == 10 else _month_name(day)
        out.append(Candidate(s, span, span.label_ or "DATE", 1.0, keys, note))
    return out


def _month_name(key: str) -> str:
    year, month = key.split("-")
    return f"{calendar.month_name[int(month)]} {year}"


# --- names --------------------------------------------------------------------------------------------
def _names(q: Question, s: Sentence) -> list[Candidate]:
    doc, out = s.span.doc, []
    spans = [(e, e.label_) for e in entities(doc) if e.start >= s.span.start and e.end <= s.span.end]
    if q.qtype is QType.NAME:
        for m in _QUOTED.finditer(s.span.text):
            span = doc.char_span(s.span.start_char + m.start(1), s.span.start_char + m.end(1), alignment_mode="expand")
            if span is not None and len(span) <= 6:
                spans.append((span, "QUOTED"))
    spans += [(chain, "PROPN") for chain in _proper_noun_chains(q, s)]
    if s.is_row:
        cells = s.text.find(" · ")
        spans = [(e, label) for e, label in spans if e.start_char - s.span.start_char > cells]
    question_words = [Term(t.lemma, t.text, 1.0) for t in q.terms]
    # The question's own thing under another name: "BLA" for "Baloch Liberation Army" and back.
    acronyms = {t.text for t in q.terms if t.acronym}
    n = len(q.terms)
    acronyms |= {"".join(t.text[0] for t in q.terms[i:j]) for i in range(n) for j in range(i + 3, min(i + 6, n + 1))}
    # "Who is the president of China?" wants the person the title belongs to, not a name qualifying the
    # title ("United States" in "United States President Donald Trump").
    person_role = q.head is not None and q.head.lemma in PERSON_NOUNS
    for span, label in spans:
        weight = q.labels.get(label, 0.0)
        if person_role and span.root.dep_ in ("compound", "poss", "nmod", "amod"):
            continue
        words = [t for t in span if t.is_alpha and not t.is_stop]
        if not weight or not words or all(in_question(t, question_words) for t in words):
            continue
        if "".join(w.lower_[0] for w in words) in acronyms:
            continue  # "Baloch Liberation Army" is the question's own "BLA"
        fit = weight
        if span.root.dep_ == "compound" and q.qtype is not QType.NAME:
            fit -= 0.4  # a title, not the answer: "BLA" in "BLA leader Bashir Zeb"
        head = attached_to(span, q.head) if q.head is not None else None
        if head is not None:
            if foreign_modifier(head, span, q):
                continue  # "United States President Donald Trump" does not answer "president of China"
            fit += 0.5
        elif q.head is not None and q.head.lemma not in TYPE_NOUNS:
            continue  # "Who is the prime minister?" wants the name that goes with "Prime Minister"
        elif q.head is not None:
            fit -= 0.3  # "which province": "Balochistan province" beats a country named nearby
        elif not about_the_asked_action(q, s):
            continue  # "Who founded the BLA?" is not answered by a sentence that never mentions founding
        out.append(Candidate(s, span, label, fit, frozenset({span.text.lower().removeprefix("the ")})))
    # The same name found as an entity and in quotes: keep the better-fitting copy.
    best: dict[frozenset, Candidate] = {}
    for c in out:
        if c.values not in best or c.fit > best[c.values].fit:
            best[c.values] = c
    return list(best.values())


def _proper_noun_chains(q: Question, s: Sentence) -> list[Span]:
    """Runs of proper nouns the entity tagger missed ("Field Marshal Asim Munir", "Berlin"), minus
    leading words of the question ("Chief" in "Army Chief Field Marshal Asim Munir")."""
    doc = s.span.doc
    inside = {i for e in entities(doc) for i in range(e.start, e.end)}
    asked = {t.lemma for t in q.terms} | {t.text for t in q.terms}
    chains, run = [], []
    for t in [*s.span, None]:
        if t is not None and t.pos_ == "PROPN" and t.i not in inside:
            run.append(t)
            continue
        while run and (run[0].lower_ in asked or run[0].lemma_.lower() in asked):
            run.pop(0)
        if run:
            chains.append(doc[run[0].i : run[-1].i + 1])
        run = []
    return chains
