"""Fit the extractive answerer's weights and refusal threshold on the dev split (`make fit`).

    python -m evals.fit --questions evals/archive/dev.jsonl --index build/archive-index

For every dev question: retrieve as `ask()` does, generate and describe every candidate, and label it
right when its text holds one of the question's answers (for yes/no: when its sentence gives the gold
"yes"/"no" and holds the evidence). Then:
1. the type prior: for each question key ("who", "how many", "which:place" ...), how much likelier a
   candidate with each label is to be right than the key's candidates on average (a smoothed log lift);
2. a logistic regression over the features, its regularisation chosen by 5-fold cross-validation with
   questions grouped by article;
3. the refusal threshold: the one that gets the most dev questions right (answerable ones answered
   right in the lead and cited, unanswerable ones refused), judged on out-of-fold probabilities through
   the same composer and claim check `ask()` uses.
The result, with what produced it, goes to rag/extractive/weights.json. The test split is never read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import math
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals import metrics
from evals.runner import GoldQuestion, judge, load_questions
from rag.extractive import ExtractiveAnswerer, Ranking
from rag.extractive.candidates import Candidate
from rag.extractive.compose import yes_or_no
from rag.extractive.features import FEATURES
from rag.extractive.question import Form
from rag.extractive.ranker import UNSEEN_LABEL, WEIGHTS_FILE, Weights, save
from rag.models import ScoredChunk

FOLDS = 5
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
PRIOR_SMOOTHING = 5.0  # pseudo-candidates pulling a label's lift towards its pooled (or neutral) value


@dataclass
class Case:
    gold: GoldQuestion
    standalone: str
    passages: list[ScoredChunk]
    ranking: Ranking
    labels: list[bool]


def label(gold: GoldQuestion, ranking: Ranking, c: Candidate) -> bool:
    if gold.unanswerable:
        return False
    if ranking.question.form is Form.YESNO:
        says = yes_or_no(ranking.question, c).lower()
        sentence = c.evidence.sentence.text
        holds = metrics.contains(sentence, gold.evidence) or any(metrics.contains(e, [sentence]) for e in gold.evidence)
        return holds and metrics.contains(says, gold.answers)
    return metrics.contains(c.text, gold.answers)


def collect(pipeline, answerer: ExtractiveAnswerer, questions: list[GoldQuestion], progress=None) -> list[Case]:
    cases = []
    for n, gold in enumerate(questions, 1):
        follow_up = gold.standalone()
        passages = pipeline.retrieve(follow_up.query, gold.filters())
        as_of = gold.filters().latest_date() if gold.filters() else None
        ranking = answerer.candidates(follow_up.question, passages, as_of)
        cases.append(Case(gold, follow_up.question, passages, ranking, [label(gold, ranking, c) for c in ranking.candidates]))
        if progress:
            progress(n, len(questions), gold.id)
    return cases


def fit_prior(cases: list[Case]) -> dict[str, dict[str, float]]:
    """For each question key and candidate label, the log of how much likelier a candidate with that label
    is to be right than the key's candidates are on average (its lift). Each key's lifts are smoothed
    towards the lifts of all keys together, and those towards 1 (log 0): a label seen rarely says little,
    and one never seen with a key takes the pooled value."""
    right: dict[str, Counter] = defaultdict(Counter)
    seen: dict[str, Counter] = defaultdict(Counter)
    for case in cases:
        key = case.ranking.question.key
        for c, y in zip(case.ranking.candidates, case.labels, strict=True):
            seen[key][c.label] += 1
            right[key][c.label] += bool(y)
    pooled_right, pooled_seen = sum(right.values(), Counter()), sum(seen.values(), Counter())

    def lifts(r: Counter, n: Counter, towards: dict[str, float]) -> dict[str, float]:
        rate = (sum(r.values()) + 1) / (sum(n.values()) + 2)  # the key's share of right candidates
        return {
            label: (r[label] + PRIOR_SMOOTHING * rate * towards.get(label, 1.0)) / (n[label] + PRIOR_SMOOTHING) / rate
            for label in set(n) | set(towards)
        }

    base = lifts(pooled_right, pooled_seen, {})
    prior = {UNSEEN_LABEL: {label: round(math.log(v), 4) for label, v in base.items()} | {UNSEEN_LABEL: 0.0}}
    for key in sorted(seen):
        own = lifts(right[key], seen[key], base)
        prior[key] = {label: round(math.log(v), 4) for label, v in own.items()} | {UNSEEN_LABEL: 0.0}
    return prior


def matrix(cases: list[Case], prior: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    weights = Weights(features=dict.fromkeys(FEATURES, 0.0), intercept=0.0, threshold=0.5, prior=prior)
    rows, ys, groups = [], [], []
    for n, case in enumerate(cases):
        for c, y in zip(case.ranking.candidates, case.labels, strict=True):
            c.features["prior"] = weights.log_prior(case.ranking.question.key, c.label)
            rows.append([c.features[f] for f in FEATURES])
            ys.append(y)
            groups.append(n)
    return np.array(rows, dtype=float), np.array(ys, dtype=int), np.array(groups)


def fit_lr(x: np.ndarray, y: np.ndarray, c_value: float) -> tuple[np.ndarray, float]:
    """Weights over the raw features (the standardisation folded in)."""
    from sklearn.linear_model import LogisticRegression

    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    model = LogisticRegression(C=c_value, max_iter=2000)
    model.fit((x - mean) / std, y)
    w = model.coef_[0] / std
    return w, float(model.intercept_[0] - np.sum(model.coef_[0] * mean / std))


def fold_of(case: Case) -> int:
    article = (case.gold.sources or [case.gold.id])[0]
    return int(hashlib.sha256(article.encode()).hexdigest(), 16) % FOLDS


def out_of_fold(cases: list[Case], c_value: float) -> list[np.ndarray]:
    """Each question's candidate probabilities from a model (and prior) fitted without its article."""
    scores: list[np.ndarray] = [np.zeros(0)] * len(cases)
    for fold in range(FOLDS):
        train = [c for c in cases if fold_of(c) != fold]
        test = [(n, c) for n, c in enumerate(cases) if fold_of(c) == fold]
        prior = fit_prior(train)
        x, y, _ = matrix(train, prior)
        w, b = fit_lr(x, y, c_value)
        for n, case in test:
            xt, _, _ = matrix([case], prior)
            scores[n] = 1 / (1 + np.exp(-(xt @ w + b))) if len(xt) else np.zeros(0)
    return scores


def outcomes(cases: list[Case], scores: list[np.ndarray], answerer: ExtractiveAnswerer) -> list[tuple[float, bool, bool]]:
    """Per question: the best candidate's probability, whether answering with it is right (answerable
    questions: right in the lead and cited, judged as `rag eval` judges) and whether the question is
    unanswerable (a refusal is right). Answers are drafted and checked exactly as `ask()` does."""
    from rag.verify import check_answer

    out = []
    for case, p in zip(cases, scores, strict=True):
        for c, probability in zip(case.ranking.candidates, p, strict=True):
            c.probability = float(probability)
        ranked = Ranking(case.ranking.question, case.ranking.evidence, sorted(case.ranking.candidates, key=lambda c: -c.probability))
        if ranked.best is None:
            out.append((0.0, False, case.gold.unanswerable))
            continue
        draft = answerer.draft(ranked, case.passages, threshold=0.0)
        result = judge(case.gold, check_answer(draft, case.passages, nlp=answerer.nlp), None, 0.0)
        right = bool(result.correct_in_lead and result.supported) if not case.gold.unanswerable else False
        out.append((ranked.best.probability, right, case.gold.unanswerable))
    return out


def best_threshold(results: list[tuple[float, bool, bool]]) -> tuple[float, int]:
    """The threshold getting the most questions right, and how many; ties go to the lower threshold."""
    best, best_right = 0.0, -1
    for t in sorted({round(p, 4) for p, _, _ in results} | {0.0, 1.0}):
        right = sum((p >= t and ok) or (p < t and unanswerable) for p, ok, unanswerable in results)
        if right > best_right:
            best, best_right = t, right
    return best, best_right


def summary(results: list[tuple[float, bool, bool]], t: float) -> dict:
    answerable = [(p, r) for p, r, u in results if not u]
    unanswerable = [p for p, _, u in results if u]
    return {
        "right_in_lead_and_cited": round(sum(p >= t and r for p, r in answerable) / max(len(answerable), 1), 4),
        "refused_when_unanswerable": round(sum(p < t for p in unanswerable) / max(len(unanswerable), 1), 4),
        "refused_when_answerable": round(sum(p < t for p, _ in answerable) / max(len(answerable), 1), 4),
        "right_if_never_refused": round(sum(r for _, r in answerable) / max(len(answerable), 1), 4),
    }


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def fit(cases: list[Case], answerer: ExtractiveAnswerer, questions_path: Path, log=print) -> Weights:
    tried = {}
    for c_value in C_GRID:
        results = outcomes(cases, out_of_fold(cases, c_value), answerer)
        threshold, right = best_threshold(results)
        tried[c_value] = (right, threshold, summary(results, threshold))
        log(f"C={c_value}: threshold {threshold:.4f}, {right} of {len(results)} questions right: {tried[c_value][2]}")
    c_value = max(C_GRID, key=lambda c: (tried[c][0], -c))
    _, threshold, scores = tried[c_value]
    prior = fit_prior(cases)
    x, y, _ = matrix(cases, prior)
    w, b = fit_lr(x, y, c_value)
    digest = hashlib.sha256(questions_path.read_bytes()).hexdigest()[:16]
    return Weights(
        features={f: round(float(v), 6) for f, v in zip(FEATURES, w, strict=True)},
        intercept=round(b, 6),
        threshold=threshold,
        prior=prior,
        provenance={
            "command": "python -m evals.fit " + " ".join(sys.argv[1:]),
            "questions": f"{questions_path.as_posix()} (sha256 {digest})",
            "questions_used": len(cases),
            "candidates": int(len(y)),
            "right_candidates": int(y.sum()),
            "commit": _commit(),
            "fitted_on": dt.date.today().isoformat(),
            "regularisation_C": c_value,
            "cross_validated_on_dev": scores,
        },
    )


def main(argv: list[str] | None = None) -> int:
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m evals.fit", description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=Path("evals/archive/dev.jsonl"))
    parser.add_argument("--index", type=Path, required=True, help="an index holding the articles the questions use")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args(argv)
    if "test" in args.questions.name:
        parser.error("the weights are fitted on the dev split only")
    questions = load_questions(args.questions)
    pipeline = Pipeline(Settings(index_dir=args.index))
    answerer = pipeline.extractive
    def progress(n: int, total: int, qid: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{n}/{total} {qid:40s}", end="" if n < total else "\n", file=sys.stderr)

    cases = collect(pipeline, answerer, questions, progress=progress)
    weights = fit(cases, answerer, args.questions)
    save(weights, args.out)
    print(f"wrote {args.out}: threshold {weights.threshold}, {weights.provenance['cross_validated_on_dev']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
