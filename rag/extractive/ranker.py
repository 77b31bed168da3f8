"""The fitted ranker: a linear score over candidate features, and the refusal threshold.

    weights = Weights.load()                  # rag/extractive/weights.json, written by `make fit`
    rank(candidates, question_key, weights)   # sets candidate.probability, best first
    answerable = best.probability >= weights.threshold_for(question_key)

The feature weights are fitted to pick each question's right candidate from among its own (a
conditional logit), then scaled and shifted so that the best candidate's probability is how often an
answer that sure is right (calibrated on the dev split); the threshold is on that probability. The
calibration also weighs how far the candidate leads the best one giving another answer: a winner far
ahead of every rival is right more often than one with the same score in a close race.

Both come from one checked-in file that records what produced it (the command, the gold split, the
commit and the scores on that split). Nothing here is set by hand: refit with `make fit`.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

from pydantic import BaseModel, Field

from rag.extractive.candidates import Candidate
from rag.extractive.features import FEATURES
from rag.extractive.values import same_value

WEIGHTS_FILE = Path(__file__).with_name("weights.json")
UNSEEN_LABEL = "*"  # the prior's entry for a label never seen with a question key


class WeightsError(RuntimeError):
    """weights.json is missing or was fitted for other features than the code computes."""


class Weights(BaseModel):
    features: dict[str, float]  # feature name -> weight, over features as computed (no scaling)
    intercept: float
    threshold: float  # refuse when the best candidate's probability is below this
    # log P(label | question key), smoothed, from the dev split's right answers; "*" keys back off.
    prior: dict[str, dict[str, float]]
    # question keys fitted a threshold of their own (a yes/no question's candidates are whole sentences)
    thresholds: dict[str, float] = Field(default_factory=dict)
    # the calibration's weight on a candidate's lead over its best rival (`leads`), counted up to `lead_cap`
    lead: float = 0.0
    lead_cap: float = 0.0
    provenance: dict = Field(default_factory=dict)

    def threshold_for(self, key: str) -> float:
        return self.thresholds.get(key, self.threshold)

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> Weights:
        return _load(path)

    def log_prior(self, key: str, label: str) -> float:
        table = self.prior.get(key) or self.prior[UNSEEN_LABEL]
        return table.get(label, table[UNSEEN_LABEL])


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> Weights:
    try:
        weights = Weights.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeightsError(f"cannot read the answerer's weights {path}: {exc}; run `make fit`") from None
    if tuple(weights.features) != FEATURES:
        raise WeightsError(f"{path} was fitted for the features {list(weights.features)}, not {list(FEATURES)}: run `make fit`")
    return weights


def rank(candidates: list[Candidate], key: str, weights: Weights) -> list[Candidate]:
    scores = []
    for c in candidates:
        c.features["prior"] = weights.log_prior(key, c.label)
        scores.append(weights.intercept + sum(w * c.features[name] for name, w in weights.features.items()))
    set_probabilities(candidates, scores, weights.lead, weights.lead_cap)
    return sorted(candidates, key=lambda c: (-c.probability, c.evidence.sentence.rank, c.span.start_char))


def leads(candidates: list[Candidate], scores: list[float]) -> list[float]:
    """How far each candidate's score is ahead of the best candidate giving another answer (0 when behind;
    infinite when no candidate gives another). Candidates stating the same value, however written, are
    one answer and no rivals of each other."""
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    out = []
    for i, c in enumerate(candidates):
        if i != order[0] and not same_value(c, candidates[order[0]]):
            out.append(0.0)  # the best candidate is its rival, and ahead of it
            continue
        rival = next((j for j in order if j != i and not same_value(c, candidates[j])), None)
        out.append(math.inf if rival is None else max(scores[i] - scores[rival], 0.0))
    return out


def set_probabilities(candidates: list[Candidate], scores: list[float], lead: float, cap: float) -> None:
    """A candidate's probability of being right from its calibrated score and its lead over its best rival."""
    ahead = leads(candidates, scores) if lead else [0.0] * len(candidates)
    for c, z, margin in zip(candidates, scores, ahead, strict=True):
        z += lead * min(margin, cap)
        c.probability = 1 / (1 + math.exp(-max(min(z, 30.0), -30.0)))


def save(weights: Weights, path: Path = WEIGHTS_FILE) -> None:
    """One line per weight and per question key's prior, so a refit reads as a short diff."""
    data = weights.model_dump()
    lines = ["{", ' "features": {']
    lines += [f"  {json.dumps(name)}: {value}," for name, value in data["features"].items()]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" },", f' "intercept": {data["intercept"]},', f' "threshold": {data["threshold"]},', ' "prior": {']
    lines += [f"  {json.dumps(key)}: {json.dumps(table, sort_keys=True)}," for key, table in data["prior"].items()]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" },", f' "thresholds": {json.dumps(data["thresholds"], sort_keys=True)},']
    lines += [f' "lead": {data["lead"]},', f' "lead_cap": {data["lead_cap"]},']
    lines += [f' "provenance": {json.dumps(data["provenance"])}', "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _load.cache_clear()
