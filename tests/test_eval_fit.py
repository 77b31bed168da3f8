"""`make fit`: the prior, the ranker, its calibration, the confidence and the refusal threshold are fitted
from labelled candidates, and the result is a weights file the answerer loads."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from evals import fit
from evals.runner import GoldQuestion
from rag.extractive.ranker import UNSEEN_LABEL, Weights, save
from tests.passages import passage


def case(key: str, labels: list[tuple[str, bool]]):
    candidates = [SimpleNamespace(label=label) for label, _ in labels]
    return SimpleNamespace(ranking=SimpleNamespace(question=SimpleNamespace(key=key), candidates=candidates), labels=[y for _, y in labels])


def test_the_prior_favours_labels_right_answers_have_and_backs_off_without_evidence():
    cases = [case("who", [("PERSON", True), ("NP", False), ("NP", False), ("GPE", False)]) for _ in range(10)]
    cases += [case("how many", [("CARDINAL", True), ("NP", False)]) for _ in range(10)]
    prior = fit.fit_prior(cases)
    assert prior["who"]["PERSON"] > 0 > prior["who"]["NP"]
    # CARDINAL, likely for "how many", was never seen with "who": that borrows no likelihood from "how many"
    assert prior[UNSEEN_LABEL]["CARDINAL"] > 0 and prior["who"]["CARDINAL"] == 0.0
    assert prior["how many"]["NP"] < 0 and prior["who"]["NP"] < 0  # evidence against a label carries over
    assert prior["who"][UNSEEN_LABEL] == 0.0  # a label seen nowhere: no evidence either way


def test_a_cross_fitted_prior_never_counts_the_question_it_is_read_for(monkeypatch):
    # one question of a rare key whose right answer has a label no other "what:time" question's has
    rare = case("what:time", [("APPOS", True), ("DATE", False)])
    others = [case("what:time", [("DATE", True), ("APPOS", False)]) for _ in range(4)]
    cases = [rare, *others]
    monkeypatch.setattr(fit, "fold_of", lambda c: 0 if c is rare else 1)
    (own,) = (p for c, p in zip(cases, fit.cross_fitted_priors(cases), strict=True) if c is rare)
    # counted with itself, APPOS would look right for the key; without it, the others say it is not
    assert fit.fit_prior(cases)["what:time"]["APPOS"] > own["what:time"]["APPOS"]
    assert own["what:time"]["APPOS"] < 0 < own["what:time"]["DATE"]


def test_the_threshold_is_the_one_that_gets_most_questions_right():
    unanswerable = [(p, False, True) for p in (0.65, 0.6, 0.55, 0.5, 0.45, 0.4)]
    results = [(0.9, True, False), (0.8, True, False), (0.7, True, False), *unanswerable, (0.2, False, False)]
    # answers the three right ones and refuses the unanswerable ones, but for the one just below them,
    # which a single question's difference cannot tell from refusing it
    assert fit.best_threshold(results, window=0.0) == (0.65, 8)
    # a wrong answer and a wrong refusal count alike: of equal counts, the fewer refusals
    tie = [(0.9, True, False), (0.6, False, False), *[(p, False, True) for p in (0.5, 0.45, 0.4, 0.35)]]
    assert fit.best_threshold(tie, window=0.0)[0] < 0.9


def test_the_threshold_goes_as_low_as_the_data_cannot_tell_apart():
    # 0.5 to 0.9 all get 6 right (the wrong answers between count either way); 0.45 answers one
    # unanswerable question more, within a single question's noise; 0.1 would answer two
    results = [(0.9, True, False), (0.8, True, False)] + [(p, False, False) for p in (0.7, 0.6, 0.5)]
    results += [(0.45, False, True), (0.1, False, True), (0.05, False, True), (0.02, False, True)]
    assert fit.best_threshold(results, window=0.0) == (0.45, 5)


def test_yes_no_questions_get_a_threshold_of_their_own():
    # Whole-sentence candidates of yes/no questions are right at probabilities where a name would not be.
    names = [(0.9, True, False), (0.8, True, False), *[(p, False, True) for p in (0.6, 0.55, 0.5, 0.45, 0.4, 0.35)]]
    yes_no = [(p, True, False) for p in (0.33, 0.3, 0.28, 0.26, 0.25)] + [(p, False, True) for p in (0.1, 0.08, 0.06, 0.04)]
    keys = ["who"] * len(names) + ["yes/no"] * len(yes_no)
    assert fit.best_threshold(names + yes_no) == (0.08, 9)  # one threshold for all answers every near-miss
    articles = [f"article-{n}" for n in range(len(keys))]
    threshold, separate, right = fit.thresholds_by_key(names + yes_no, keys, articles)
    # names: refuse the unanswerable ones from 0.6 down (not the right answers at 0.8 and 0.9); yes/no:
    # answer the right ones from 0.25 up, refuse the near-misses below
    assert 0.4 <= threshold <= 0.8 and 0.1 <= separate["yes/no"] <= 0.25 and right >= 14
    weights = Weights(features={}, intercept=0.0, threshold=threshold, thresholds=separate, prior={})
    assert weights.threshold_for("yes/no") == separate["yes/no"] and weights.threshold_for("who") == threshold


def test_the_ranker_learns_what_sets_the_right_candidate_apart_within_its_question():
    # Feature 0 says which candidate of a question is right; feature 1 only says how easy the question
    # is (every candidate of an easy question has it high), which a ranker must not mistake for rightness.
    rng = np.random.default_rng(0)
    rows, ys, groups = [], [], []
    for question in range(60):
        easy = rng.uniform(0, 5)
        right = rng.integers(4)
        for n in range(4):
            rows.append([1.0 + rng.normal(0, 0.3) if n == right else rng.normal(0, 0.3), easy])
            ys.append(int(n == right))
            groups.append(question)
    x, y, g = np.array(rows), np.array(ys), np.array(groups)
    w = fit.fit_ranker(x, y, g, strength=1.0)
    picked = [int(np.argmax(x[g == q] @ w)) for q in range(60)]
    assert np.mean([y[g == q][i] for q, i in enumerate(picked)]) > 0.9
    assert w[0] > 0 and abs(w[1]) < 0.1 * w[0]  # a score shared by a question's candidates ranks nothing


def test_calibration_turns_higher_best_scores_into_higher_chances_of_being_right():
    scores = [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0]
    right = [False, False, False, True, False, True, True, True]
    k = fit.calibrate(scores, [0.0] * len(scores), right)  # no lead says anything here
    assert k.scale > 0
    def probability(score):
        return 1 / (1 + math.exp(-(k.scale * score + k.shift)))

    assert probability(4.0) > 0.8 > 0.2 > probability(-2.0)


def test_calibration_counts_a_winner_s_lead_over_its_rival():
    # the same best scores, right when the winner was far ahead of the best other answer, wrong in a close race
    rng = np.random.default_rng(1)
    scores = list(rng.uniform(0, 2, 200))
    ahead = list(rng.uniform(0, 4, 200))
    right = [a > 2.0 for a in ahead]
    k = fit.calibrate(scores, ahead, right)
    assert k.lead > 0 and k.cap in fit.LEAD_CAPS and k.cap >= 2.0


def test_the_confidence_learns_what_tells_answered_questions_from_unanswerable_ones():
    # Right answers cover the question's names and unanswerable questions do not; the best candidate's
    # score says nothing here. Answerable questions answered wrong also cover the names: they are left
    # out, for refusing them is no better than answering them (as negatives they would blur the line).
    rng = np.random.default_rng(2)
    column = fit.CONFIDENCE_INPUTS.index("cov_names")
    def rows(n, names):
        x = rng.normal(0, 1, (n, len(fit.CONFIDENCE_INPUTS)))
        x[:, column] = rng.normal(names, 0.3, n)
        return x
    x = np.vstack([rows(60, 1.0), rows(60, 0.0), rows(60, 1.0)])
    results = [(0.5, True, False)] * 60 + [(0.5, False, True)] * 60 + [(0.5, False, False)] * 60
    x[-1] = np.nan  # a question without candidates
    folds = np.arange(len(x)) % fit.FOLDS
    confidence, held_out, chosen = fit.fit_confidence(x, results, folds)
    assert chosen["questions"] == 120 and chosen["C"] in fit.CONFIDENCE_STRENGTHS
    assert confidence.weights["cov_names"] > 0 and held_out[-1] == 0.0
    right, absent = held_out[:60], held_out[60:120]
    assert np.mean(right[:, None] > absent[None, :]) > 0.9  # judged on articles held out


def test_the_confidence_takes_the_strongest_penalty_its_held_out_questions_cannot_tell_from_the_best():
    rng = np.random.default_rng(3)
    base = rng.normal(-0.5, 0.3, 400)
    confidences = [np.full(400, c) for c in (0.1, 0.2, 0.3)]
    tied = [(base - 0.002 + rng.normal(0, 0.05, 400), 0.01, confidences[0]),  # a hair worse, within noise
            (base, 0.03, confidences[1]),
            (base + 0.001, 0.1, confidences[2])]  # the best, by less than its noise
    assert fit.steady_strength(tied)[0] == 0.01
    apart = [(base - 0.1, 0.01, confidences[0]),  # clearly worse
             (base, 0.03, confidences[1]),
             (base + 0.001 + rng.normal(0, 0.05, 400), 0.1, confidences[2])]
    strength, held_out, likelihood = fit.steady_strength(apart)
    assert strength == 0.03 and held_out is confidences[1] and likelihood == round(float(np.mean(base)), 4)


def test_the_threshold_keeps_its_distance_from_the_edge_of_the_best_stretch():
    results = [(p / 100, False, True) for p in range(1, 21)]  # unanswerable: refusing them is right
    results += [(p / 100, False, False) for p in range(21, 61)]  # answered wrong: refusing costs nothing
    results += [(p / 100, True, False) for p in range(61, 100)]  # answered right
    # every threshold from 0.21 to 0.61 does as well, and one step lower is within the noise
    assert fit.best_threshold(results, window=0.0) == (0.2, 58)
    t, right = fit.best_threshold(results, window=0.1)  # 9 questions on either side
    assert 0.21 <= t <= 0.52 and right == 59  # away from the cliff below 0.21


def test_the_steady_threshold_is_the_median_pick_over_resampled_articles():
    results = [(p / 100, False, True) for p in range(1, 21)]  # unanswerable: refusing them is right
    results += [(p / 100, False, False) for p in range(21, 61)]  # answered wrong: refusing costs nothing
    results += [(p / 100, True, False) for p in range(61, 100)]  # answered right
    articles = [f"article-{n // 2}" for n in range(len(results))]
    threshold, right = fit.steady_threshold(results, articles, rounds=30)
    assert 0.15 <= threshold <= 0.52  # refuses the unanswerable ones and answers the right ones
    assert right == sum((p >= threshold and ok) or (p < threshold and u) for p, ok, u in results)
    assert fit.steady_threshold(results, articles, rounds=30) == (threshold, right)  # a function of the data
    # one article's questions go into a resample together or not at all: with every question in one
    # article, each resample is the whole set and the median is the single pick
    assert fit.steady_threshold(results, ["one"] * len(results), rounds=5)[0] == fit.best_threshold(results)[0]


FACTS = [
    ("Mayor Ann Lee declared an emergency on Tuesday.", "Who declared an emergency?", "Ann Lee"),
    ("The storm knocked out power to 30,000 homes.", "How many homes lost power?", "30,000"),
    ("Officials said the bridge reopened in March 2024.", "When did the bridge reopen?", "March 2024"),
    ("The board hired Maria Ortiz as its new director.", "Who did the board hire?", "Maria Ortiz"),
    ("The company paid $4 million to settle the case.", "How much did the company pay?", "$4 million"),
    ("The festival moved to Denver after the fire.", "Where did the festival move?", "Denver"),
    ("Voters approved 12 new parks in the city.", "How many parks did voters approve?", "12"),
    ("The senator, John Park, resigned in June 2023.", "When did the senator resign?", "June 2023"),
    ("Acme Corp built the stadium for the city.", "Which company built the stadium?", "Acme Corp"),
    ("The fire destroyed 45 houses in the valley.", "How many houses did the fire destroy?", "45"),
]


class Retrieval:
    def __init__(self, passages):
        self.passages = passages

    def retrieve(self, question, filters=None, k=None):
        return self.passages


def test_a_fit_on_labelled_questions_writes_weights_the_answerer_loads(answerer, tmp_path, monkeypatch):
    monkeypatch.setattr(fit, "STRENGTHS", (1.0,))
    questions, passages = [], []
    for n, (text, question, answer) in enumerate(FACTS):
        passages.append(passage(text, source_id=f"s{n}", rank=n))
        evidence = text[: text.index(answer) + len(answer)]
        questions.append(GoldQuestion(id=f"q{n}", question=question, answers=[answer], evidence=[evidence], sources=[f"s{n}"]))
    questions.append(GoldQuestion(id="u", question="Who founded the museum?", unanswerable=True, sources=["s0"]))
    cases = fit.collect(Retrieval(passages), answerer, questions)
    assert sum(any(c.labels) for c in cases) >= 8  # the right answer is among the candidates
    gold = tmp_path / "dev.jsonl"
    gold.write_text("\n".join(q.model_dump_json() for q in questions))
    weights = fit.fit(cases, answerer, gold, log=lambda _: None)
    save(weights, tmp_path / "weights.json")
    loaded = Weights.load(tmp_path / "weights.json")
    assert loaded.provenance["questions_used"] == len(questions) and loaded.prior
    assert loaded.confidence.weights.keys() == set(fit.CONFIDENCE_INPUTS)
    assert set(loaded.features) == set(weights.features)


def test_an_answer_quoted_from_another_sentence_than_the_gold_evidence_counts_as_right(answerer):
    # how answers are judged: the lead states the answer and a cited quote holds it, whichever sentence
    text = "Officials said 145 fighters died in the clashes."
    gold = GoldQuestion(id="q", question="How many fighters died?", answers=["145"], evidence=["the army killed 145 fighters"])
    cases = fit.collect(Retrieval([passage(text, source_id="s0")]), answerer, [gold])
    assert any(cases[0].labels)
    right_first = [np.array([1.0 if y else 0.0 for y in case.labels]) for case in cases]
    [(_, right, unanswerable)] = fit.outcomes(cases, right_first, answerer)
    assert right and not unanswerable


def test_the_test_split_is_never_fitted_on(tmp_path):
    with pytest.raises(SystemExit):
        fit.main(["--questions", str(Path("evals/archive/test.jsonl")), "--index", str(tmp_path)])


def test_the_regularisation_is_judged_by_how_likely_it_makes_unseen_right_candidates():
    cases = [SimpleNamespace(labels=[True, False]), SimpleNamespace(labels=[False, False])]  # the second has no right one
    sure = fit.held_out_likelihood(cases, [np.array([3.0, 0.0]), np.array([1.0, 0.0])])
    unsure = fit.held_out_likelihood(cases, [np.array([0.5, 0.0]), np.array([1.0, 0.0])])
    wrong = fit.held_out_likelihood(cases, [np.array([0.0, 3.0]), np.array([1.0, 0.0])])
    assert sure > unsure > wrong and abs(unsure - np.log(np.exp(0.5) / (np.exp(0.5) + 1))) < 1e-9


def test_a_refit_judges_its_drafts_with_the_bound_it_finds_never_with_the_weights_it_replaces(answerer, monkeypatch):
    monkeypatch.setattr(fit, "STRENGTHS", (1.0,))
    questions, passages = [], []
    for n, (text, question, answer) in enumerate(FACTS):
        passages.append(passage(text, source_id=f"s{n}", rank=n))
        questions.append(GoldQuestion(id=f"q{n}", question=question, answers=[answer], evidence=[text], sources=[f"s{n}"]))
    questions.append(GoldQuestion(id="u", question="Who founded the museum?", unanswerable=True, sources=["s0"]))
    cases = fit.collect(Retrieval(passages), answerer, questions)
    judged_with = []

    def outcomes(cases, scores, answerer, calibration=None, plausible=None):
        judged_with.append(plausible)
        return real(cases, scores, answerer, calibration, plausible)

    real = fit.outcomes
    monkeypatch.setattr(fit, "outcomes", outcomes)
    # the weights in use when the refit runs hold a bound of their own, which must not reach the refit
    monkeypatch.setattr(answerer, "_weights", answerer.weights.model_copy(update={"plausible": 0.05}))
    weights = fit.fit(cases, answerer, Path("evals/archive/dev.jsonl"), log=lambda _: None)
    assert judged_with[0] == Weights.model_fields["plausible"].default
    assert len(judged_with) < 2 * fit.PLAUSIBLE_ROUNDS and judged_with[-1] == weights.plausible  # a fixed point
