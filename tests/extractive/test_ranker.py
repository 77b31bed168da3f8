"""The weights come from one checked-in file that says what produced it, and match the features the code
computes; a stale file is refused with the command that refits it."""

from __future__ import annotations

import json

import pytest

from rag.extractive.features import FEATURES
from rag.extractive.ranker import UNSEEN_LABEL, WEIGHTS_FILE, Weights, WeightsError


def test_the_checked_in_weights_match_the_features_and_record_what_fitted_them():
    weights = Weights.load()
    assert tuple(weights.features) == FEATURES
    assert 0.0 < weights.threshold < 1.0
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


def test_the_prior_backs_off_for_keys_and_labels_it_never_saw():
    weights = Weights.load()
    assert weights.log_prior("a key never seen", "PERSON") == weights.prior[UNSEEN_LABEL]["PERSON"]
    assert weights.log_prior("who", "A LABEL NEVER SEEN") == weights.prior["who"][UNSEEN_LABEL]
    assert weights.log_prior("who", "PERSON") > weights.log_prior("who", "CARDINAL")  # fitted, not set
