"""rag/relevance.py: e5's say on how well a sentence answers a question, the same whoever embedded it."""

from __future__ import annotations

import numpy as np
import pytest

from rag.meaning import DIMENSIONS
from rag.relevance import Relevance


@pytest.fixture(scope="module")
def relevance():
    return Relevance()


def test_a_sentence_on_what_is_asked_scores_above_one_on_the_same_story(relevance):
    question = "Who did Pakistan blame for the attacks?"
    answers = "Interior Minister Mohsin Naqvi blamed neighbouring India for the attacks."
    beside = "The province is the country's largest by area."
    scores = relevance.scores(question, [answers, beside])
    assert scores[0] > scores[1] + 0.1


def test_a_sentence_vector_does_not_depend_on_the_sentences_embedded_beside_it(relevance):
    alone = relevance.embed(["Fighters killed 31 civilians on Saturday."])
    beside = relevance.embed(["A much longer sentence about something else entirely, with many words in it.",
                              "Fighters killed 31 civilians on Saturday."])
    assert alone.shape == (1, DIMENSIONS)
    np.testing.assert_array_equal(alone[0], beside[1])


def test_vectors_read_from_the_index_are_used_as_they_are(relevance):
    text = "A sentence the index analysed at ingest."
    stored = np.zeros((1, DIMENSIONS), dtype=np.float32)  # no model would give this: only the index can
    relevance.remember([text], stored)
    assert relevance.scores("What did ingest analyse?", [text])[0] == 0.0
    assert relevance.scores("Anything?", []).shape == (0,)
