"""The extractive answerer end to end with the fitted weights: a clear answer is stated and cited, and
what the passages do not say is refused."""

from __future__ import annotations

from rag.extractive import ExtractiveAnswerer
from rag.extractive.ranker import Confidence, Weights
from rag.verify import REFUSAL_PREFIX, split_claims
from tests.passages import passage

REPORT = (
    "The National Weather Service said the storm dropped 14 inches of snow on Buffalo on Tuesday. "
    "Mayor Ann Lee declared a state of emergency after the storm knocked out power to 30,000 homes. "
    "Schools will reopen on Thursday, the district said."
)


def test_clear_questions_are_answered_in_the_lead_and_cited(answerer):
    passages = [passage(REPORT, source_id="wx", outlet="Buffalo News")]
    for question, expected in [
        ("Who declared a state of emergency?", "Ann Lee"),
        ("How many homes lost power?", "30,000"),
        ("How much snow fell on Buffalo?", "14 inches"),
    ]:
        a = answerer.answer(question, passages)
        assert a.answerable, (question, a.answer)
        first = split_claims(a.answer)[0]
        assert expected in first.body and first.markers == [1], (question, a.answer)
        assert all(REPORT[c.start : c.end] == c.quote for c in a.citations)


def test_no_passages_or_nothing_that_says_it_is_a_refusal(answerer):
    assert not answerer.answer("Who declared a state of emergency?", []).answerable
    unrelated = [passage("The museum reopened its east wing after a two-year renovation.")]
    a = answerer.answer("How many homes lost power in Buffalo?", unrelated)
    assert not a.answerable and a.answer.startswith(REFUSAL_PREFIX) and a.citations == []


def test_the_refusal_threshold_can_be_raised_by_configuration(answerer):
    strict = ExtractiveAnswerer(answerer.meaning.embedder, answerer.nlp, threshold=1.0)
    assert not strict.answer("Who declared a state of emergency?", [passage(REPORT)]).answerable


def test_whether_to_answer_is_read_from_the_confidence_not_the_candidate_s_probability(answerer):
    question, passages = "Who declared a state of emergency?", [passage(REPORT)]
    fitted = Weights.load()
    ranking = answerer.rank(question, passages)
    assert ranking.confidence == fitted.confidence.of(ranking.best) and 0.0 < ranking.confidence < 1.0
    # the same candidates, equally likely, and a confidence that the sources never answer anything
    doubtful = fitted.model_copy(update={"confidence": Confidence(weights={}, intercept=-30.0)})
    unsure = ExtractiveAnswerer(answerer.meaning.embedder, answerer.nlp, weights=doubtful)
    ranked = unsure.rank(question, passages)
    assert ranked.best.text == ranking.best.text and ranked.best.probability == ranking.best.probability
    assert not unsure.answer(question, passages).answerable
