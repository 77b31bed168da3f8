"""Evidence: the sentences (and dataset rows) of the retrieved passages, scored against a question.

    sentences = score_sentences(q, candidate_sentences(passages, nlp), embedder)
    best = [s for s in sentences if s.admissible and s.evidence >= settings.min_evidence]

A sentence's evidence mixes meaning (MiniLM cosine to the question) with the question's content words it
contains, weighted by how rare each word is among the candidates. Hard constraints come first: a sentence
that lacks the question's year, figure, code ("FY26") or the thing asked about ("literacy" in "literacy
rate") cannot answer it however similar it reads; that is what stops "254 attacks in 2025" from answering
a question about 2010.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from spacy.language import Language
from spacy.tokens import Span, Token

from rag.models import Chunk, ScoredChunk
from rag.nlp import PARSED_CHUNKS, parse, sentence_spans
from rag.normalise import date_keys, numbers
from rag.question import QType, Question, Term
from rag.wordlists import SYNONYMS

DENSE_WEIGHT = 0.5  # evidence = DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) * term coverage
ENTITY_ELSEWHERE_PENALTY = 0.05  # a question name found in the passage or title but not the sentence
CONTEXT_CREDIT = 0.5  # coverage for a question name found in the sentence's passage or title only
SYNONYM_MATCH = 0.6  # what "blamed" scores for the question word "accuse"
MIN_SENTENCE_WORDS = 4  # shorter lines are headings and page debris ("Recommended Stories")


@dataclass
class Sentence:
    passage: ScoredChunk
    span: Span  # within the parsed chunk text; a dataset row is one span
    start: int  # offsets into the source text
    end: int
    is_row: bool
    dense: float = 0.0
    coverage: float = 0.0
    evidence: float = 0.0
    admissible: bool = True
    before: str = ""  # the previous sentence of the same passage: "he said" often names its speaker there
    matched: dict[int, str] = field(default_factory=dict)  # token index -> the question term (lemma) it matched

    @property
    def chunk(self) -> Chunk:
        return self.passage.chunk

    @property
    def text(self) -> str:
        c = self.chunk
        return c.text[self.start - c.start : self.end - c.start]

    def words(self) -> Lexicon:
        """This sentence's content words (a row's cells, not its repeated title), ready for matching."""
        return _lexicon(self.span, self.is_row)

    def content_text(self) -> str:
        return self.text[self.text.find(" · ") + 3 :] if self.is_row and " · " in self.text else self.text


def candidate_sentences(passages: list[ScoredChunk], nlp: Language) -> list[Sentence]:
    out: list[Sentence] = []
    for passage in passages:
        chunk = passage.chunk
        if chunk.kind == "dataset" or chunk.row is not None:
            doc = parse(nlp, chunk.text)
            out.append(Sentence(passage, doc[:], chunk.start, chunk.end, is_row=True))
            continue
        for span in sentence_spans(nlp, chunk.text):
            if sum(not t.is_punct for t in span) >= MIN_SENTENCE_WORDS:
                out.append(Sentence(passage, span, chunk.start + span.start_char, chunk.start + span.end_char, False))
    # Overlapping chunks repeat sentences; keep one copy, preferring the longer (uncut) one.
    out.sort(key=lambda s: (s.chunk.source_id, s.start, -(s.end - s.start)))
    kept: list[Sentence] = []
    for s in out:
        if kept and kept[-1].chunk.source_id == s.chunk.source_id and s.end <= kept[-1].end:
            continue
        if kept and kept[-1].chunk.source_id == s.chunk.source_id and not s.is_row:
            s.before = kept[-1].text
        kept.append(s)
    return kept


def context_words(s: Sentence) -> frozenset[str]:
    """Words a sentence can lean on for names it leaves implicit: its source's title and the sentence before."""
    return parse_free_words(s.chunk.title) | parse_free_words(s.before)


# --- word matching ------------------------------------------------------------------------------------
class Lexicon:
    """Tokens with their lower-cased lemma and form precomputed; matched many times per question."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.forms = [(t.i, t.lemma_.lower(), t.lower_) for t in tokens]
        self.index: dict[str, list[int]] = {}
        for i, lemma, lower in self.forms:
            self.index.setdefault(lemma, []).append(i)
            if lower != lemma:
                self.index.setdefault(lower, []).append(i)
        self.content = [t for t in tokens if t.is_alpha and not t.is_stop]
        # Fuzzy matches (derivations, one-letter variants) nearly always share the first letter.
        self.by_initial: dict[str, list[tuple[str, list[int]]]] = {}
        for word, positions in self.index.items():
            self.by_initial.setdefault(word[:1], []).append((word, positions))

    def __iter__(self):
        return iter(self.tokens)


@functools.lru_cache(maxsize=PARSED_CHUNKS * 12)  # ~12 sentences a chunk; a Span keeps its whole Doc alive
def _lexicon(span: Span, is_row: bool) -> Lexicon:
    tokens = [t for t in span if not t.is_punct and not t.is_space]
    if is_row:  # only the cells: every row repeats the dataset's title
        cells = span.text.find(" · ")
        tokens = [t for t in tokens if t.idx - span.start_char > cells]
    return Lexicon(tokens)


@functools.lru_cache(maxsize=262144)
def word_match(a: str, b: str) -> float:
    """1 for the same word, 0.8 for a derivation ("lead"/"leader") or a one-letter spelling variant."""
    if a == b:
        return 1.0
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and long_.startswith(short):
        return 0.8
    if len(short) >= 5 and len(long_) - len(short) <= 1 and _one_edit(short, long_):
        return 0.8
    stem = re.sub(r"(ese|ian|an|i)$", "", long_)  # demonyms: "Chinese" / "China", "Iranian" / "Iran"
    if len(stem) >= 4 and stem != long_ and short.startswith(stem):
        return 0.8
    return 0.0


def _one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


def term_match(term: Term, tokens: Lexicon | list[Token]) -> tuple[float, list[int]]:
    """How well `term` matches somewhere in `tokens`, and where. Derivations, one-letter variants and
    newsroom synonyms count 0.8; an acronym matches its spelled-out form ("FDI", "foreign direct investment")."""
    lex = tokens if isinstance(tokens, Lexicon) else Lexicon(list(tokens))
    exact = lex.index.get(term.lemma, []) + lex.index.get(term.text, [])
    if exact:
        return 1.0, sorted(set(exact))
    best, where = 0.0, []
    synonyms = SYNONYMS.get(term.lemma, ())
    for form in dict.fromkeys((term.lemma, term.text, *synonyms)):
        cap = SYNONYM_MATCH if form in synonyms else 0.8  # a synonym is weaker evidence than the word itself
        for word, positions in lex.by_initial.get(form[:1], ()):
            score = min(word_match(form, word), cap)
            if score > best:
                best, where = score, list(positions)
            elif score == best and score > 0:
                where += positions
    if best < 0.9 and term.acronym and 2 <= len(term.text) <= 6:
        words, n = lex.content, len(term.text)
        for i in range(len(words) - n + 1):
            if "".join(w.lower_[0] for w in words[i : i + n]) == term.text:
                return 0.9, [w.i for w in words[i : i + n]]
    return best, sorted(set(where))


# --- scoring ------------------------------------------------------------------------------------------
def score_sentences(q: Question, sentences: list[Sentence], embedder) -> list[Sentence]:
    """Fill in each sentence's scores and constraints; best evidence first."""
    if not sentences:
        return []
    words = [s.words() for s in sentences]
    matches = [[term_match(t, w) for t in q.terms] for w in words]
    n = len(sentences)
    weights = []
    for j, term in enumerate(q.terms):
        df = sum(m[j][0] > 0 for m in matches)
        weights.append(term.weight * math.log((n + 1) / (df + 0.5)))
    total = sum(weights) or 1.0
    penalties = []
    for s, w, m in zip(sentences, words, matches, strict=True):
        # A name the sentence leaves implicit but its article is about (or the sentence before names) still
        # half counts: the Naqvi sentence in an article about Pakistan answers "Who did Pakistan blame?".
        context = context_words(s)
        scores = [
            score or (CONTEXT_CREDIT if t.weight >= 1.5 and t.text.isalpha() and t.text in context else 0.0)
            for t, (score, _) in zip(q.terms, m, strict=True)
        ]
        s.coverage = sum(wt * score for wt, score in zip(weights, scores, strict=True)) / total
        s.matched = {i: term.lemma for term, (score, where) in zip(q.terms, m, strict=True) for i in where if score > 0}
        s.admissible, penalty = _constraints(q, s, w)
        penalties.append(penalty)
    # Embedding sentences is most of a new question's cost, and an inadmissible sentence is never evidence
    # whatever its cosine: only the admissible ones are embedded (their dense score stays 0 otherwise).
    scored = [i for i, s in enumerate(sentences) if s.admissible]
    if scored:
        vectors = _embed(embedder, [q.text] + [sentences[i].content_text() for i in scored])
        for i, d in zip(scored, vectors[1:] @ vectors[0], strict=True):
            sentences[i].dense = float(d)
    for s, penalty in zip(sentences, penalties, strict=True):
        s.evidence = DENSE_WEIGHT * s.dense + (1 - DENSE_WEIGHT) * s.coverage - penalty
    return sorted(sentences, key=lambda s: -s.evidence)


def _constraints(q: Question, s: Sentence, words: Lexicon) -> tuple[bool, float]:
    if any(term_match(t, words)[0] < SYNONYM_MATCH for t in q.required) or not _has_phrase(q.head_phrase, words):
        return False, 0.0
    if q.qtype is QType.NUMBER and q.head is None and q.verbs and all(term_match(v, words)[0] < SYNONYM_MATCH for v in q.verbs):
        return False, 0.0  # "How much has China invested?" needs a sentence about investing
    text = s.content_text()
    if q.date_keys and not q.date_keys <= date_keys(text, s.chunk.published):
        return False, 0.0
    if q.numbers and not q.numbers <= numbers(text):
        return False, 0.0
    if any(code.lower() not in text.lower() for code in q.codes):
        return False, 0.0
    penalty = 0.0
    for entity in q.entities:
        if _name_in(entity, words):
            continue
        context = context_words(s)
        if not all(any(word_match(part, w) for w in context) for part in _name_parts(entity)):
            return False, 0.0
        penalty += ENTITY_ELSEWHERE_PENALTY
    return True, penalty


def _has_phrase(phrase: tuple[Term, ...], words: Lexicon) -> bool:
    """Whether the terms occur as consecutive words, in order."""
    if len(phrase) < 2:
        return True
    order = {t.i: n for n, t in enumerate(words.tokens)}
    spots = []
    for term in phrase:
        score, where = term_match(term, words)
        if score < 0.8:
            return False
        spots.append({order[i] for i in where})
    return any(all(start + k in spot for k, spot in enumerate(spots)) for start in spots[0])


def _name_parts(name: str) -> list[str]:
    name = re.sub(r"['’]s\b", "", name.lower())  # "Abdul Basit's"
    return [p for p in "".join(c if c.isalnum() else " " for c in name).split() if p not in ("the", "of", "and")]


def _name_in(name: str, words: Lexicon) -> bool:
    return name_tokens(name, words) is not None


def name_tokens(name: str, words: Lexicon) -> set[int] | None:
    """Where `name` occurs among `words` (token indices), or None. Besides every part of it, its acronym
    counts ("BLA" for "Baloch Liberation Army") and so does a two-word name's last word ("Naqvi")."""
    acronym = name.isupper() and name.isalpha()
    parts = _name_parts(name)
    found: set[int] = set()
    for part in parts:
        score, where = term_match(Term(part, part, 1.0, acronym), words)
        if score < 0.8:
            break
        found.update(where)
    else:
        return found
    if len(parts) >= 2 and "".join(p[0] for p in parts) in words.index:
        return set(words.index["".join(p[0] for p in parts)])
    if len(parts) == 2 and parts[1] in words.index:
        return set(words.index[parts[1]])
    return None


@functools.lru_cache(maxsize=8192)
def parse_free_words(text: str) -> frozenset[str]:
    """The lower-cased alphanumeric words of `text` (no parsing: for cheap membership tests)."""
    return frozenset("".join(c if c.isalnum() else " " for c in text.lower()).split())


# --- sentence vectors, cached: the same chunks come back question after question -----------------------
_VECTORS: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_VECTORS_LOCK = threading.Lock()
_VECTORS_MAX = 50_000


def _embed(embedder, texts: list[str]) -> np.ndarray:
    model = getattr(embedder, "model_name", type(embedder).__name__)
    with _VECTORS_LOCK:
        missing = list(dict.fromkeys(t for t in texts if (model, t) not in _VECTORS))
        for t in texts:
            if (model, t) in _VECTORS:
                _VECTORS.move_to_end((model, t))
    # One text per run: a quantised model's vector would otherwise depend on the sentences batched beside
    # it, and so the answer to a question on which questions came before it (this cache keeps vectors).
    fresh = embedder.embed_texts(missing, batch_size=1) if missing else []
    with _VECTORS_LOCK:
        found = dict(zip(missing, fresh, strict=True))
        for text, vector in found.items():
            _VECTORS[(model, text)] = vector
        while len(_VECTORS) > _VECTORS_MAX:
            _VECTORS.popitem(last=False)
        return np.vstack([found[t] if t in found else _VECTORS[(model, t)] for t in texts])
