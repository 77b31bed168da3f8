"""The weights come from one checked-in file that says what produced it, and match the features the code
computes; a stale file is refused with the command that refits it."""

from __future__ import annotations

import json
import math

import pytest

from rag.extractive.features import FEATURES
from rag.extractive.ranker import SCORE, UNSEEN_LABEL, WEIGHTS_FILE, Confidence, Weights, WeightsError, leads, set_probabilities
from tests.passages import passage


def test_the_checked_in_weights_match_the_features_and_record_what_fitted_them():
    weights = Weights.load()
    assert tuple(weights.features) == FEATURES
    assert 0.0 < weights.threshold < 1.0 and 0.0 < weights.plausible < 1.0
    assert weights.confidence.weights.keys() == {SCORE, *FEATURES}
    provenance = weights.provenance
    assert provenance["command"].startswith("python -m evals.fit") and "dev.jsonl" in provenance["questions"]
    assert "test" not in provenance["questions"]
    assert {"commit", "fitted_on", "l2_strength", "calibration", "cross_validated_on_dev"} <= set(provenance)


def test_weights_for_other_features_are_refused_with_the_way_to_refit(tmp_path):
    data = json.loads(WEIGHTS_FILE.read_text())
    data["features"].pop(FEATURES[-1])
    stale = tmp_path / "weights.json"
    stale.write_text(json.dumps(data))
    with pytest.raises(WeightsError, match="make fit"):
        Weights.load(stale)
    with pytest.raises(WeightsError, match="make fit"):
        Weights.load(tmp_path / "missing.json")
    data = json.loads(WEIGHTS_FILE.read_text())
    data["confidence"]["weights"]["a feature since removed"] = 1.0
    stale.write_text(json.dumps(data))
    with pytest.raises(WeightsError, match="make fit"):
        Weights.load(stale)


def test_the_confidence_reads_the_best_candidate_s_calibrated_score_and_features(answerer):
    best = answerer.rank("How many people died?", [passage("The storm killed 40 people.")]).best
    assert Confidence().of(best) == pytest.approx(best.probability)  # unfitted, it is the probability
    covered = Confidence(weights={SCORE: 1.0, "cov_names": 2.0}, intercept=-1.0)
    z = math.log(best.probability / (1 - best.probability)) + 2.0 * best.features["cov_names"] - 1.0
    assert covered.of(best) == pytest.approx(1 / (1 + math.exp(-z)))


def test_the_prior_backs_off_for_keys_and_labels_it_never_saw():
    weights = Weights.load()
    assert weights.log_prior("a key never seen", "PERSON") == weights.prior[UNSEEN_LABEL]["PERSON"]
    assert weights.log_prior("who", "A LABEL NEVER SEEN") == weights.prior["who"][UNSEEN_LABEL]
    assert weights.log_prior("who", "PERSON") > weights.log_prior("who", "CARDINAL")  # fitted, not set


def _figures(answerer, text):
    return {c.text: c for c in answerer.rank("How many people died?", [passage(text)]).candidates if c.label == "CARDINAL"}


def test_a_winner_far_ahead_of_every_other_answer_is_surer_than_one_in_a_close_race(answerer):
    found = _figures(answerer, "The storm killed 40 people. Forty people died, officials said. Police counted 12 cars.")
    forty, also_forty, twelve = found["40"], found["Forty"], found["12"]
    # the same value written twice is one answer: neither is the other's rival
    assert leads([forty, also_forty, twelve], [5.0, 4.0, 1.0]) == [4.0, 3.0, 0.0]
    assert leads([forty, also_forty], [5.0, 4.0]) == [math.inf, math.inf]  # nothing else is answered
    far, close = [forty, twelve], [forty, twelve]
    set_probabilities(far, [0.0, -3.0], lead=0.5, cap=2.0)
    p_far = forty.probability
    set_probabilities(close, [0.0, -0.5], lead=0.5, cap=2.0)
    assert p_far > forty.probability > 0.5  # a lead counts up to its cap
    assert twelve.probability == pytest.approx(1 / (1 + math.exp(0.5)))  # a candidate behind gains nothing
