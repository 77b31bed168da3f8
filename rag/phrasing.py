"""How answers read: the short answer first, then the quoted evidence, each with its marker.

    Interior Minister Mohsin Naqvi blamed neighboring India [1]. Al Jazeera reported on 2 February 2026:
    “Within hours of the attacks in at least 12 locations, Interior Minister Mohsin Naqvi blamed neighboring India.” [1]

The short answer is cut from the evidence sentence itself (its verb, subject and object, minus asides),
so every word of it can be checked against the quote. A refusal restates the question as a clause:
"The sources I have don't say what the literacy rate in Balochistan is."
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Span, Token

from rag.evidence import Sentence
from rag.models import Citation
from rag.nlp import parse
from rag.normalise import format_date
from rag.question import QType, Question
from rag.relations import SAY_VERBS
from rag.rows import row_lead
from rag.spans import Candidate
from rag.wordlists import AUX_WORDS, WH_WORDS

_DROP_DEPS = frozenset(  # asides a short answer leaves out
    "conj cc appos relcl acl advcl parataxis ccomp csubj mark dep meta preconj intj xcomp punct".split()
)
_SHORT_DEPS = {"prep", "advmod", "npadvmod", "agent"}  # kept only when short: "in 2025", not a digression
MAX_SHORT_WORDS = 6
MAX_LEAD_WORDS = 30


class Citations:
    """Numbers cited sentences in order of first use; citing the same sentence twice reuses its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []

    def cite(self, s: Sentence) -> str:
        for c in self.items:
            if (c.source_id, c.start, c.end) == (s.chunk.source_id, s.start, s.end):
                return f"[{c.n}]"
        chunk = s.chunk
        self.items.append(
            Citation(
                n=len(self.items) + 1,
                source_id=chunk.source_id,
                title=chunk.title,
                outlet=chunk.outlet,
                url=chunk.url,
                published=chunk.published,
                quote=s.text,
                start=s.start,
                end=s.end,
                score=round(s.evidence, 4),
            )
        )
        return f"[{len(self.items)}]"


def attribution(s: Sentence) -> str:
    chunk = s.chunk
    name = chunk.outlet or f"“{chunk.title}”" or chunk.source_id
    return f"{name} reported on {format_date(chunk.published)}" if chunk.published else f"{name} reported"


def quoted(s: Sentence, cites: Citations) -> str:
    """The evidence sentence, verbatim and attributed."""
    return f"{attribution(s)}: “{s.text}” {cites.cite(s)}"


def lead(c: Candidate, clause: bool = True) -> str:
    """The short answer: a clause from the evidence sentence that states the candidate, or (for "who is
    the interior minister?") the name with its title."""
    if c.sentence.is_row:  # a figure or date reads as the row's summary; a name is just the name
        return row_lead(c.sentence) if c.label in ("NUMBER", "DATE") else _noun_phrase(c.span)
    text = (_clause(c.span, c.sentence.span) if clause else None) or _noun_phrase(c.span)
    if c.date_note:
        text = text.replace(c.span.text, f"{c.span.text} ({c.date_note})", 1)
    return text[:1].upper() + text[1:]


def appositive(s: Sentence, names: tuple[str, ...]) -> str | None:
    """How the sentence introduces a named person or thing: "Abdul Basit, a research fellow at …"."""
    parts = {p.lower() for name in names for p in re.findall(r"\w+", name)}
    inside = range(s.span.start, s.span.end)
    for token in s.span:
        appos = next((c for c in token.children if c.dep_ == "appos"), None)
        if token.lower_ in parts and appos is not None and appos.right_edge.i in inside:
            start = min([token.i, *(c.i for c in token.children if c.dep_ == "compound")])
            text = s.span.doc[start : appos.right_edge.i + 1].text.strip(" ,;")
            return text if len(text.split()) <= MAX_LEAD_WORDS else None
    return None


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
    while verb.dep_ in ("ccomp", "xcomp") and verb.head.lemma_ in SAY_VERBS:
        verb = verb.head  # keep who said it: "Bashir Zeb said the attacks were part of ..."
    keep = set(range(span.start, span.end))
    tokens = (_collect(verb, keep) | keep) & inside  # the parse may run on past a heading line
    if sum(not verb.doc[i].is_punct for i in tokens) > MAX_LEAD_WORDS:
        return None
    return _render(span.doc, tokens)


def _collect(tok: Token, keep: set[int]) -> set[int]:
    for child in tok.children:  # "31 civilians and [17 security personnel]": the asked conjunct stands alone
        if child.dep_ == "conj" and keep & set(range(child.left_edge.i, child.right_edge.i + 1)) and tok.i not in keep:
            return _collect(child, keep)
    out = {tok.i}
    for child in tok.children:
        subtree = set(range(child.left_edge.i, child.right_edge.i + 1))
        if subtree & keep:
            out |= _collect(child, keep)
        elif child.lemma_ == "accord":  # "according to the State Bank of Pakistan" is the attribution: keep it whole
            out |= subtree
        elif child.dep_ in _DROP_DEPS or (child.dep_ in _SHORT_DEPS and len(subtree) > MAX_SHORT_WORDS):
            continue
        else:
            out |= _collect(child, keep)
    return out


def _render(doc, indices: set[int]) -> str:
    """The kept words in sentence order; punctuation only where both its neighbours were kept."""
    kept = set(indices)
    kept |= {i for i in range(min(indices), max(indices)) if doc[i].is_punct and i - 1 in kept and i + 1 in kept}
    order = sorted(kept)
    parts = []
    for n, i in enumerate(order):
        joined = n + 1 < len(order) and order[n + 1] == i + 1
        parts.append(doc[i].text + (doc[i].whitespace_ if joined else " "))
    return "".join(parts).strip().strip(",;:—-").strip()


def _noun_phrase(span: Span) -> str:
    doc, start, end = span.doc, span.start, span.end
    while start > 0 and doc[start - 1].dep_ == "compound" and doc[start - 1].head.i in range(start, end):
        start -= 1  # "Interior Minister" + "Mohsin Naqvi"
    while end < len(doc) and doc[end].pos_ in ("NOUN", "PROPN", "ADJ") and end - span.end < 3:
        end += 1  # "at least 254" + "attacks"
    return doc[start:end].text


# --- refusals ---------------------------------------------------------------------------------------
_IRREGULAR_PAST = dict(
    pair.split(":")
    for pair in (
        "say:said lead:led give:gave make:made take:took go:went win:won pay:paid meet:met leave:left "
        "tell:told find:found run:ran begin:began sign:signed send:sent spend:spent hold:held buy:bought "
        "bring:brought fight:fought know:knew see:saw become:became come:came get:got have:had do:did put:put "
        "set:set cut:cut hit:hit lose:lost build:built"
    ).split()
)


def _inflect(lemma: str, aux: str) -> str:
    if aux == "did":
        if lemma in _IRREGULAR_PAST:
            return _IRREGULAR_PAST[lemma]
        if lemma.endswith("e"):
            return lemma + "d"
        return lemma[:-1] + "ied" if re.search(r"[^aeiou]y$", lemma) else lemma + "ed"
    if aux == "does":
        if lemma in ("have", "be"):
            return {"have": "has", "be": "is"}[lemma]
        if re.search(r"(s|sh|ch|x|z|o)$", lemma):
            return lemma + "es"
        return lemma[:-1] + "ies" if re.search(r"[^aeiou]y$", lemma) else lemma + "s"
    return lemma


def embedded_question(q: Question, nlp: Language) -> str:
    """The question as a clause for "The sources I have don't say ...": "what the literacy rate is"."""
    tokens = list(parse(nlp, q.text))  # already parsed by analyse(); the closing "?" is dropped below
    while tokens and tokens[-1].is_punct:
        tokens.pop()
    starts = [i for i, t in enumerate(tokens) if t.lower_ in WH_WORDS]
    if q.qtype is QType.YESNO:
        first, aux_i = 0, 0
    elif starts:
        first = starts[0]
        aux_i = next((i for i in range(first + 1, len(tokens)) if tokens[i].lower_ in AUX_WORDS), None)
    else:
        return f"anything that answers “{q.text.strip()}”"
    words = [t.text_with_ws for t in tokens]
    subject = None
    if aux_i is not None:
        subject = next(
            (
                t
                for t in tokens[aux_i + 1 :]
                if t.dep_ in ("nsubj", "nsubjpass", "expl") and t.lower_ not in WH_WORDS and t.head.i != aux_i + 1 or t.lower_ == "there"
            ),
            None,
        )
    if subject is not None and subject.i > aux_i:
        aux = tokens[aux_i]
        # The subject ends before any clause hanging on it ("the operation | called").
        kept = [c.right_edge.i for c in subject.rights if c.dep_ not in ("acl", "relcl")]
        end = max([subject.i, *kept]) + 1 if subject.lower_ != "there" else subject.i + 1
        words[end - 1] = words[end - 1].rstrip() + " "
        if aux.lower_ in ("do", "does", "did") and end < len(tokens) and tokens[end].pos_ in ("VERB", "AUX"):
            words[end] = _inflect(tokens[end].lemma_.lower(), aux.lower_) + tokens[end].whitespace_
            words = words[:aux_i] + words[aux_i + 1 : end] + words[end:]
        else:
            words = words[:aux_i] + words[aux_i + 1 : end] + [aux.lower_ + " "] + words[end:]
    clause = " ".join("".join(words[first:]).split())
    lead_word = clause.split(" ", 1)[0]
    proper = any(t.text == lead_word and (t.pos_ == "PROPN" or t.text.isupper()) for t in tokens)
    if clause and not proper:
        clause = clause[0].lower() + clause[1:]
    return ("whether " if q.qtype is QType.YESNO else "") + clause
