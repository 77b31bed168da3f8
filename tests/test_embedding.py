"""The embedder: the quantised model is derived once, agrees with the shipped one, and batching changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embedding import MiniLMEmbedding

SENTENCES = [
    "Interior Minister Mohsin Naqvi said India is behind these attacks.",
    "The Pakistan Institute for Peace Studies counted 254 attacks in Balochistan in 2025.",
    "China has invested about $60 billion in the China-Pakistan Economic Corridor.",
    "The weather in Quetta was cold and dry on Saturday.",
]


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    cache = tmp_path_factory.mktemp("models")
    return MiniLMEmbedding("minilm-l6-qint8", cache_dir=cache), cache


def test_the_quantised_model_is_derived_once_into_the_cache_dir(derived):
    embedder, cache = derived
    (model,) = cache.glob("minilm-l6-qint8-*.onnx")
    made = model.stat().st_mtime_ns
    again = MiniLMEmbedding("minilm-l6-qint8", cache_dir=cache)
    assert again.embed_query("attacks").shape == (384,)
    assert model.stat().st_mtime_ns == made and list(cache.iterdir()) == [model]  # reused, no leftovers


def test_quantised_vectors_agree_with_the_shipped_model(derived):
    quantised = derived[0].embed_texts(SENTENCES)
    shipped = MiniLMEmbedding("minilm-l6-int8").embed_texts(SENTENCES)
    assert np.all((quantised * shipped).sum(axis=1) > 0.98)
    question = "Who did Pakistan blame for the attacks?"
    for model, vectors in ((derived[0], quantised), (MiniLMEmbedding("minilm-l6-int8"), shipped)):
        assert int(np.argmax(vectors @ model.embed_query(question))) == 0


def test_a_text_alone_always_gets_the_same_vector_and_batching_moves_it_only_slightly(derived):
    embedder = derived[0]
    alone = embedder.embed_texts([SENTENCES[3], SENTENCES[0]], batch_size=1)[0]
    assert np.array_equal(alone, embedder.embed_query(SENTENCES[3]))  # what the answerer relies on
    assert np.isclose(np.linalg.norm(alone), 1.0, atol=1e-5)
    batched = embedder.embed_texts([SENTENCES[3], " ".join(SENTENCES * 3)])[0]
    assert float(alone @ batched) > 0.98  # activation scales are per batch: quantisation noise, no more


def test_an_unknown_model_name_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown embedding model 'bert-huge'.*minilm-l6-qint8"):
        MiniLMEmbedding("bert-huge", cache_dir=tmp_path)


def test_a_question_embedded_to_retrieve_is_not_embedded_again_to_answer(derived, monkeypatch):
    embedder, _ = derived
    question = "Who did Pakistan blame for the attacks in Balochistan?"
    first = embedder.embed_query(question)
    from rag import embedding

    def no_model(*_args, **_kwargs):
        raise AssertionError("the model ran again for a text it had just embedded alone")

    _, _, session = embedding._load(embedder.model_name, embedder._cache_dir)
    monkeypatch.setattr(session, "run", no_model)
    again = embedder.embed_texts([question], batch_size=1)[0]  # as the answerer embeds it
    assert np.array_equal(first, again)
