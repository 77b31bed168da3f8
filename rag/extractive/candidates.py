"""Candidate answers, over-generated: every span of an evidence sentence that could be the answer.

    for c in generate(q, evidence): c.span.text, c.label

Names (spaCy entities, runs of proper nouns the tagger missed, quoted phrases, noun phrases,
appositions), number and amount expressions ("at least 254", "$1.425bn", "four-day"), dates and
durations, clauses of cause or purpose, and whole sentences for yes/no questions. The label says what
kind of span it is; it is a feature the ranker weighs (through a fitted prior), never a filter: the
tagger calls provinces organisations and titles people.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from rag.extractive.evidence import Evidence, word_match
from rag.extractive.question import Form, Question
from rag.language import CAUSAL_MARKERS, CURRENCY_WORDS, NUMBER_WORDS, QUANTIFIERS, TIME_UNITS, clause_verb, tense
from rag.names import HONORIFICS, Words, find_name, fold
from rag.nlp import entities, noun_chunks
from rag.normalise import day_of_year, find_dates, format_date, numbers

NUMBER_LABELS = {"CARDINAL", "MONEY", "QUANTITY", "PERCENT", "ORDINAL"}
DATE_LABELS = {"DATE", "TIME"}
MAX_PHRASE_TOKENS = 12  # a noun phrase longer than this is a description, not an answer
MAX_CLAUSE_TOKENS = 30
_QUOTED = re.compile(r"[“\"‘]([^”\"’]{2,80})[”\"’]")


@dataclass(eq=False)
class Candidate:
    evidence: Evidence
    span: Span
    label: str  # an entity label, or DURATION, AGE, QUOTED, PROPN, NP, APPOS, CLAUSE, CAUSE:<marker>,
    # DESCRIPTION:<form>, SENTENCE
    value: frozenset  # comparable form, for agreement across sentences: numbers, date keys or words
    features: dict[str, float] = field(default_factory=dict)
    probability: float = 0.0
    date_note: str | None = None  # "31 January 2026" for a "Saturday" resolved against the publication date
    # a whole sentence's verb the question asks about, found once with the features; the yes or no of the
    # answer is read from it as `says_no` was
    verb: Token | None = None

    @property
    def text(self) -> str:
        return self.span.text


def generate(q: Question, evidence: list[Evidence]) -> list[Candidate]:
    out: list[Candidate] = []
    for e in evidence:
        if q.form is Form.YESNO:
            out.append(Candidate(e, e.sentence.span, "SENTENCE", frozenset()))
            continue
        if e.sentence.is_row:
            out += _cells(q, e)
            continue
        if q.form is Form.NUMBER:
            found = _numbers(q, e)
        elif q.form in (Form.DATE, Form.DURATION):
            found = _dates(q, e)
        elif q.form is Form.REASON:
            found = _causes(e)
        elif q.form is Form.DESCRIBE:
            found = _descriptions(q, e)
        else:
            found = _names(q, e)
            if q.form is Form.OPEN:  # "which X" / "what X": whatever X turns out to be
                found += _numbers(q, e) + _dates(q, e) + _clauses(e)
        out += _unique(found)
    return out


def _unique(found: list[Candidate]) -> list[Candidate]:
    """One candidate per span, never part of a hyphenated word; an entity's or a figure's label wins over
    an apposition, a quoted phrase, a noun phrase or a proper-noun run. A span with no letter or digit (a
    dash the tagger called a place) is no answer."""
    rank = {"NP": 3, "PROPN": 2, "QUOTED": 1, "APPOS": 1}
    best: dict[tuple[int, int], Candidate] = {}
    for c in found:
        whole = _whole_words(c.span, c.evidence.sentence.span)
        if whole != c.span:
            c.span = whole
            c.value = c.value if c.label in NUMBER_LABELS | DATE_LABELS else _words(whole)
        if not any(ch.isalnum() for ch in c.span.text) or all((t.is_stop or t.is_punct) and not t.like_num for t in c.span):
            continue
        key = (c.span.start_char, c.span.end_char)
        if key not in best or rank.get(c.label, 0) < rank.get(best[key].label, 0):
            best[key] = c
    return list(best.values())


def _whole_words(span: Span, sentence: Span) -> Span:
    """The span widened to the words it cuts at a hyphen: "4-0" for the "4" the parser made an
    apposition of, "Bankman-Fried" for "Fried" (the tokenizer splits at hyphens)."""
    doc, start, end = span.doc, span.start, span.end
    while start - 2 >= sentence.start and _hyphen_joins(doc[start - 2], doc[start - 1]):
        start -= 2
    while end + 1 < sentence.end and _hyphen_joins(doc[end - 1], doc[end]):
        end += 2
    return doc[start:end] if (start, end) != (span.start, span.end) else span


def _hyphen_joins(before: Token, hyphen: Token) -> bool:
    after = hyphen.doc[hyphen.i + 1]
    return hyphen.text in ("-", "–") and not before.whitespace_ and not hyphen.whitespace_ and before.text[-1:].isalnum() \
        and after.text[:1].isalnum()


def _inside(e: Evidence, span: Span) -> bool:
    s = e.sentence.span
    return s.start <= span.start and span.end <= s.end and len(span) > 0


# --- names and noun phrases ------------------------------------------------------------------------
def _names(q: Question, e: Evidence) -> list[Candidate]:
    doc, sent, out = e.sentence.span.doc, e.sentence.span, []
    for ent in entities(doc):
        if _inside(e, ent) and ent.label_ not in NUMBER_LABELS | DATE_LABELS:
            out.append(Candidate(e, ent, ent.label_, _words(ent)))
    inside_ents = {i for ent in entities(doc) for i in range(ent.start, ent.end)}
    # "Saturday, May 2", "in 2007 and 2008": a date or a figure the parser set beside a noun names nothing
    figures = {i for ent in entities(doc) if ent.label_ in NUMBER_LABELS | DATE_LABELS for i in range(ent.start, ent.end)}
    run: list[int] = []
    for t in [*sent, None]:
        if t is not None and t.pos_ == "PROPN" and t.i not in inside_ents:
            run.append(t.i)
            continue
        if run:
            span = doc[run[0] : run[-1] + 1]
            out.append(Candidate(e, span, "PROPN", _words(span)))
        run = []
    for chunk in noun_chunks(doc):
        if not _inside(e, chunk) or chunk.root.pos_ == "PRON" or len(chunk) > MAX_PHRASE_TOKENS:
            continue
        start = chunk.start + (1 if chunk[0].pos_ == "DET" and len(chunk) > 1 else 0)
        span = doc[start : chunk.end]
        out.append(Candidate(e, span, "NP", _words(span)))
    for m in _QUOTED.finditer(sent.text):
        span = doc.char_span(sent.start_char + m.start(1), sent.start_char + m.end(1), alignment_mode="expand")
        if span is not None and len(span) <= MAX_PHRASE_TOKENS:
            out.append(Candidate(e, span, "QUOTED", _words(span)))
    for t in sent:
        if t.dep_ == "appos" and t.head.i in range(sent.start, sent.end):
            span = doc[t.left_edge.i : t.right_edge.i + 1]
            if _inside(e, span) and len(span) <= MAX_CLAUSE_TOKENS and not _all_in(span, figures):
                out.append(Candidate(e, span, "APPOS", _words(span)))
    return out


def _all_in(span: Span, tokens: set[int]) -> bool:
    """Whether every word of the span (its punctuation and conjunctions aside) is one of `tokens`."""
    words = [t.i for t in span if not t.is_punct and t.pos_ != "CCONJ"]
    return bool(words) and all(i in tokens for i in words)


def _descriptions(q: Question, e: Evidence) -> list[Candidate]:
    """What a sentence says the asked-about name is: its title ("Southwest Chief Operating Officer
    Andrew Watterson"), an apposition either way round ("Abdul Basit, a research fellow", "her sister,
    Diane Simmons"), a relative clause ("Sam Collins, who is on the trustee board"), or what it is said to
    be or serve as ("Christina Vo is the co-author of …", "Bond served as the party's chairman"). Each is
    labelled by that form (DESCRIPTION:TITLE, :APPOSITION, :RELATIVE, :PREDICATE): which form answers
    "Who is …?" best is the fitted prior's to say, not a rule's."""
    doc, out = e.sentence.span.doc, []
    where = find_name(q.described or "", Words.of_tokens(e.tokens)) or set()
    heads = {doc[i] for i in where}
    heads = {t for t in heads if not (t.dep_ in ("compound", "flat") and t.head.i in where)}  # the name's head word
    for head in sorted(heads, key=lambda t: t.i):  # in the sentence's order, the same every run
        first = min([head.i, *(i for i in where if head.i - 4 <= i <= head.i)])
        title = [t for t in head.children if t.dep_ in ("compound", "amod", "nmod") and t.i < first]
        # "World War II veteran and New Orleans native Ben Martinez": the parser may make the name a second
        # subject beside the first title, yet a singular noun without a determiner is no subject in English:
        # both titles are the name's
        if head.dep_ == "conj" and head.head.i < first and _bare_singular(head.head):
            title.append(head.head)
        if title:
            start = max(min(t.left_edge.i for t in title), e.sentence.span.start)
            out.append((doc[start:first], "TITLE"))
        for child in head.children:
            if child.dep_ in ("appos", "relcl", "acl"):
                out.append((doc[child.left_edge.i : child.right_edge.i + 1], "APPOSITION" if child.dep_ == "appos" else "RELATIVE"))
        if head.dep_ == "appos":  # "Her younger sister, Diane Simmons": the noun the name is apposed to,
            noun = head.head  # with what follows it before the name ("the ambassador [to Washington], …")
            if noun.pos_ == "PROPN" and noun.dep_ == "pobj" and noun.head.head.pos_ == "NOUN":
                noun = noun.head.head  # a name is not apposed to a name: "the envoy to [Washington], Jane Moreau"
            end = noun.i
            if any(c.dep_ == "prep" and noun.i < c.i < first for c in noun.children):
                end = first - 1
                while end > noun.i and doc[end].is_punct:
                    end -= 1
            out.append((doc[noun.left_edge.i : end + 1], "APPOSITION"))
        if head.dep_ in ("nsubj", "nsubjpass"):
            verb = head.head
            # a copula has one predicate noun: several are the parser's split of one ("the co - author")
            said = [c for c in verb.children if c.dep_ == "attr"] if verb.lemma_ == "be" else []
            if said:
                out.append((doc[min(c.left_edge.i for c in said) : max(c.right_edge.i for c in said) + 1], "PREDICATE"))
            # "Bond served as the chairman of …", "she works as a nurse": the role the name's verb names
            roles = [o for c in verb.children if c.dep_ == "prep" and c.lower_ == "as" for o in c.children if o.dep_ == "pobj"]
            out += [(doc[o.left_edge.i : o.right_edge.i + 1], "PREDICATE") for o in roles if o.pos_ == "NOUN"]
    found = [(s, form) for s, form in out if len(s) and _inside(e, s) and len(s) <= MAX_CLAUSE_TOKENS and not _only_honorifics(s)]
    return [Candidate(e, s, f"DESCRIPTION:{form}", _words(s)) for s, form in found]


def _bare_singular(t: Token) -> bool:
    return t.tag_ == "NN" and not any(c.dep_ in ("det", "poss") for c in t.children)


def _only_honorifics(span: Span) -> bool:
    return all(fold(t.text) in HONORIFICS or t.is_punct for t in span)  # "Dr." is a title, not a description


def _words(span: Span) -> frozenset:
    return frozenset(t.lower_ for t in span if t.is_alpha and not t.is_stop) or frozenset({span.text.lower()})


def _clauses(e: Evidence) -> list[Candidate]:
    """What a verb reports or takes as its object: "the judge ordered [that the files be released]"."""
    out = []
    for t in e.sentence.span:
        if t.dep_ in ("ccomp", "xcomp") and t.head.pos_ in ("VERB", "AUX"):
            span = t.doc[t.left_edge.i : t.right_edge.i + 1]
            if _inside(e, span) and 3 <= len(span) <= MAX_CLAUSE_TOKENS:
                out.append(Candidate(e, span, "CLAUSE", _words(span)))
    return out


# --- numbers ----------------------------------------------------------------------------------------
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_AMOUNT = (
    rf"(?:US\$|\$|£|€|¥|Rs\.?\s?)?(?:\d+(?:,\d{{3}})*(?:\.\d+)?|(?:{_NUMBER_WORD})(?:[- ](?:{_NUMBER_WORD}))?)"
    r"(?:\s?(?:million|billion|trillion|thousand|bn|mn|tn|m|k)\b)?(?:\s?(?:%|percent\b|per cent\b))?"
)
# "at least 254", "$1.425bn", "four to five", "26%", "twenty-five": a figure as the text writes it.
_NUMBER_EXPRESSION = re.compile(rf"(?<![\w$£€¥.])(?:(?:{QUANTIFIERS})\s+)?{_AMOUNT}(?:\s?(?:to|-|–|or)\s?{_AMOUNT})?(?![\w])", re.I)


def _numbers(q: Question, e: Evidence) -> list[Candidate]:
    sent = e.sentence.span
    doc, text, out = sent.doc, sent.text, []
    dated = [(m.start, m.end) for m in find_dates(text)]
    for m in _NUMBER_EXPRESSION.finditer(text):
        if any(a <= m.start() < b or a < m.end() <= b for a, b in dated) or not re.search(r"\d|[a-z]", m.group(0), re.I):
            continue
        span = doc.char_span(sent.start_char + m.start(), sent.start_char + m.end(), alignment_mode="expand")
        if span is None or not _inside(e, span):
            continue
        values = numbers(span.text)
        if not values or values & (q.numbers | q.count):
            continue
        label = _number_label(span)
        if label == "DURATION":  # "about two [hours]": a length of time is stated with its unit
            span = span.doc[span.start : _time_unit_end(span)]
        out.append(Candidate(e, span, label, frozenset(values)))
    for ent in entities(doc):
        if ent.label_ == "ORDINAL" and _inside(e, ent):
            # "the 25th time it has turned to the lender" counts the times: an ordinal of the asked noun
            # says how many so far, where any other ordinal is a rank
            counts = q.focus is not None and ent.root.dep_ == "amod" and word_match(q.focus, ent.root.head) >= 1.0
            out.append(Candidate(e, ent, "COUNT" if counts else "ORDINAL", frozenset({ent.text.lower()})))
    return out


def _number_label(span: Span) -> str:
    after = span.doc[span.end] if span.end < len(span.doc) else None
    if re.search(r"[$£€¥]|\bRs\b", span.text) or (after is not None and after.lower_ in CURRENCY_WORDS):
        return "MONEY"
    if re.search(r"%|percent|per cent", span.text, re.I):
        return "PERCENT"
    if _time_unit_end(span) is not None:
        return "DURATION"
    return "CARDINAL"


def _time_unit_end(span: Span) -> int | None:
    """Where the time unit right after a figure ends ("two [hours]", "four[-day]"); None without one."""
    doc, i = span.doc, span.end
    if i < len(doc) and doc[i].text == "-":
        i += 1
    return i + 1 if i < len(doc) and doc[i].lemma_.lower() in TIME_UNITS else None


def _age(span: Span) -> bool:
    """ "31-year-old", "aged 40": how old someone is, neither a date nor a length of time."""
    last = span[-1]
    following = span.doc[span.end] if span.end < len(span.doc) else None
    return last.lower_ == "old" or (following is not None and following.lower_ == "old") or span[0].lower_ == "aged"


def _duration(span: Span) -> bool:
    """ "three years", "four-day", "18 months", "a decade": a length of time, not a date."""
    words = [t.lemma_.lower() for t in span]
    return any(w in TIME_UNITS for w in words) and (any(t.like_num for t in span) or words[0] in ("a", "an"))


# --- dates and durations ----------------------------------------------------------------------------
def _dates(q: Question, e: Evidence) -> list[Candidate]:
    s, out = e.sentence, []
    doc = s.span.doc
    for ent in entities(doc):
        if not _inside(e, ent) or ent.label_ not in DATE_LABELS:
            continue
        if _age(ent):
            out.append(Candidate(e, ent, "AGE", frozenset(numbers(ent.text)) or _words(ent)))
            continue
        if _duration(ent):
            out.append(Candidate(e, ent, "DURATION", frozenset(numbers(ent.text)) or _words(ent)))
            continue
        if q.form is Form.DURATION:
            continue
        # "will resume on Thursday" is the coming Thursday; "met on Thursday", the one before publication
        mentions = find_dates(ent.text, s.chunk.published, ahead=tense(clause_verb(ent)) == "future")
        keys = frozenset(k for m in mentions for k in m.keys) or frozenset({ent.text.lower()})
        if mentions and {mentions[0].key, day_of_year(mentions[0].key)} & q.date_keys:
            continue  # the question's own date, not an answer to it
        out.append(Candidate(e, ent, ent.label_, keys, date_note=_resolved(ent.text, mentions)))
    if q.form is Form.DURATION:
        out += [c for c in _numbers(q, e) if c.label == "DURATION"]
    return out


def _resolved(text: str, mentions) -> str | None:
    """The calendar date a relative day ("on Saturday") stands for; none where the text writes the day
    out ("Thursday, May 15"), which the reader can see."""
    if not mentions or re.search(r"\d", text):
        return None
    key = mentions[0].key
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", key):
        return format_date(dt.date.fromisoformat(key))
    return None


# --- reasons ----------------------------------------------------------------------------------------
def _causes(e: Evidence) -> list[Candidate]:
    """Clauses introduced by a causal or purpose connective ("because of the storm", "to cut costs"),
    labelled by their connective so the prior learns which connectives tend to give reasons; and the
    whole sentence, for reasons stated without one."""
    sent, doc, out = e.sentence.span, e.sentence.span.doc, []
    lowered = sent.text.lower()
    for marker in CAUSAL_MARKERS:
        for m in re.finditer(rf"\b{re.escape(marker)}\b", lowered):
            first = doc.char_span(sent.start_char + m.start(), sent.start_char + m.end(), alignment_mode="expand")
            if first is None:
                continue
            head = first[0]
            if head.dep_ == "mark" or (head.dep_ == "aux" and head.lower_ == "to"):
                top = head.head
            else:
                top = head
            span = doc[min(first.start, top.left_edge.i) : top.right_edge.i + 1]
            if span.start < first.start:
                span = doc[first.start : span.end]
            if _inside(e, span) and 2 <= len(span) <= MAX_CLAUSE_TOKENS:
                out.append(Candidate(e, span, f"CAUSE:{marker}", _words(span)))
    out.append(Candidate(e, sent, "SENTENCE", _words(sent)))
    return out


# --- dataset rows -----------------------------------------------------------------------------------
def _cells(q: Question, e: Evidence) -> list[Candidate]:
    """Each cell of a row is a candidate, labelled as the same words would be in a sentence (a figure, an
    amount, a date, a name), so one ranker serves rows and prose; its column is read as its context. As in
    prose, a question for a figure or a date takes only cells that hold one."""
    s, out = e.sentence, []
    doc, cells = s.span.doc, s.chunk.cells
    for n, cell in enumerate(cells):
        span = doc.char_span(cell.start - s.chunk.start, cell.end - s.chunk.start, alignment_mode="expand")
        if span is None:
            continue
        values = numbers(cell.value)
        if values and values & (q.numbers | q.count):
            continue
        unit = cells[n + 1].value if n + 1 < len(cells) else ""
        label = _cell_label(cell.value, unit, span)
        if q.form in (Form.NUMBER, Form.DURATION) and label not in NUMBER_LABELS or q.form is Form.DATE and label != "DATE":
            continue
        out.append(Candidate(e, span, label, frozenset(values) if values else _words(span)))
    return out


def _cell_label(value: str, unit: str, span: Span) -> str:
    if find_dates(value):
        return "DATE"
    if numbers(value):
        words = f"{value} {unit}".lower().split()
        if re.search(r"[$£€¥]", value) or any(w in CURRENCY_WORDS for w in words):
            return "MONEY"
        if "%" in value or "percent" in words:
            return "PERCENT"
        return "CARDINAL"
    named = [
        ent
        for ent in entities(span.doc)
        if span.start <= ent.start and ent.end <= span.end and 2 * len(ent) >= len(span) and ent.label_ not in NUMBER_LABELS
    ]
    return named[0].label_ if named else "NP"  # "billion US dollars" alone is a unit, not an amount
