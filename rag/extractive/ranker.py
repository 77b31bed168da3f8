"""The fitted ranker: a linear score over candidate features, and whether to answer at all.

    weights = Weights.load()                  # rag/extractive/weights.json, written by `make fit`
    rank(candidates, question_key, weights)   # sets candidate.probability, best first
    answerable = weights.confidence.of(best) >= weights.threshold_for(question_key)

The feature weights are fitted to pick each question's right candidate from among its own (a
conditional logit), then scaled and shifted so that the best candidate's probability is how often an
answer that sure is right (calibrated on the dev split). The calibration also weighs how far the
candidate leads the best one giving another answer: a winner far ahead of every rival is right more
often than one with the same score in a close race.

Whether to answer is a second question with other evidence. The ranker compares a question's
candidates with each other, so it learns nothing from what they all share, such as how close the best
sentence comes to the question at all (its e5 similarity). Yet that is much of what sets a question the
sources answer apart from a near-miss they do not. And refusing is right only when the sources do not
say: a wrong answer to a question they do answer is no better refused. So the refusal reads a second
fitted model, `Confidence`: how likely the question is answered here rather than absent from the
sources, from the best candidate's probability and its features. The threshold is on that confidence.
The candidates' probabilities keep their own bound, `plausible`: another article's candidate at least
that likely is a serious reading, one that corroborates or disputes the answer (`agreement.py`).

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


SCORE = "score"  # the Confidence input that is the best candidate's calibrated score (its probability's logit)


class Confidence(BaseModel):
    """How likely a question is answered by the sources rather than not at all, from its best candidate:
    sigmoid(intercept + Σ weight × input), the inputs being its calibrated score and its features. The
    default reads the probability alone (a confidence equal to it)."""

    weights: dict[str, float] = Field(default_factory=lambda: {SCORE: 1.0})
    intercept: float = 0.0

    def of(self, best: Candidate) -> float:
        inputs = self.inputs(best)
        return _sigmoid(self.intercept + sum(w * inputs[name] for name, w in self.weights.items()))

    @staticmethod
    def inputs(best: Candidate) -> dict[str, float]:
        p = min(max(best.probability, 1e-12), 1 - 1e-12)
        return best.features | {SCORE: math.log(p / (1 - p))}


class Weights(BaseModel):
    features: dict[str, float]  # feature name -> weight, over features as computed (no scaling)
    intercept: float
    threshold: float  # refuse when the best candidate's confidence is below this
    # a candidate at least this likely is a serious reading: it corroborates or disputes the answer
    plausible: float = 0.5
    confidence: Confidence = Field(default_factory=Confidence)
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
    if tuple(weights.features) != FEATURES or set(weights.confidence.weights) - {SCORE, *FEATURES}:
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
        c.probability = _sigmoid(z + lead * min(margin, cap))


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-max(min(z, 30.0), -30.0)))


def save(weights: Weights, path: Path = WEIGHTS_FILE) -> None:
    """One line per weight and per question key's prior, so a refit reads as a short diff."""
    data = weights.model_dump()
    lines = ["{", ' "features": {']
    lines += [f"  {json.dumps(name)}: {value}," for name, value in data["features"].items()]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" },", f' "intercept": {data["intercept"]},', f' "threshold": {data["threshold"]},', f' "plausible": {data["plausible"]},']
    lines += [' "confidence": {', '  "weights": {']
    lines += [f"   {json.dumps(name)}: {value}," for name, value in data["confidence"]["weights"].items()]
    lines[-1] = lines[-1].rstrip(",")
    lines += ["  },", f'  "intercept": {data["confidence"]["intercept"]}', " },", ' "prior": {']
    lines += [f"  {json.dumps(key)}: {json.dumps(table, sort_keys=True)}," for key, table in data["prior"].items()]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" },", f' "thresholds": {json.dumps(data["thresholds"], sort_keys=True)},']
    lines += [f' "lead": {data["lead"]},', f' "lead_cap": {data["lead_cap"]},']
    lines += [f' "provenance": {json.dumps(data["provenance"])}', "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _load.cache_clear()
