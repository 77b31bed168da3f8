import datetime as dt

import pytest

from rag.errors import BadQuestion
from rag.models import Filters
from rag.retrieve import Retriever, fuse


def test_the_blame_question_finds_the_interior_ministers_words_in_the_top_3(seed_pipeline):
    hits = seed_pipeline.retrieve("who did Pakistan blame for the attacks?", k=3)
    assert any("India is behind these attacks" in h.chunk.text for h in hits)


@pytest.mark.parametrize(
    "question, needle",
    [
        ("how many attacks were there in Balochistan in 2025?", "254"),
        ("what is the China-Pakistan Economic Corridor worth?", "$60 billion"),
        ("who leads the Baloch Liberation Army?", "Bashir Zeb"),
        ("how much foreign direct investment came in during the first half of FY26?", "$808m"),
    ],
)
def test_key_facts_are_retrieved_in_the_top_5(seed_pipeline, question, needle):
    assert any(needle in h.chunk.text for h in seed_pipeline.retrieve(question, k=5))


def test_results_carry_metadata_scores_and_exact_offsets(seed_pipeline):
    hits = seed_pipeline.retrieve("Jaffar Express hijacking", k=5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in hits:
        source = seed_pipeline.source(hit.chunk.source_id)
        assert source.text[hit.chunk.start : hit.chunk.end] == hit.chunk.text
        assert hit.dense_rank or hit.keyword_rank
        assert hit.chunk.published == dt.date(2026, 2, 2)


def test_filters_restrict_sources_outlets_and_dates(seed_pipeline):
    only_data = seed_pipeline.retrieve("attacks in 2025", Filters(sources=["balochistan-figures"]), k=10)
    assert only_data and {h.chunk.source_id for h in only_data} == {"balochistan-figures"}
    only_aj = seed_pipeline.retrieve("attacks in 2025", Filters(outlets=["Al Jazeera"]), k=10)
    assert only_aj and {h.chunk.outlet for h in only_aj} == {"Al Jazeera"}
    assert seed_pipeline.retrieve("attacks", Filters(as_of=dt.date(2026, 2, 1)), k=10) == []
    assert seed_pipeline.retrieve("attacks", Filters(as_of=dt.date(2026, 2, 2)), k=10)
    assert seed_pipeline.retrieve("attacks", Filters(published_after=dt.date(2026, 2, 3)), k=10) == []
    window = Filters(published_after=dt.date(2026, 1, 1), published_before=dt.date(2026, 2, 28))
    assert seed_pipeline.retrieve("attacks", window, k=10)


def test_reversed_date_range_is_rejected():
    with pytest.raises(ValueError, match="later than"):
        Filters(published_after=dt.date(2026, 3, 1), published_before=dt.date(2026, 1, 1))


def test_bad_questions_are_rejected_before_retrieval(seed_pipeline):
    for question in ("", "   ", "x" * 2001, "who\x00 blamed", "Кто виноват в нападениях?"):
        with pytest.raises(BadQuestion):
            seed_pipeline.retrieve(question)


def test_reciprocal_rank_fusion_rewards_agreement():
    scores = fuse([["a", "b", "c"], ["b", "d"]], rrf_k=60)
    assert max(scores, key=scores.get) == "b"
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 62)


def test_a_weighted_ranking_counts_more_in_the_fusion():
    dense_first, keyword_first = ["a", "b"], ["b", "a"]
    assert fuse([dense_first, keyword_first], rrf_k=5) == {"a": pytest.approx(1 / 6 + 1 / 7), "b": pytest.approx(1 / 7 + 1 / 6)}
    scores = fuse([dense_first, keyword_first], rrf_k=5, weights=[1.0, 2.0])
    assert max(scores, key=scores.get) == "b" and scores["b"] == pytest.approx(1 / 7 + 2 / 6)


ARTICLE = "balochistan-attacks-pakistan-promises"


@pytest.mark.parametrize("candidates", [2, 40])
@pytest.mark.parametrize(
    "question, filters",
    [
        ("How many attacks were there in Balochistan?", Filters(sources=["balochistan-figures"])),
        ("How many attacks were there in Balochistan?", Filters(outlets=["Al Jazeera"])),
        ("How many attacks were there in Balochistan?", Filters(as_of=dt.date(2026, 2, 2))),
        ("How many attacks were there in Balochistan?", Filters(published_after=dt.date(2030, 1, 1))),  # none pass
        # The 16 nearest chunks are all dataset rows: with 2 candidates no article chunk is in the wide pool.
        ("Balochistan attacks figures dataset rows year", Filters(sources=[ARTICLE])),
    ],
)
def test_filtered_dense_search_equals_chromas_own_filtered_search(seed_pipeline, question, filters, candidates):
    # The retriever searches wider without a filter and filters itself (Chroma's filtered search is slow);
    # when too few hits pass it must fall back to Chroma's filter, not return fewer.
    settings = seed_pipeline.settings.model_copy(update={"candidates": candidates, "top_k": candidates})
    retriever = Retriever(settings, seed_pipeline.docs, seed_pipeline.vectors, seed_pipeline.embedder, None)
    vector = seed_pipeline.embedder.embed_query(question)
    ours = retriever._dense(vector, candidates, filters)
    chromas = seed_pipeline.vectors.query(vector, candidates, filters)
    assert [cid for cid, _ in ours] == [cid for cid, _ in chromas]
    assert [round(s, 4) for _, s in ours] == [round(s, 4) for _, s in chromas]
