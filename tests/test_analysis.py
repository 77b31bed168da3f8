"""Ingest stores each chunk's parse and sentence vectors; questions read them instead of parsing and
embedding the passages again, and get the same answers as when they do."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from rag.analysis import Analyses, Article, sentence_contents
from rag.extractive import ExtractiveAnswerer
from rag.meaning import DIMENSIONS, pack, unpack
from rag.models import Filters, ScoredChunk
from rag.nlp import parse, with_entities
from rag.pipeline import Pipeline
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "corpora" / "news-archive.jsonl.gz"


def _annotations(doc):
    """What the answerer reads of a parse (morphology it never reads, and the index does not keep)."""
    return [(t.text, t.whitespace_, t.tag_, t.pos_, t.lemma_, t.dep_, t.head.i, t.is_sent_start, t.ent_type_, t.ent_iob_)
            for t in doc]


class Recorder:
    """Wraps the `embed` of a `Meaning` or a `Relevance` to see what a question had to embed."""

    def __init__(self, embedder):
        self.texts: list[str] = []
        self._embed = embedder.embed
        embedder.embed = self

    def __call__(self, texts):
        self.texts += texts
        return self._embed(texts)


def test_a_stored_parse_reads_back_as_the_question_time_parse(seed_pipeline):
    chunks = seed_pipeline.docs.all_chunks()
    stored = Analyses(seed_pipeline.nlp, seed_pipeline.extractive.relevance, seed_pipeline.docs.analyses)
    stored.load([ScoredChunk(chunk=c, score=0.0) for c in chunks])
    assert chunks and len(seed_pipeline.docs.analyses([c.chunk_id for c in chunks])) == len(chunks)
    for chunk in chunks:
        doc, fresh = stored.doc(chunk), with_entities(parse(seed_pipeline.nlp, chunk.text))
        assert doc is not fresh  # read from the index, not parsed
        assert _annotations(doc) == _annotations(fresh)
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [(e.start, e.end, e.label_) for e in fresh.ents]


def test_an_article_s_names_figures_and_dates_read_back_as_found(seed_pipeline):
    for info in seed_pipeline.sources():
        source = seed_pipeline.source(info.source_id)
        stored, fresh = seed_pipeline.docs.article(source.source_id), Article.of(source.title, source.text, source.published)
        assert stored is not None and stored.words.words and stored.numbers
        assert (stored.words, stored.numbers, stored.dates) == (fresh.words, fresh.numbers, fresh.dates)


def test_a_question_embeds_none_of_its_passages_sentences(seed_pipeline):
    question = "How many attacks did the BLA carry out in 2025?"
    passages = seed_pipeline.retrieve(question)
    answerer = ExtractiveAnswerer(seed_pipeline.embedder, seed_pipeline.nlp, stored=seed_pipeline.docs)
    words, sentences_embedded = Recorder(answerer.meaning), Recorder(answerer.relevance)
    answer = answerer.answer(question, passages)
    sentences = {s for p in passages for s in sentence_contents(p.chunk, parse(seed_pipeline.nlp, p.chunk.text))}
    assert answer.answerable
    assert sentences_embedded.texts == []  # only the question is (as a query)
    assert not sentences & set(words.texts)  # at most words ingest never saw


def _same_answers(pipeline: Pipeline, questions: list[dict]) -> list[str]:
    fast = pipeline.extractive
    slow = ExtractiveAnswerer(pipeline.embedder, pipeline.nlp, articles=pipeline._article_text)  # parses and embeds here
    differ = []
    for q in questions:
        filters = Filters(as_of=dt.date.fromisoformat(q["as_of"])) if q.get("as_of") else None
        passages = pipeline.retrieve(q["question"], filters)
        as_of = filters.as_of if filters else None
        a, b = fast.answer(q["question"], passages, as_of), slow.answer(q["question"], passages, as_of)
        if (a.answer, a.citations) != (b.answer, b.citations):
            differ.append(f"{q['id']}: {a.answer!r} != {b.answer!r}")
    return differ


def test_answers_from_stored_analyses_are_those_of_parsing_at_question_time(seed_pipeline):
    questions = [json.loads(line) for line in (ROOT / "evals" / "questions.jsonl").read_text().splitlines() if line.strip()]
    assert _same_answers(seed_pipeline, questions) == []


@pytest.mark.slow
@pytest.mark.skipif(not ARCHIVE.exists(), reason=f"the news archive is not at {ARCHIVE}")
def test_the_whole_archive_gold_set_gets_the_same_answers_either_way():
    from evals.archive import main as archive

    # The subset and index `make eval-archive` builds: ingesting the 432 articles takes ~17 minutes on 2
    # cores, and an unchanged re-ingest seconds, so CI pays for it once, in whichever of the two runs first.
    subset, index = ROOT / "build" / "archive-subset.jsonl", ROOT / "build" / "archive-index"
    questions = [ROOT / "evals" / "archive" / f"{split}.jsonl" for split in ("dev", "test")]
    assert archive(["subset", *map(str, questions), "--out", str(subset)]) == 0
    pipeline = Pipeline(Settings(index_dir=index))
    pipeline.ingest([subset])
    gold = [json.loads(line) for path in questions for line in path.read_text().splitlines() if line.strip()]
    assert len(gold) > 800 and _same_answers(pipeline, gold) == []


def test_stored_vectors_keep_their_meaning_and_store_the_same_twice():
    vectors = np.random.default_rng(0).normal(size=(20, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    stored = unpack(pack(vectors))
    assert len(pack(vectors)) == 20 * (DIMENSIONS + 4)  # int8 and a scale: a quarter of float32
    assert np.abs((stored * vectors).sum(axis=1) - 1).max() < 0.002
    assert np.array_equal(unpack(pack(stored)), stored)  # what a question embeds is what ingest stored


def test_a_stored_parse_of_any_length_reads_back_whole(seed_pipeline):
    from rag.analysis import doc_bytes, doc_from_bytes

    nlp = seed_pipeline.nlp
    long_text = " ".join(f"Officer{i} met Minister{i} in Town{i} on March {i % 28 + 1}." for i in range(120))  # > 256 strings
    for text in ("", "Yes.", long_text):
        fresh = with_entities(parse(nlp, text))
        stored = doc_from_bytes(doc_bytes(fresh), nlp.vocab)
        assert stored.text == text and _annotations(stored) == _annotations(fresh)
        assert [(e.start, e.end, e.label_) for e in stored.ents] == [(e.start, e.end, e.label_) for e in fresh.ents]
