"""Evidence: each sentence of the retrieved passages, scored against the question.

    scored = score_sentences(q, passage_sentences(passages, analyses.doc), meaning, relevance, articles)
    best = [e for e in scored if e.admissible]

Hard constraints first, only for what no paraphrase can change: the question's names, numbers, dates
and codes must be in the sentence's article (a name as written, as a nationality adjective, as an
acronym, or by an alias the source defines), and a sentence that gives another year than the question's
is out. Where in the article they are (the sentence itself, the one before, elsewhere) is a feature.
Then soft measures the ranker weighs: closeness to the question by e5 (cosine, `rag.relevance`) and how many of the
question's rare words the sentence uses, separately for names, nouns and verbs.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Span, Token

from rag.analysis import Article
from rag.extractive.question import Form, Question, Term
from rag.language import KIND_NOUNS
from rag.meaning import Meaning
from rag.models import Chunk
from rag.names import Words, find_name, other_names
from rag.nlp import PARSED_CHUNKS, entities
from rag.normalise import date_keys, find_dates, numbers, with_days_of_year
from rag.relevance import Relevance
from rag.sentences import Sentence

DERIVATION = 0.8  # "lead" for "leader", "attack" for "attacker": the same word, less surely
MIN_STEM = 4
SENTENCES_KEPT = 12  # by meaning and, separately, by words: the sentences whose spans are ranked
CLOSE_WORD = 0.6  # a sentence word this close in meaning to a question word says that word
# A row's word this close in meaning to the asked noun names the same quantity ("attacks" for "assaults",
# "locations" for "sites"; "percent" is 0.37 from "GDP"). Looser than CLOSE_WORD: a row's other cells
# keep it to the asked figure, while a sentence's word is one of many.
ROW_WORD = 0.5


@dataclass(eq=False)
class Evidence:
    sentence: Sentence
    tokens: list[Token]  # the sentence's words (a row's cells, not its repeated dataset title)
    matched: dict[int, str] = field(default_factory=dict)  # token index -> the question term it matched
    cov_names: float = 0.0
    cov_nouns: float = 0.0
    cov_verbs: float = 0.0
    cov_meaning: float = 0.0  # the question's nouns, verbs and adjectives, matched by meaning ("hurt" by "injured")
    closeness: np.ndarray | None = None  # question term x sentence word similarity (see _cover_by_meaning)
    close_tokens: list[int] = field(default_factory=list)
    term_weights: np.ndarray | None = None
    # Where the question's constraints were found: 0 in the sentence itself, 0.5 in the sentence before,
    # 1 only elsewhere in the article (for names: the share of them found only there).
    names_away: float = 0.0
    numbers_away: float = 0.0
    dates_away: float = 0.0
    admissible: bool = True
    rejected: str = ""  # why not admissible: "number", "date", "code" or "name: X"
    dense: float = 0.0

    @property
    def coverage(self) -> float:
        return (self.cov_names + self.cov_nouns + self.cov_verbs) / 3

    @functools.cached_property
    def words_said(self) -> frozenset[str]:
        """The sentence's words, as written (lower-cased) and as lemmas."""
        return forms(self.tokens)

    @functools.cached_property
    def lowered(self) -> frozenset[str]:
        """The sentence's words as written, lower-cased."""
        return frozenset(t.lower_ for t in self.tokens)

    @functools.cached_property
    def figures(self) -> set[float]:
        """The numbers the sentence states (each candidate's value is looked for in every sentence)."""
        return numbers(self.sentence.text)

    @functools.cached_property
    def dates(self) -> set[str]:
        """The days, months and years the sentence names, relative ones read from its publication date."""
        return date_keys(self.sentence.text, self.sentence.chunk.published)

    @functools.cached_property
    def near_question(self) -> set[int]:
        """Tokens that say one of the question's words, by spelling or by meaning (read once the sentence
        is scored, by each of its candidates)."""
        near = set(self.matched)
        if self.closeness is not None:
            near |= {i for n, i in enumerate(self.close_tokens) if self.closeness[:, n].max() >= CLOSE_WORD}
        return near

    @functools.cached_property
    def words(self) -> Words:
        """The sentence's words as names are looked up in (read once per question, by every candidate)."""
        return Words.of_tokens(self.tokens)


ArticleText = Callable[[str], str | None]  # source id -> the source's full text
StoredArticle = Callable[[str], Article | None]  # source id -> what ingest found in it (DocStore.article)
ARTICLES_CACHED = 512


class Articles:
    """Sentences' whole articles, each read and indexed once per version (the same articles come back
    question after question): as ingest stored them, else from their text. Without a way to read them, a
    chunk stands for its article."""

    def __init__(self, texts: ArticleText | None = None, stored: StoredArticle | None = None):
        self.texts, self.stored = texts, stored
        self._article = functools.lru_cache(maxsize=ARTICLES_CACHED)(self._read)

    def of(self, chunk: Chunk) -> Article:
        if self.texts is None:
            return self._article(chunk.chunk_id, chunk.source_id, chunk.title, chunk.published, chunk.text)
        version = chunk.chunk_id.rsplit("::", 1)[0]  # source id and content hash: a new version is a new key
        return self._article(version, chunk.source_id, chunk.title, chunk.published, None)

    def _read(self, version: str, source_id: str, title: str, published, text: str | None) -> Article:
        found = self.stored(source_id) if self.stored is not None and text is None else None
        return found or Article.of(title, text if text is not None else self.texts(source_id) or "", published)


def forms(tokens) -> frozenset[str]:
    """Each token as written (lower-cased) and as its lemma: what a question word may match."""
    return frozenset(w for t in tokens for w in (t.lower_, t.lemma_.lower()))


def sentence_words(s: Sentence) -> list[Token]:
    tokens = list(_words_in(s.span))
    if s.is_row:  # only the cells: every row repeats the dataset's title
        first = s.chunk.cells[0].start - s.chunk.start if s.chunk.cells else 0
        tokens = [t for t in tokens if t.idx >= first]
    return tokens


@functools.lru_cache(maxsize=PARSED_CHUNKS * 16)  # a stored chunk's sentences come back with its passage
def _words_in(span: Span) -> tuple[Token, ...]:
    return tuple(t for t in span if not t.is_punct and not t.is_space)


def word_match(term: Term, token: Token) -> float:
    return _word_match(term.words, token.lemma_.lower(), token.lower_)


@functools.lru_cache(maxsize=65536)  # the same words meet the same question terms sentence after sentence
def _word_match(words: tuple[str, ...], lemma: str, lower: str) -> float:
    forms = (lemma, lower)
    if any(w in forms for w in words):
        return 1.0
    for a in words:
        for b in forms:
            short, long_ = sorted((a, b), key=len)
            if len(short) >= MIN_STEM and long_.startswith(short) and len(long_) - len(short) <= 4:
                return DERIVATION
    return 0.0


class _TermIndex:
    """Which question terms a word could match, looked up rather than compared: a match is the same
    word, or (a derivation) one that starts with the other's first MIN_STEM letters."""

    def __init__(self, terms: list[Term]):
        self.terms = terms
        self._by_word: dict[str, set[int]] = defaultdict(set)
        self._by_stem: dict[str, set[int]] = defaultdict(set)
        for j, term in enumerate(terms):
            for w in term.words:
                self._by_word[w].add(j)
                if len(w) >= MIN_STEM:
                    self._by_stem[w[:MIN_STEM]].add(j)
        self._seen: dict[tuple[str, str], tuple[tuple[int, float], ...]] = {}

    def matches(self, lemma: str, lower: str) -> tuple[tuple[int, float], ...]:
        """(term index, score) of every term the word matches."""
        found = self._seen.get((lemma, lower))
        if found is None:
            near = set()
            for form in (lemma, lower):
                near |= self._by_word.get(form, set()) | self._by_stem.get(form[:MIN_STEM], set())
            scored = ((j, _word_match(self.terms[j].words, lemma, lower)) for j in sorted(near))
            found = self._seen[(lemma, lower)] = tuple((j, score) for j, score in scored if score > 0)
        return found


def _best_matches(index: _TermIndex, tokens: list[Token]) -> list[tuple[float, int]]:
    """For each question term, its best match among `tokens` and where (the last of equals): (score, token index)."""
    best = [(0.0, tokens[-1].i if tokens else -1)] * len(index.terms)
    for t in tokens:
        for j, score in index.matches(t.lemma_.lower(), t.lower_):
            if (score, t.i) > best[j]:
                best[j] = (score, t.i)
    return best


def score_sentences(q: Question, sentences: list[Sentence], meaning: Meaning, relevance: Relevance,
                    articles: Articles | None = None) -> list[Evidence]:
    """Every sentence with its scores; the admissible ones scored by e5 (`relevance`) and pruned to the likeliest."""
    found = [Evidence(s, sentence_words(s)) for s in sentences]
    groups = {"names": [], "nouns": [], "verbs": []}
    for j, term in enumerate(q.terms):
        group = "names" if term.pos in ("PROPN", "NUM") else "verbs" if term.pos == "VERB" else "nouns"
        groups[group].append(j)
    terms = _TermIndex(q.terms)
    matches = [_best_matches(terms, e.tokens) for e in found]
    n = len(found)
    idf = [math.log((n + 1) / (sum(m[j][0] > 0 for m in matches) + 0.5)) for j in range(len(q.terms))]
    articles = articles or Articles()
    for e, m in zip(found, matches, strict=True):
        e.matched = {i: q.terms[j].lemma for j, (score, i) in enumerate(m) if score > 0}
        for group, members in groups.items():
            total = sum(idf[j] for j in members)
            value = sum(idf[j] * m[j][0] for j in members) / total if total else 0.0
            setattr(e, f"cov_{group}", value)
        _constrain(q, e, articles.of(e.sentence.chunk))
        if e.admissible and e.sentence.is_row and not _row_measures(q, e, meaning):
            e.admissible, e.rejected = False, "row measures something else"
    admissible = [e for e in found if e.admissible]
    if admissible:
        for e, cosine in zip(admissible, relevance.scores(q.text, [e.sentence.content for e in admissible]), strict=True):
            e.dense = float(cosine)
    by_meaning = sorted(admissible, key=lambda e: -e.dense)[:SENTENCES_KEPT]
    by_words = sorted(admissible, key=lambda e: -e.coverage)[:SENTENCES_KEPT]
    kept_ids = {id(e) for e in by_meaning + by_words}
    kept = [e for e in admissible if id(e) in kept_ids]
    _cover_by_meaning(q, kept, idf, meaning)
    return kept


def _cover_by_meaning(q: Question, kept: list[Evidence], idf: list[float], meaning: Meaning) -> None:
    """Coverage of the question's common words, each scored by its closest word in the sentence; the
    word-by-word closeness is kept, so a candidate's own clause can be scored the same way."""
    asked = [(j, t) for j, t in enumerate(q.terms) if t.pos in ("NOUN", "VERB", "ADJ")]
    if not asked or not sum(idf[j] for j, _ in asked):
        return
    weights = np.array([idf[j] for j, _ in asked])
    term_vectors = meaning.vectors([t.lemma for _, t in asked])
    for e in kept:
        words = [t for t in e.tokens if t.pos_ in ("NOUN", "VERB", "ADJ", "PROPN") and not t.is_stop]
        if not words:
            continue
        e.closeness = np.clip(term_vectors @ meaning.vectors([t.lemma_.lower() for t in words]).T, 0.0, 1.0)
        e.close_tokens = [t.i for t in words]
        e.term_weights = weights / weights.sum()
        e.cov_meaning = float(e.term_weights @ e.closeness.max(axis=1))


def _row_measures(q: Question, e: Evidence, meaning: Meaning) -> bool:
    """Whether a dataset row measures what the question asks about. A row states one quantity, named by
    its cells ("Indicator: Increase in attacks"): a question about "the literacy rate" or "the capital" is
    not about it, however close the rest of the row comes. The asked noun, the quantity asked of it ("the
    GDP of …") and each word narrowing it ("literacy") must be said by a word of the row, by spelling or
    closely by meaning, unless it only names a kind of answer ("rate", "date", "number": any row has one)."""
    if q.focus is None:
        return True
    asked = [t.lemma for t in (*q.focus_modifiers, q.focus, *([q.measure] if q.measure else [])) if t.lemma not in KIND_NOUNS]
    said = [t.lemma_.lower() for t in e.tokens if t.pos_ in ("NOUN", "PROPN", "ADJ", "VERB")]
    return all(word in e.words_said or meaning.best(word, said) >= ROW_WORD for word in asked)


def meaning_within(e: Evidence, tokens: set[int]) -> float:
    """How much of the question the given tokens of the sentence say, by meaning (0 to 1)."""
    if e.closeness is None:
        return 0.0
    columns = [n for n, i in enumerate(e.close_tokens) if i in tokens]
    return float(e.term_weights @ e.closeness[:, columns].max(axis=1)) if columns else 0.0


def _constrain(q: Question, e: Evidence, article: Article) -> None:
    s = e.sentence
    text, before = s.content, (s.before.text if s.before is not None else "")
    if q.numbers:
        away = _away(q.numbers, numbers(text), numbers(before), article.numbers)
        if away is None:
            e.admissible, e.rejected = False, "number"
            return
        e.numbers_away = away
    if q.date_keys:
        here, earlier, anywhere = date_keys(text, s.chunk.published), date_keys(before, s.chunk.published), article.dates
        if any(k.startswith("day:") for k in q.date_keys):  # a day the question gives without its year
            here, earlier, anywhere = with_days_of_year(here), with_days_of_year(earlier), with_days_of_year(anywhere)
        away = _away(q.date_keys, here, earlier, anywhere)
        # "254 attacks in 2025" does not answer a question about 2024 (though "When …?" may ask for another year)
        if away is None or (away > 0 and q.form is not Form.DATE and _other_year(q.date_keys, s)):
            e.admissible, e.rejected = False, "date"
            return
        e.dates_away = away
    if any(not _code_in(code, article.words) for code in q.codes):
        e.admissible, e.rejected = False, "code"
        return
    if not q.entities:
        return
    here = e.words
    near = _words_of(before)
    away = 0.0
    aliases = s.chunk.aliases
    for name in q.entities:
        if find_name(name, here, aliases):
            continue
        # a country said by another of its names ("Delhi" asked, "India" written) counts as a step away
        others = other_names(name)
        if find_name(name, near, aliases) or any(find_name(other, here, aliases) for other in others):
            away += 0.5
        elif article.mentions(name, aliases) or any(article.mentions(other, aliases) for other in others):
            away += 1.0
        else:
            e.admissible, e.rejected = False, f"name: {name}"
            return
    e.names_away = away / len(q.entities)


@functools.lru_cache(maxsize=4096)  # the sentence before is read again for every question its passage answers
def _words_of(text: str) -> Words:
    return Words.of(text)


def _away(asked: frozenset, here: set, before: set, article: set) -> float | None:
    """0: all of `asked` is in the sentence; 0.5: with the sentence before; 1: only in the article; None: not there."""
    if asked <= here:
        return 0.0
    if asked <= here | before:
        return 0.5
    return 1.0 if asked <= article else None


def _other_year(asked: frozenset[str], s: Sentence) -> bool:
    """Whether the sentence dates what it says to another year than the asked one ("War of 1812" is a name)."""
    years = {k for k in asked if re.fullmatch(r"\d{4}", k)}
    if not years or not re.search(r"\b(1[89]|20)\d\d\b", s.text) or s.is_row:
        return False
    dated = [ent.text for ent in entities(s.span.doc) if ent.label_ == "DATE" and s.span.start <= ent.start < s.span.end]
    written = {m.key[:4] for text in dated for m in find_dates(text) if re.search(r"\d{4}", text[m.start : m.end])}
    return bool(written and not years & written)


def _code_in(code: str, words: Words) -> bool:
    parts = [p for p in re.split(r"[^\w]+", code.lower()) if p]
    return all(p in words.vocabulary for p in parts)
