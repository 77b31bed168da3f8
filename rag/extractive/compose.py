"""How an extractive answer reads: the short answer first, naming what was asked, then the quote.

    Interior Minister Mohsin Naqvi blamed neighboring India [1]. Al Jazeera reported on 2 February 2026:
    “Within hours of the attacks in at least 12 locations, Interior Minister Mohsin Naqvi blamed neighboring India.” [1]

The lead is cut from the evidence sentence itself (the clause that states the candidate: its verb,
subject and object, minus asides), so every word of it can be checked against the quote. When the lead
is most of the sentence, the quote is not repeated. A dataset row reads as its cells. Other articles
giving the same value are named and cited after it ("Dawn and The News give the same figure [2][3]."); when
another article reports the same fact with another figure, both are stated, each with its own citation:

    Reports differ: 31 civilians (Al Jazeera, 2 February 2026) [1] and 33 civilians (Dawn, 3 February 2026) [2]. …

Nothing the corroboration says is a number (no "three outlets"): the claim check holds every figure in a
claim to the quotes that claim cites.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from rag.extractive.agreement import Reports
from rag.extractive.candidates import Candidate
from rag.extractive.question import Form, Question
from rag.extractive.values import kind
from rag.language import SAY_VERBS, denies, keeps_capital, replies
from rag.nlp import text_of
from rag.normalise import format_date, numbers, without_dates
from rag.sentences import Citations, Sentence

_DROP_DEPS = frozenset("conj cc appos relcl acl advcl parataxis ccomp csubj mark dep meta preconj intj punct".split())
_PLACES = {"GPE", "LOC"}  # a place named with the place it lies in: "Hollister, California"
_LISTABLE = {"NOUN", "PROPN", "ADJ", "NUM"}  # words a list beside the answer is kept whole of
_CLAUSE_DEPS = frozenset("relcl acl advcl appos parataxis ccomp csubj".split())
_SHORT_DEPS = {"prep", "advmod", "npadvmod", "agent"}  # kept only when short: "in 2025", not a digression
MAX_SHORT_WORDS = 6
MAX_LEAD_WORDS = 30
SAME_SENTENCE = 0.8  # a lead this much of its sentence already says it: the quote is not repeated
MAX_UNIT_WORDS = 4  # a dataset column after a figure this short is read as its unit ("billion US dollars")


def attribution(s: Sentence) -> str:
    chunk = s.chunk
    name = source_name(s)
    return f"{name} reported on {format_date(chunk.published)}" if chunk.published else f"{name} reported"


def source_name(s: Sentence) -> str:
    chunk = s.chunk
    if s.is_row:
        return f"The {chunk.outlet} dataset" if chunk.outlet else f"The dataset “{chunk.title}”"
    return chunk.outlet or f"“{chunk.title}”"


def quote_end(s: Sentence) -> int:
    """Where a quote of `s` should end: through the next sentence when the evidence runs on into it (a
    sentence ending in a colon, or a quotation whose speaker comes after it: "…,” she said.)."""
    nxt = _next_sentence(s)
    if nxt is None:
        return s.end
    text = s.text.rstrip()
    runs_on = text.endswith(":") or text.count("“") > text.count("”")
    attributed_after = len(nxt) <= 8 and any(t.lemma_ in SAY_VERBS for t in nxt) and text.endswith(("”", '"'))
    return s.chunk.start + nxt.end_char if runs_on or attributed_after else s.end


def _next_sentence(s: Sentence) -> Span | None:
    doc, sent = s.span.doc, s.span
    if s.is_row or sent.end >= len(doc):
        return None
    following = next(iter(doc[sent.end :].sents), None)  # spaCy finds the rest of the sentences lazily
    return following if following is not None and "\n" not in text_of(doc)[sent.end_char : following.start_char] else None


def write(q: Question, reports: Reports, cites: Citations) -> str:
    """The answer text for the chosen candidate, then the other articles that give the same value, cited
    as corroboration; or, when another article reports the same fact with another figure, both figures."""
    if reports.rival is not None:
        return _both(reports, cites)
    best = reports.best
    s = best.evidence.sentence
    end = quote_end(s)
    marker = cites.cite(s, best.probability, end)
    if q.form is Form.YESNO:
        return f"{yes_or_no(q, best)}, according to {source_name(s)} {marker}. {_quoted(s, cites, best, end)}"
    lead = _lead(q, best)
    text = f"{lead} {marker}."
    if not s.is_row and len(lead.split()) < SAME_SENTENCE * len(s.text.split()):
        text += " " + _quoted(s, cites, best, end)
    if reports.agreeing:
        what = {"number": "figure", "date": "date"}.get(kind(best), "answer")
        who, plural = _also(best, reports.agreeing)
        text += f" {who} {'give' if plural else 'gives'} the same {what} {_markers(reports.agreeing, cites)}."
    return text


def _both(reports: Reports, cites: Citations) -> str:
    """ "Reports differ: 31 civilians (Al Jazeera, 2 February 2026) [1] and 33 civilians (Dawn, 3 February
    2026) [2]." then each quoted. Each figure sits in the claim its own citation closes, so the claim
    check holds each to its own quote; the stated answer comes first, so the lead is a single value."""
    best, rival = reports.best, reports.rival
    parts = []
    for c in (best, rival):
        s = c.evidence.sentence
        parts.append(f"{_noun_phrase(c.span, s.span)} ({_dated_source(s)}) {_cite(c, cites)}")
    text = f"Reports differ: {parts[0]} and {parts[1]}."
    for c in (best, rival):
        text += " " + _quoted(c.evidence.sentence, cites, c, quote_end(c.evidence.sentence))
    if reports.agreeing:
        first = reports.agreeing[0]
        who, plural = _also(best, reports.agreeing)
        value = _noun_phrase(first.span, first.evidence.sentence.span)
        text += f" {who} also {'give' if plural else 'gives'} {value} {_markers(reports.agreeing, cites)}."
    return text


def _dated_source(s: Sentence) -> str:
    return f"{source_name(s)}, {format_date(s.chunk.published)}" if s.chunk.published else source_name(s)


def _also(best: Candidate, agreeing: list[Candidate]) -> tuple[str, bool]:
    """The corroborating sources by name, and whether that subject is plural: "Dawn and The News",
    "another Wire report" (the lead's own outlet again), "reports from Dawn" (one outlet twice)."""
    lead_name = source_name(best.evidence.sentence)
    counts: dict[str, int] = {}
    for c in agreeing:
        name = source_name(c.evidence.sentence)
        counts[name] = counts.get(name, 0) + 1
    names = []
    for name, n in counts.items():
        if name == lead_name:
            names.append(f"another {name} report" if n == 1 else f"other {name} reports")
        else:
            names.append(name if n == 1 else f"reports from {name}")
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return joined[:1].upper() + joined[1:], len(agreeing) > 1


def _markers(agreeing: list[Candidate], cites: Citations) -> str:
    return "".join(_cite(c, cites) for c in agreeing)


def _cite(c: Candidate, cites: Citations) -> str:
    """The marker citing `c`'s sentence, quoted to its end."""
    s = c.evidence.sentence
    return cites.cite(s, c.probability, quote_end(s))


def _quoted(s: Sentence, cites: Citations, best: Candidate, end: int) -> str:
    chunk = s.chunk
    quote = chunk.text[s.start - chunk.start : end - chunk.start]
    return f"{attribution(s)}: “{quote}” {cites.cite(s, best.probability, end)}"


def yes_or_no(q: Question, best: Candidate) -> str:
    """ "Yes" when the sentence says what the question asks, "No" when it says the opposite: it negates (not,
    never, no …) or uses a verb of refusal (denied, rejected …) and the question not, or the reverse.
    Both the clause of the verb the question was aligned with and the sentence as a whole are read, and
    either saying no is enough: the verb negated is often not the one aligned ("declined to endorse X to
    lead the country" aligns "lead"; "appeared in court and pleaded not guilty" aligns "appeared"). On the
    dev split's yes/no questions, a logistic regression over both readings of the sentences holding the
    evidence decides "No" when either says no, and right answers rise from 71 % to 75 % of them.
    A sentence that replies in so many words ("Yes, X is listed as a starter") is taken at its word,
    unless the question itself is negated ("Wasn't X …?"), where a bare yes or no is ambiguous."""
    reply = replies(best.span)
    asked = denies(q.doc)
    if reply is not None and not asked:
        return "Yes" if reply else "No"
    if _another_figure(q, best):
        return "Yes" if asked else "No"
    says_no = denies(best.span, best.verb) != asked or denies(best.evidence.sentence.span) != asked
    return "No" if says_no else "Yes"


def _another_figure(q: Question, best: Candidate) -> bool:
    """Whether the sentence gives another figure than the one the question asks about: "Just 17% of
    students had their immunizations" answers "Was the rate above 95%?" with no (the figure is elsewhere
    in the article, which is why the sentence could answer at all)."""
    if not q.numbers or best.evidence.numbers_away == 0:
        return False
    return bool(numbers(without_dates(best.evidence.sentence.content)) - q.numbers)


def _lead(q: Question, c: Candidate) -> str:
    if c.evidence.sentence.is_row:
        return _row_lead(c)
    # The parse can join a sentence to the heading above it; a lead never reaches outside its sentence.
    sentence = c.evidence.sentence.span
    span = _named(q, c, sentence)
    if q.form is Form.DESCRIBE:
        description = c.span.text.strip(" ,;")
        if c.span.start == sentence.start and not keeps_capital(c.span[0]):  # "Her younger sister, …" moves mid-sentence
            description = description[:1].lower() + description[1:]
        text = f"{q.described}, {description}"  # "Abdul Basit, a research fellow at …"
    elif c.label == "APPOS":
        text = _appositive(c.span, sentence)
    elif q.form is Form.ENTITY and q.predicate is None and q.focus is not None:
        text = _noun_phrase(span, sentence)  # "Who is the interior minister?": the name with its title
    else:
        text = _clause(span, sentence) or _noun_phrase(span, sentence)
    text = _balanced(text, sentence.text)
    if c.date_note:
        text = text.replace(c.span.text, f"{c.span.text} ({c.date_note})", 1)
    return text[:1].upper() + text[1:]


def _named(q: Question, c: Candidate, sentence: Span) -> Span:
    """What the lead names: the candidate, with the place it lies in ("Hollister, California" for either
    name, as a reader needs both to find it), and, when the question asks for several ("Which two envoys
    …?"), the names it is listed with ("Brett McGurk and Amos Hochstein", not "Brett McGurk were …")."""
    span, doc = c.span, c.span.doc
    if c.label in _PLACES or q.key == "where":  # "Davos-Klosters, Switzerland", the first tagged an organisation
        for tok in span:
            place = next((a for a in tok.children if a.dep_ == "appos" and a.ent_type_ in _PLACES), None)
            if tok.dep_ == "appos" and tok.ent_type_ in _PLACES and tok.head.pos_ == "PROPN":
                tok, place = tok.head, tok
            if place is not None and place.i == tok.i + 2 + _left_words(place) and doc[tok.i + 1].text == ",":
                return _within(doc, min(span.start, tok.i - _left_words(tok)), max(span.end, place.i + 1), sentence)
    if q.several and span.root.ent_type_:
        first = span.root
        while first.dep_ == "conj" and first.head.ent_type_ == span.root.ent_type_:
            first = first.head
        listed = _conjuncts(first)
        if listed:
            start, end = first.i - _left_words(first), max(t.i for t in listed) + 1
            label = span.root.ent_type_
            if all(t.ent_type_ == label or t.is_punct or t.dep_ in ("cc", "det") for t in doc[start:end]):
                return _within(doc, min(start, span.start), max(end, span.end), sentence)
    return span


def _conjuncts(tok: Token) -> list[Token]:
    """The names listed after `tok` ("Ireland" and "Slovenia" after "Spain, the Netherlands"), not the
    conjuncts inside them ("security and energy" of an apposition)."""
    out = []
    for child in tok.children:
        if child.dep_ == "conj":
            out += [child, *_conjuncts(child)]
    return out


def _left_words(tok: Token) -> int:
    """How many words of the name `tok` ends stand right before it: "New" of "New York", "Amos" of "Amos
    Hochstein", "Davos -" of "Davos-Klosters"."""
    doc, n = tok.doc, 0
    while tok.i - n - 1 >= 0:
        before = doc[tok.i - n - 1]
        if before.dep_ == "compound" and before.head == tok:
            n += 1
        elif before.text in "-–" and not before.whitespace_ and n + 2 <= tok.i and not doc[tok.i - n - 2].whitespace_:
            n += 2  # "Davos-Klosters"
        else:
            return n
    return n


def _within(doc, start: int, end: int, sentence: Span) -> Span:
    return doc[max(start, sentence.start) : min(end, sentence.end)]


_PAIRS = (("(", ")"), ("[", "]"), ("“", "”"), ("‘", "’"))


def _balanced(text: str, sentence: str) -> str:
    """A lead whose span opened a bracket or quotation and stopped inside it: closed where the sentence
    closes it a few words on ("40 degrees Celsius (104 Fahrenheit)"), else without the opening mark (the
    words after it may be the answer; the quote that follows shows how the source wrote them)."""
    at = sentence.find(text)
    for opening, closing in _PAIRS:
        if text.count(opening) <= text.count(closing) or (opening == "‘" and "’" in text):  # ’ is also an apostrophe
            continue
        rest = sentence[at + len(text) :] if at >= 0 else ""
        end = rest.find(closing)
        if 0 <= end and len(rest[:end].split()) <= 3 and opening not in rest[:end]:
            text += rest[: end + 1]
        else:
            cut = text.rfind(opening)
            text = text[:cut] + text[cut + 1 :]
    return text


def _row_lead(c: Candidate) -> str:
    """A row's chosen cell first, with the unit its next column gives ("60 billion US dollars"), then the
    other cells: "60 billion US dollars — Indicator: Value of the CPEC; Attributed to: …"."""
    chunk = c.evidence.sentence.chunk
    cells = chunk.cells
    n = next((n for n, cell in enumerate(cells) if cell.start - chunk.start <= c.span.start_char < cell.end - chunk.start), None)
    if n is None:
        return "; ".join(f"{cell.column}: {cell.value}" for cell in cells)
    shown = [n]
    value = cells[n].value
    if numbers(value) and n + 1 < len(cells) and not numbers(cells[n + 1].value) and len(cells[n + 1].value.split()) <= MAX_UNIT_WORDS:
        value += f" {cells[n + 1].value}"
        shown.append(n + 1)
    rest = "; ".join(f"{cell.column}: {cell.value}" for k, cell in enumerate(cells) if k not in shown)
    return f"{value} — {rest}" if rest else value


def _appositive(span: Span, sentence: Span) -> str:
    """ "Abdul Basit, a research fellow at …": the name with the phrase that introduces it."""
    doc = span.doc
    head = span.root.head if span.root.dep_ == "appos" else span.root
    start = max(min([head.left_edge.i, span.start]), sentence.start)
    end = min(max(span.end, head.i + 1), sentence.end)
    text = doc[start:end].text.strip(" ,;")
    return text if len(text.split()) <= MAX_LEAD_WORDS else span.text


def _clause(span: Span, sentence: Span) -> str | None:
    inside = set(range(sentence.start, sentence.end))
    verb = span.root
    while verb.pos_ not in ("VERB", "AUX") and verb.head != verb:
        verb = verb.head
    if verb.pos_ not in ("VERB", "AUX") or verb.i not in inside:
        return None
    below = next((t for t in [span.root, *span.root.ancestors] if t.head == verb), span.root)
    if verb.lemma_ in SAY_VERBS and below.dep_ == "nsubj":
        speaker = _collect(below, set(range(span.start, span.end)))  # the speaker: "BLA leader Bashir Zeb"
        return _render(span.doc, speaker & inside)
    # keep who said it: "Bashir Zeb said the attacks were part of ...", "…, she said"; not a sayer the
    # sentence leaves out ("[Trump] said Japan would …") nor "all" of "– almost all said …", which the
    # parser hangs the asked clause on across a dash
    while verb.dep_ in ("ccomp", "xcomp") and verb.head.lemma_ in SAY_VERBS and _named_sayer(verb.head):
        verb = verb.head
    keep = set(range(span.start, span.end))
    tokens = (_collect(verb, keep) | keep) & inside
    if sum(not verb.doc[i].is_punct for i in tokens) > MAX_LEAD_WORDS:
        return None
    return _render(span.doc, tokens)


def _named_sayer(verb: Token) -> bool:
    return any(c.dep_ == "nsubj" and (c.pos_ in ("PROPN", "NOUN") or c.tag_ == "PRP") for c in verb.children)


def _collect(tok: Token, keep: set[int]) -> set[int]:
    for child in tok.children:  # "31 civilians and [17 security personnel]": the asked conjunct stands alone
        if child.dep_ == "conj" and keep & set(range(child.left_edge.i, child.right_edge.i + 1)) and tok.i not in keep:
            return _collect(child, keep)
    out = {tok.i}
    # a phrase beside the answer keeps its list whole: "including Connecticut, New Jersey and Oklahoma"
    aside = not keep & set(range(tok.left_edge.i, tok.right_edge.i + 1))
    alike = [c for c in tok.children if c.dep_ == "conj" and c.pos_ == tok.pos_ and c.pos_ in _LISTABLE
             and _words_besides_clauses(c) <= MAX_SHORT_WORDS] if aside else []
    for child in tok.children:
        subtree = set(range(child.left_edge.i, child.right_edge.i + 1))
        listed = child in alike or (child.dep_ == "cc" and bool(alike))
        if subtree & keep:
            out |= _collect(child, keep)
        elif child.lemma_ == "accord":  # "according to the State Bank of Pakistan" is the attribution: keep it whole
            out |= subtree
        elif (child.dep_ in _DROP_DEPS and not listed) or (child.dep_ in _SHORT_DEPS and _words_besides_clauses(child) > MAX_SHORT_WORDS):
            continue
        else:
            out |= _collect(child, keep)
    return out


def _words_besides_clauses(tok: Token) -> int:
    """The words of a phrase but the clauses hung on it, which a lead drops anyway: "with the festival" in
    "came up with the festival, which brought 5,000 people to the shore" is short."""
    clauses = [t for t in tok.subtree if t.dep_ in _CLAUSE_DEPS and t is not tok]
    dropped = {i for t in clauses for i in range(t.left_edge.i, t.right_edge.i + 1)}
    return sum(1 for t in tok.subtree if t.i not in dropped and not t.is_punct)


def _render(doc, indices: set[int]) -> str:
    """The kept words in sentence order; punctuation only where both its neighbours were kept, and none
    left behind by a dropped word ("champion [and World No]. 1-ranked" would read "champion . 1-ranked")."""
    kept = set(indices)
    kept |= {i for i in range(min(indices), max(indices)) if doc[i].is_punct and i - 1 in kept and i + 1 in kept}
    kept -= {i for i in kept if doc[i].is_punct and _stranded(doc[i], kept)}
    kept = _close_brackets(doc, _pair_quotes(doc, kept))
    order = sorted(kept)
    parts = []
    for n, i in enumerate(order):
        joined = n + 1 < len(order) and order[n + 1] == i + 1
        parts.append(doc[i].text + (doc[i].whitespace_ if joined else " "))
    return "".join(parts).strip().strip(",;:—–―-").strip()


def _stranded(t: Token, kept: set[int]) -> bool:
    """Punctuation whose word was dropped: an opening mark needs the word after it, a closing mark or a
    comma the word before it, a straight quote either."""
    before, after = t.i - 1 in kept, t.i + 1 in kept
    if t.is_left_punct and t.is_right_punct:
        return not (before or after)
    return not after if t.is_left_punct else not before


def _close_brackets(doc, kept: set[int]) -> set[int]:
    """An opened bracket is closed where the kept words inside it end ("$10.99 per month ($14.99 for a family
    plan)"); one whose inside was dropped goes too."""
    kept = set(kept)
    for i in sorted(kept):
        if doc[i].text not in ("(", "["):
            continue
        closing = next((j for j in range(i + 1, len(doc)) if doc[j].text in (")", "]")), None)
        if closing is not None and closing - 1 in kept:
            kept.add(closing)
        elif closing is None or closing not in kept:
            kept.discard(i)
    return kept


def _pair_quotes(doc, kept: set[int]) -> set[int]:
    """A quotation keeps its marks only when the lead keeps it whole: marks around words the lead cut would
    misquote. Keeping "feast" of 'means "festival" or "feast"', the mark after it was kept (its neighbours
    were) and the one before it dropped (after "or"): the lead read 'means feast" in Arabic'. A straight
    mark opens when it is spaced before and not after."""
    sentence = doc[min(kept)].sent
    pairs, opened = [], []
    for t in sentence:
        straight = t.text == '"'
        opens = t.text == "“" or (straight and (t.i == sentence.start or bool(doc[t.i - 1].whitespace_)) and not t.whitespace_)
        if opens:
            opened.append(t.i)
        elif (t.text == "”" or straight) and opened:
            pairs.append((opened.pop(), t.i))
    kept = set(kept)
    for start, end in pairs:
        inside = [i for i in range(start + 1, end) if not doc[i].is_punct]
        if inside and all(i in kept for i in inside):
            kept |= {start, end}
        else:
            kept -= {start, end}
    return kept


def _noun_phrase(span: Span, sentence: Span) -> str:
    doc, start, end = span.doc, span.start, span.end
    while start > sentence.start and doc[start - 1].dep_ == "compound" and doc[start - 1].head.i in range(start, end):
        start -= 1  # "Interior Minister" + "Mohsin Naqvi"
    while end < sentence.end and doc[end].pos_ in ("NOUN", "PROPN", "ADJ") and end - span.end < 3:
        end += 1  # "at least 254" + "attacks"
    return doc[start:end].text
