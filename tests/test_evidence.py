"""Which sentences can support an answer, and how well."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.embedding import MiniLMEmbedding
from rag.evidence import candidate_sentences, score_sentences, term_match, word_match
from rag.models import Chunk, ScoredChunk
from rag.nlp import load_nlp
from rag.question import Term, analyse

ARTICLE = (
    "roots of unrest\n\n"
    "According to the Pakistan Institute for Peace Studies, there were at least 254 attacks in the province in 2025, "
    "a 26 percent increase from the previous year. "
    "The port is an important node in the $60 billion China-Pakistan Economic Corridor (CPEC). "
    "According to the State Bank of Pakistan, the country received only $808m FDI during the first half of FY26."
)


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.fixture(scope="module")
def embedder():
    return MiniLMEmbedding()


def passage(text: str, start: int = 0, source_id: str = "aj") -> ScoredChunk:
    chunk = Chunk(
        chunk_id=f"{source_id}::{start}",
        source_id=source_id,
        text=text,
        start=start,
        end=start + len(text),
        title="How Balochistan attacks threaten Pakistan",
        outlet="Al Jazeera",
        published=dt.date(2026, 2, 2),
    )
    return ScoredChunk(chunk=chunk, score=0.03)


def scored(question: str, nlp, embedder):
    q = analyse(question, nlp)
    return score_sentences(q, candidate_sentences([passage(ARTICLE)], nlp), embedder)


def sentence(question: str, start: str, nlp, embedder):
    return next(s for s in scored(question, nlp, embedder) if s.text.startswith(start))


def test_sentences_skip_headings_and_keep_exact_offsets(nlp):
    sentences = candidate_sentences([passage(ARTICLE, start=500)], nlp)
    assert [s.text[:12] for s in sentences] == ["According to", "The port is ", "According to"]
    for s in sentences:
        assert ARTICLE[s.start - 500 : s.end - 500] == s.text


def test_overlapping_chunks_yield_each_sentence_once(nlp):
    cut = ARTICLE.index("The port")
    sentences = candidate_sentences([passage(ARTICLE), passage(ARTICLE[cut:], start=cut)], nlp)
    assert sum(s.text.startswith("The port") for s in sentences) == 1


def test_a_sentence_without_the_asked_year_cannot_answer(nlp, embedder):
    assert sentence("How many attacks were there in 2025?", "According to the Pakistan", nlp, embedder).admissible
    assert not sentence("How many attacks were there in 2010?", "According to the Pakistan", nlp, embedder).admissible


def test_the_thing_asked_about_must_be_in_the_sentence(nlp, embedder):
    assert not any(s.admissible for s in scored("What is the literacy rate in Balochistan?", nlp, embedder))


def test_codes_must_match_exactly(nlp, embedder):
    assert sentence("What was the FDI in the first half of FY26?", "According to the State", nlp, embedder).admissible
    assert not sentence("What was the FDI in the first half of FY24?", "According to the State", nlp, embedder).admissible


def test_the_best_evidence_comes_first(nlp, embedder):
    ranked = scored("What is the value of the CPEC?", nlp, embedder)
    assert ranked[0].text.startswith("The port") and ranked[0].evidence > ranked[1].evidence


def test_word_matching_accepts_derivations_variants_synonyms_and_acronyms(nlp):
    assert word_match("lead", "leader") == 0.8 and word_match("jaffar", "jafar") == 0.8 and word_match("port", "part") == 0
    tokens = list(nlp("the China-Pakistan Economic Corridor and foreign direct investment"))
    assert term_match(Term("cpec", "cpec", 1.0, acronym=True), tokens)[0] == 0.9
    assert term_match(Term("fdi", "fdi", 1.0, acronym=True), tokens)[0] == 0.9
    assert term_match(Term("accuse", "accuse", 1.0), list(nlp("Naqvi blamed India")))[0] == 0.6
