"""Fit the extractive answerer's weights and refusal threshold on the dev split (`make fit`).

    python -m evals.fit --questions evals/archive/dev.jsonl --index build/archive-index

For every dev question: retrieve as `ask()` does, generate and describe every candidate, and label it
right when its text holds one of the question's answers (for yes/no: when its sentence gives the gold
"yes"/"no" and holds the evidence). Then:
1. the type prior: for each question key ("who", "how many", "which:place" ...), how much likelier a
   candidate with each label is to be right than the key's candidates on average (a smoothed log lift);
2. the ranker: a conditional logit over each question's candidates (which of them is right, not how
   likely each is on its own), its regularisation chosen by 5-fold cross-validation with questions
   grouped by article (the strength under which the right candidates are likeliest out of fold); its
   out-of-fold best scores calibrated into the probability that the answer is right (Platt scaling, with
   the winner's lead over the best candidate giving another answer as a second input), so the weights
   file's probabilities mean that;
3. the plausibility bound (`plausible`, which other articles' candidates may corroborate or dispute the
   answer): the threshold on those probabilities that would get the most dev questions right if it
   refused (below), with the drafts judged under the default bound and then again under the bound found
   until it stays, so that a refit is a function of its inputs, not of the weights file it replaces;
4. the confidence (`Confidence`): whether the sources answer the question at all, a logistic regression
   over the best candidate's out-of-fold calibrated score and its features, fitted to tell the questions
   answered right from the unanswerable ones. Answerable questions whose best candidate is wrong are left
   out: answering or refusing them is wrong alike, so they say nothing about when to refuse. Its L2
   penalty is the strongest whose likelihood of the questions of articles held out (the same 5 folds)
   cannot be told from the best one's (`steady_strength`);
5. the refusal threshold, on the out-of-fold confidence: the one that gets the most dev questions right
   (answerable ones answered right in the lead, a cited quote holding the answer; unanswerable ones
   refused), averaged over its neighbours so that it keeps away from the edge of the best range, judged
   on out-of-fold probabilities through the same composer and claim check `ask()` uses; the lowest
   threshold whose count the data cannot tell from the best is taken (`best_threshold`); and as that pick
   jumps when a few probabilities move, the threshold is its median over bootstrap resamples of the dev
   articles (`steady_threshold`). Yes/no questions get one of their own (`OWN_THRESHOLD`), fitted on them
   alone: their candidates are whole sentences, whose best probabilities sit lower than a figure's or a
   name's.
The result, with what produced it, goes to rag/extractive/weights.json. The test split is never read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import math
import random
import statistics
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
from rag.extractive.ranker import SCORE, UNSEEN_LABEL, WEIGHTS_FILE, Confidence, Weights, leads, save, set_probabilities
from rag.models import ScoredChunk

FOLDS = 5
STRENGTHS = (0.3, 1.0, 3.0, 10.0, 30.0)  # L2 penalties tried for the ranker
PLAUSIBLE_ROUNDS = 4  # judging the drafts again with the bound found, at most this many times
THRESHOLD_WINDOW = 0.05  # share of the questions on either side the right count is averaged over
OWN_THRESHOLD = ("yes/no",)  # question keys whose refusal threshold is fitted apart (see the docstring)
RESAMPLES = 100  # bootstrap resamples of the dev articles the refusal threshold is the median over
PRIOR_SMOOTHING = 5.0  # pseudo-candidates pulling a label's lift towards its pooled (or neutral) value
LEAD_CAPS = (1.0, 2.0, 3.0, 5.0, 10.0)  # how much of the best candidate's lead over its rival may count (raw scores)
CONFIDENCE_INPUTS = (SCORE, *FEATURES)
CONFIDENCE_STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0)  # inverse L2 penalties (C) for the confidence, strongest first


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
    towards the lifts of all keys together, capped at 1 (log 0), and those towards 1: a label seen rarely
    says little, and one never seen with a key takes the pooled value, or neutral where that is higher."""
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
    # A key borrows only the pooled evidence against a label, never for it: MONEY, right for "how much",
    # must not come out likely for a "who" question that never met one in dev.
    ceiling = {label: min(lift, 1.0) for label, lift in base.items()}
    for key in sorted(seen):
        own = lifts(right[key], seen[key], ceiling)
        prior[key] = {label: round(math.log(v), 4) for label, v in own.items()} | {UNSEEN_LABEL: 0.0}
    return prior


def matrix(cases: list[Case], priors: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidates' features, each case's prior read from its own table (`priors`, one per case)."""
    # a few tables shared by many cases: each is validated into a reader once, not once per case
    tables = {id(p): p for p in priors}
    readers = {key: Weights(features=dict.fromkeys(FEATURES, 0.0), intercept=0.0, threshold=0.5, prior=p) for key, p in tables.items()}
    rows, ys, groups = [], [], []
    for n, (case, prior) in enumerate(zip(cases, priors, strict=True)):
        weights = readers[id(prior)]
        for c, y in zip(case.ranking.candidates, case.labels, strict=True):
            c.features["prior"] = weights.log_prior(case.ranking.question.key, c.label)
            rows.append([c.features[f] for f in FEATURES])
            ys.append(y)
            groups.append(n)
    return np.array(rows, dtype=float), np.array(ys, dtype=int), np.array(groups)


def cross_fitted_priors(cases: list[Case]) -> list[dict]:
    """Each case's prior fitted without the cases of its own fold. A prior counted from a question's own
    right answer tells the ranker more about that question than any prior can about a new one: fitted on
    such in-sample priors, the ranker trusts the prior of a key seen a handful of times ("what:time") as
    much as that of "who"."""
    tables = {fold: fit_prior([c for c in cases if fold_of(c) != fold]) for fold in {fold_of(c) for c in cases}}
    return [tables[fold_of(c)] for c in cases]


def fit_ranker(x: np.ndarray, y: np.ndarray, groups: np.ndarray, strength: float) -> np.ndarray:
    """Weights over the raw features that pick each question's right candidate from among its own: a
    conditional logit, the probability of a candidate being softmax(w·x) over its question's candidates,
    fitted to the questions that have a right one (L2 penalty `strength` on standardised features).
    Comparing a question's candidates with each other, not with every other question's, is what the
    answerer does; how sure to be of the winner is calibrated separately (`calibrate`)."""
    from scipy.optimize import minimize

    keep = np.isin(groups, np.unique(groups[y == 1]))
    x, y, groups = x[keep], y[keep].astype(float), groups[keep]
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])  # rows are in question order
    index = np.cumsum(np.r_[False, groups[1:] != groups[:-1]])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        scores = z @ w
        scores = scores - np.maximum.reduceat(scores, starts)[index]
        e = np.exp(scores)
        p = e / np.add.reduceat(e, starts)[index]
        right = np.add.reduceat(p * y, starts)  # each question's probability of a right candidate
        share = p * (y / right[index] - 1.0)
        return float(-np.log(right).sum() + strength * w @ w), -(z.T @ share) + 2 * strength * w

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    return w / std


@dataclass
class Calibration:
    """From a question's best raw score to the probability that answering with it is right:
    sigmoid(scale × score + lead × min(its lead over its best rival, cap) + shift)."""

    scale: float = 1.0
    shift: float = 0.0
    lead: float = 0.0
    cap: float = 0.0

    # The same on the calibrated score (scale × score + shift), as the weights file and `rank` use it.
    @property
    def lead_on_calibrated(self) -> float:
        return self.lead / self.scale

    @property
    def cap_on_calibrated(self) -> float:
        return self.cap * self.scale


def calibrate(scores: list[float], ahead: list[float], right: list[bool]) -> Calibration:
    """Platt scaling of the best scores, with the best candidate's lead over its best rival as a second
    input, counted up to the cap (of `LEAD_CAPS`) under which the calibration fits the outcomes best
    (three numbers fitted on over a thousand questions: their in-sample likelihood is a fair judge)."""
    from sklearn.linear_model import LogisticRegression

    y = np.array(right, dtype=int)
    best: tuple[float, Calibration] | None = None
    for cap in LEAD_CAPS:
        x = np.column_stack([scores, np.minimum(ahead, cap)]).astype(float)
        model = LogisticRegression(C=100.0, max_iter=1000).fit(x, y)
        p = np.clip(model.predict_proba(x)[:, 1], 1e-9, 1 - 1e-9)
        likelihood = float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
        fitted = Calibration(float(model.coef_[0][0]), float(model.intercept_[0]), float(model.coef_[0][1]), cap)
        if best is None or likelihood > best[0]:
            best = (likelihood, fitted)
    assert best is not None
    return best[1]


def article_of(case: Case) -> str:
    return (case.gold.sources or [case.gold.id])[0]


def fold_of(case: Case) -> int:
    return int(hashlib.sha256(article_of(case).encode()).hexdigest(), 16) % FOLDS


def out_of_fold(cases: list[Case], strength: float) -> list[np.ndarray]:
    """Each question's candidate scores (w·x) from a ranker (and prior) fitted without its article."""
    scores: list[np.ndarray] = [np.zeros(0)] * len(cases)
    for fold in range(FOLDS):
        train = [c for c in cases if fold_of(c) != fold]
        test = [(n, c) for n, c in enumerate(cases) if fold_of(c) == fold]
        x, y, groups = matrix(train, cross_fitted_priors(train))
        w = fit_ranker(x, y, groups, strength)
        prior = fit_prior(train)
        for n, case in test:
            xt, _, _ = matrix([case], [prior])
            scores[n] = xt @ w if len(xt) else np.zeros(0)
    return scores


def outcomes(cases: list[Case], scores: list[np.ndarray], answerer: ExtractiveAnswerer,
             calibration: Calibration | None = None, plausible: float | None = None) -> list[tuple[float, bool, bool]]:
    """Per question: the best candidate's probability (calibrated, or the sigmoid of its raw score), whether
    answering with it is right (answerable questions: right in the lead and a cited quote holding it, the
    gold evidence or another sentence giving the same answer, as answers are judged) and whether the
    question is unanswerable (a refusal is right). Answers are drafted and checked exactly as `ask()`
    does, which reads the probabilities (a rival figure is one nearly as likely)."""
    from rag.verify import check_answer

    out = []
    for case, s in zip(cases, scores, strict=True):
        k = calibration or Calibration()
        calibrated = [k.scale * float(score) + k.shift for score in s]
        set_probabilities(case.ranking.candidates, calibrated, k.lead_on_calibrated, k.cap_on_calibrated)
        ranked = Ranking(case.ranking.question, case.ranking.evidence, sorted(case.ranking.candidates, key=lambda c: -c.probability))
        if ranked.best is None:
            out.append((0.0, False, case.gold.unanswerable))
            continue
        draft = answerer.draft(ranked, case.passages, threshold=0.0, plausible=plausible)
        result = judge(case.gold, check_answer(draft, case.passages, nlp=answerer.nlp), None, 0.0)
        right = bool(result.correct_in_lead and result.quoted) if not case.gold.unanswerable else False
        out.append((ranked.best.probability, right, case.gold.unanswerable))
    return out


def confidence_inputs(cases: list[Case]) -> np.ndarray:
    """Per question, what the confidence reads of its best candidate as `outcomes` last ranked them (a
    row of NaN for a question without candidates)."""
    rows = []
    for case in cases:
        best = max(case.ranking.candidates, key=lambda c: c.probability, default=None)
        inputs = Confidence.inputs(best) if best is not None else {}
        rows.append([inputs.get(name, math.nan) for name in CONFIDENCE_INPUTS])
    return np.array(rows, dtype=float).reshape(len(cases), len(CONFIDENCE_INPUTS))


def fit_confidence(x: np.ndarray, results: list[tuple[float, bool, bool]], folds: np.ndarray) -> tuple[Confidence, np.ndarray, dict]:
    """The confidence model (see the module's docstring), each question's confidence from a model fitted
    without its article (0 for a question without candidates), and what was chosen."""
    from sklearn.linear_model import LogisticRegression

    has = ~np.isnan(x).any(axis=1)
    right = np.array([ok for _, ok, _ in results], dtype=bool)
    absent = np.array([unanswerable for _, _, unanswerable in results], dtype=bool)
    train, y = has & (right | absent), right.astype(int)

    def model(rows: np.ndarray, strength: float) -> tuple[np.ndarray, float]:
        if len(set(y[rows])) < 2:  # a few questions, all of one kind: their rate, whatever the inputs
            rate = (y[rows].sum() + 1) / (rows.sum() + 2)
            return np.zeros(x.shape[1]), float(math.log(rate / (1 - rate)))
        mean, std = x[rows].mean(axis=0), x[rows].std(axis=0)
        std[std == 0] = 1.0
        fitted = LogisticRegression(C=strength, max_iter=5000).fit((x[rows] - mean) / std, y[rows])
        w = fitted.coef_[0] / std
        return w, float(fitted.intercept_[0] - w @ mean)

    tried = []
    for strength in CONFIDENCE_STRENGTHS:
        held_out = np.zeros(len(x))
        for fold in range(FOLDS):
            w, b = model(train & (folds != fold), strength)
            part = has & (folds == fold)
            held_out[part] = 1 / (1 + np.exp(-(x[part] @ w + b)))
        p = np.clip(held_out[train], 1e-9, 1 - 1e-9)
        tried.append((y[train] * np.log(p) + (1 - y[train]) * np.log(1 - p), strength, held_out))
    strength, held_out, likelihood = steady_strength(tried)
    w, b = model(train, strength)
    confidence = Confidence(weights={n: round(float(v), 6) for n, v in zip(CONFIDENCE_INPUTS, w, strict=True)}, intercept=round(b, 6))
    return confidence, held_out, {"C": strength, "questions": int(train.sum()), "held_out_log_likelihood": likelihood}


def steady_strength(tried: list[tuple[np.ndarray, float, np.ndarray]]) -> tuple[float, np.ndarray, float]:
    """Of (per-question held-out log-likelihoods, C, held-out confidences), ordered from the strongest
    penalty: the strongest penalty whose likelihood the questions cannot tell from the best's (the mean of
    the paired differences within one standard error of it), with its confidences and mean likelihood.
    Neighbouring penalties fit about equally well, but a weaker one spreads the confidences wider and moved
    the refusal threshold fitted on them by 0.1 from one refit to the next."""
    best = max(tried, key=lambda t: float(np.mean(t[0])))[0]
    for likelihoods, strength, held_out in tried:
        gap = best - likelihoods
        if float(np.mean(gap)) <= float(np.std(gap)) / math.sqrt(len(gap)):
            return strength, held_out, round(float(np.mean(likelihoods)), 4)
    raise AssertionError("the best strength is within noise of itself")


def best_threshold(results: list[tuple[float, bool, bool]], window: float = THRESHOLD_WINDOW) -> tuple[float, int]:
    """The threshold to refuse below, and how many questions it gets right.

    Raising the threshold past one question's probability after another, the count of questions right
    moves by one either way and is nearly flat over a wide range; its highest point alone is chosen by
    a question or two, and often sits at the edge of a cliff. So the count is averaged over `window` of
    the questions on either side and the threshold with the best average is taken (ties: the better
    count itself, then the lower threshold). Then, as a wrong refusal costs as much as a wrong answer,
    the lowest threshold the data cannot tell from it is taken (`_within_noise`): between the two, the
    questions refused only by the higher one are right refusals and wrong ones by turns, and a surplus
    within one standard error of that sum is no evidence for refusing them."""
    thresholds = sorted({round(p, 4) for p, _, _ in results} | {0.0, 1.0})
    counts = [_right_at(results, t) for t in thresholds]
    reach = int(window * len(results))
    smoothed = [statistics.fmean(counts[max(0, i - reach) : i + reach + 1]) for i in range(len(counts))]
    best = max(range(len(thresholds)), key=lambda i: (smoothed[i], counts[i], -i))
    lowest = next(i for i in range(best + 1) if _within_noise(results, thresholds[i], thresholds[best], smoothed[best] - smoothed[i]))
    return thresholds[lowest], counts[lowest]


def _within_noise(results: list[tuple[float, bool, bool]], low: float, high: float, smoothed_loss: float) -> bool:
    """Whether refusing the questions with probabilities in [low, high) gains no more than one standard
    error (each is +1 when unanswerable, for refusing is right, -1 when answering is right, else 0), on
    the count and on its average over the neighbours (so the edge of a cliff stays out of reach)."""
    gains = [1 if unanswerable else -1 if ok else 0 for p, ok, unanswerable in results if low <= p < high]
    noise = math.sqrt(sum(g * g for g in gains))
    return sum(gains) <= noise and smoothed_loss <= noise


def steady_threshold(results: list[tuple[float, bool, bool]], articles: list[str], rounds: int = RESAMPLES) -> tuple[float, int]:
    """`best_threshold` bagged: the median of the thresholds it picks on `rounds` resamples of the
    articles (drawn with replacement, each with all its questions), and how many questions that gets
    right. The pick of a single sample jumps between the ends of the long flat stretch of near-equal
    counts when a few probabilities move (a refit, a candidate more or less); the median of many does not."""
    by_article: dict[str, list[tuple[float, bool, bool]]] = defaultdict(list)
    for result, article in zip(results, articles, strict=True):
        by_article[article].append(result)
    names = sorted(by_article)
    draw = random.Random(0)  # the same resamples every fit: the threshold is a function of the data
    picks = [best_threshold([r for a in draw.choices(names, k=len(names)) for r in by_article[a]])[0] for _ in range(rounds)]
    threshold = round(statistics.median(picks), 4)
    return threshold, _right_at(results, threshold)


def _right_at(results: list[tuple[float, bool, bool]], threshold: float) -> int:
    """How many questions a threshold gets right: answered right at or above it, unanswerable below it."""
    return sum((p >= threshold and ok) or (p < threshold and unanswerable) for p, ok, unanswerable in results)


def thresholds_by_key(results: list[tuple[float, bool, bool]], keys: list[str], articles: list[str]) -> tuple[float, dict[str, float], int]:
    """The threshold of the questions of each `OWN_THRESHOLD` key and the one of all others, each fitted
    on its own questions (`steady_threshold`), and how many questions they get right together."""
    def part(wanted) -> tuple[list, list]:
        kept = [(r, a) for r, k, a in zip(results, keys, articles, strict=True) if wanted(k)]
        return [r for r, _ in kept], [a for _, a in kept]

    threshold, right = steady_threshold(*part(lambda k: k not in OWN_THRESHOLD))
    separate = {}
    for key in OWN_THRESHOLD:
        own, own_articles = part(lambda k, key=key: k == key)
        if own:
            separate[key], got = steady_threshold(own, own_articles)
            right += got
    return threshold, separate, right


def summary(results: list[tuple[float, bool, bool]], t: float | list[float]) -> dict:
    """The dev scores under threshold `t` (one per question, or one for all)."""
    ts = t if isinstance(t, list) else [t] * len(results)
    answerable = [(p, r, t) for (p, r, u), t in zip(results, ts, strict=True) if not u]
    unanswerable = [(p, t) for (p, _, u), t in zip(results, ts, strict=True) if u]
    return {
        "right_in_lead_and_quoted": round(sum(p >= t and r for p, r, t in answerable) / max(len(answerable), 1), 4),
        "refused_when_unanswerable": round(sum(p < t for p, t in unanswerable) / max(len(unanswerable), 1), 4),
        "refused_when_answerable": round(sum(p < t for p, _, t in answerable) / max(len(answerable), 1), 4),
        "right_if_never_refused": round(sum(r for _, r, _ in answerable) / max(len(answerable), 1), 4),
    }


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def held_out_likelihood(cases: list[Case], scores: list[np.ndarray]) -> float:
    """The mean log-probability the ranker gives the right candidates of questions it did not see (those
    that have one): what the ranker is fitted to maximise, judged out of fold."""
    total, n = 0.0, 0
    for case, s in zip(cases, scores, strict=True):
        right = np.array(case.labels, dtype=bool)
        if len(s) and right.any():
            p = np.exp(s - s.max())
            total += float(np.log(p[right].sum() / p.sum()))
            n += 1
    return total / max(n, 1)


def fit(cases: list[Case], answerer: ExtractiveAnswerer, questions_path: Path, log=print) -> Weights:
    keys = [case.ranking.question.key for case in cases]
    articles = [article_of(case) for case in cases]
    tried = {}
    for strength in STRENGTHS:
        scores = out_of_fold(cases, strength)
        tried[strength] = (held_out_likelihood(cases, scores), scores)
        log(f"L2 {strength}: held-out log-likelihood {tried[strength][0]:.4f}")
    # The strength is chosen by the ranker's own objective out of fold. The count of questions right moves
    # by a few with the assignment of articles to folds, as much as the strengths differ; the likelihood does not.
    strength = max(STRENGTHS, key=lambda k: tried[k][0])
    scores = tried[strength][1]
    # The drafts are judged with a plausibility bound and yield the bound that judges them best: from the
    # default, judge again with the bound found until it stays (a fixed point), so that a refit depends on
    # its inputs alone, never on the weights file it replaces.
    plausible = Weights.model_fields["plausible"].default
    for _ in range(PLAUSIBLE_ROUNDS):
        # calibrated on how the uncalibrated best answers fared, then judged again as calibrated
        first = outcomes(cases, scores, answerer, plausible=plausible)
        judged = [(case, s, right) for case, s, (_, right, _) in zip(cases, scores, first, strict=True) if len(s)]
        ahead = [max(leads(case.ranking.candidates, list(s))) for case, s, _ in judged]
        calibration = calibrate([float(max(s)) for _, s, _ in judged], ahead, [right for _, _, right in judged])
        results = outcomes(cases, scores, answerer, calibration, plausible)
        found, _, right = thresholds_by_key(results, keys, articles)
        log(f"judged with plausible {plausible:.4f}: {right} of {len(results)} questions right refusing below {found:.4f}")
        if found == plausible:
            break
        plausible = found
    inputs = confidence_inputs(cases)
    confidence, held_out, chosen = fit_confidence(inputs, results, np.array([fold_of(case) for case in cases]))
    confident = [(float(c), ok, unanswerable) for c, (_, ok, unanswerable) in zip(held_out, results, strict=True)]
    threshold, separate, right = thresholds_by_key(confident, keys, articles)
    scores = summary(confident, [separate.get(key, threshold) for key in keys]) | {"questions_right": right}
    log(f"confidence {chosen}: threshold {threshold:.4f} {separate}, {right} of {len(results)} questions right: {scores}")
    scale = calibration.scale
    x, y, groups = matrix(cases, cross_fitted_priors(cases))
    w = fit_ranker(x, y, groups, strength)
    prior = fit_prior(cases)
    digest = hashlib.sha256(questions_path.read_bytes()).hexdigest()[:16]
    return Weights(
        features={f: round(float(v) * scale, 6) for f, v in zip(FEATURES, w, strict=True)},
        intercept=round(calibration.shift, 6),
        lead=round(calibration.lead_on_calibrated, 6),
        lead_cap=round(calibration.cap_on_calibrated, 6),
        threshold=threshold,
        thresholds=separate,
        plausible=plausible,
        confidence=confidence,
        prior=prior,
        provenance={
            "command": "python -m evals.fit " + " ".join(sys.argv[1:]),
            "questions": f"{questions_path.as_posix()} (sha256 {digest})",
            "questions_used": len(cases),
            "candidates": int(len(y)),
            "right_candidates": int(y.sum()),
            "commit": _commit(),
            "fitted_on": dt.date.today().isoformat(),
            "ranker": "conditional logit over each question's candidates, scores calibrated (Platt) on out-of-fold best scores "
                      "and leads over the best rival answer",
            "l2_strength": strength,
            "held_out_log_likelihood": round(tried[strength][0], 4),
            "calibration": {"scale": round(scale, 6), "shift": round(calibration.shift, 6), "lead": round(calibration.lead, 6),
                            "lead_cap_in_raw_scores": calibration.cap},
            "confidence": "logistic regression over the best candidate's calibrated score and features, right answers against "
                          f"unanswerable questions, fitted out of fold: {chosen}",
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
    print(f"wrote {args.out}: threshold {weights.threshold} {weights.thresholds}, {weights.provenance['cross_validated_on_dev']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
