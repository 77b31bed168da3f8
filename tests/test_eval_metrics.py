"""Each eval metric on hand-made cases whose right score is known."""

import pytest

from evals.metrics import (
    answer_lead,
    contains,
    evidence_rank,
    holds_answer,
    is_correct,
    is_proper_refusal,
    is_supported,
    mean_reciprocal_rank,
    normalise,
    percentile,
    precise_citations,
    recall_at_k,
    share,
)


@pytest.mark.parametrize(
    "forms",
    [
        ["$60 billion", "60bn", "60,000,000,000", "60 billion US dollars", "US$60 bn"],
        ["$808m", "808 million", "808,000,000", "808 mn"],
        ["$1.425bn", "1.425 billion", "1,425,000,000"],
        ["26 percent", "26%", "26 per cent", "26 Percent"],
        ["five", "5", "Five"],
        ["Herof 2.0", "herof 2", "HEROF 2.00"],
        ["2026-01-31", "January 31, 2026", "31 January 2026", "31 january, 2026"],
        ["the Baloch Liberation Army", "Baloch Liberation Army.", "baloch-liberation army"],
        ["Pakistan’s “internal failures”", 'Pakistan\'s "internal failures"'],
        ["Quetta", "QUETTA!", "quétta"],
    ],
)
def test_equivalent_surface_forms_normalise_alike(forms):
    assert len({normalise(form) for form in forms}) == 1, [normalise(f) for f in forms]


def test_normalise_keeps_what_distinguishes_answers():
    assert normalise("26 percent") != normalise("26")
    assert normalise("$60 billion") != normalise("$60 million")
    assert normalise("12 m") == "12 m"  # a lone letter after a space is not a scale ("12 metres")
    assert normalise("2023 March") == "2023 march"
    assert normalise("...") == ""


def test_contains_matches_whole_tokens_only():
    assert contains("There were at least 254 attacks in 2025.", ["254"])
    assert not contains("There were 2540 attacks.", ["254"])
    assert not contains("a 260 percent rise", ["26 percent"])
    assert contains("Indian officials", ["India", "Indian"])
    assert not contains("Indian officials", ["India"])
    assert contains("The corridor is worth 60bn dollars", ["$60 billion"])
    assert not contains("anything", [])
    assert not contains("anything", ["!!"])  # a phrase that normalises to nothing matches nothing


def test_is_correct_needs_an_answer_not_a_refusal():
    assert is_correct("Interior Minister Mohsin Naqvi blamed India.", False, ["India"])
    assert not is_correct("Interior Minister Mohsin Naqvi blamed India.", True, ["India"])
    assert not is_correct("He blamed Afghanistan.", False, ["India"])
    assert is_correct("It was the Jafar Express.", False, ["Jaffar Express", "Jafar Express"])


def test_the_answer_lead_stops_at_the_first_citation_marker():
    assert answer_lead("China [1]. Al Jazeera reported: “state-backed actors like China” [1]") == "China "
    assert answer_lead("Naqvi blamed India [1, 2] and [3].") == "Naqvi blamed India "
    assert answer_lead("No marker here.") == "No marker here."
    assert answer_lead("[1] leading marker") == ""


def test_is_supported_when_any_quote_holds_any_evidence():
    quotes = ["India on Sunday rejected Pakistan’s allegations", "Naqvi said  without presenting\nany evidence"]
    assert is_supported(quotes, ["without presenting any evidence"])
    assert is_supported(quotes, ["nothing like this", "India on Sunday rejected"])
    assert not is_supported(quotes, ["India is behind these attacks"])
    assert not is_supported([], ["India is behind these attacks"])


def test_precise_citations_counts_quotes_with_answer_or_evidence():
    quotes = ["Mohsin Naqvi blamed neighboring India.", "India is behind these attacks.", "The port is Gwadar."]
    assert precise_citations(quotes, ["India"], ["India is behind these attacks"]) == 2
    assert precise_citations(quotes, [], ["The port is Gwadar"]) == 1
    assert precise_citations(quotes, [], []) == 0  # an unanswerable question: no citation can be right


def test_a_quote_holds_the_answer_or_its_evidence_but_a_bare_no_is_not_held_by_any_no():
    quotes = ["Officials said 145 fighters died.", "There was no sign of the convoy."]
    assert holds_answer(quotes, ["145"], ["the army killed 145 fighters"])  # another sentence, the same figure
    assert not holds_answer(quotes, ["146"], ["the army killed 146 fighters"])
    assert not holds_answer(quotes, ["No"], ["the convoy was never found"])  # the word "no", not the evidence
    assert holds_answer(quotes, ["no"], ["no sign of the convoy"])
    assert not holds_answer([], ["145"], ["145 fighters"])


def test_a_proper_refusal_cites_nothing():
    assert is_proper_refusal(refused=True, n_citations=0)
    assert not is_proper_refusal(refused=True, n_citations=1)
    assert not is_proper_refusal(refused=False, n_citations=0)


def test_evidence_rank_is_the_first_chunk_holding_evidence():
    chunks = ["about Gwadar", "the army killed 145 fighters on Saturday", "145 fighters again"]
    assert evidence_rank(chunks, ["the army killed 145 fighters"]) == 2
    assert evidence_rank(chunks, ["the army killed 146 fighters", "145 fighters"]) == 2
    assert evidence_rank(chunks, ["Jaffar Express"]) is None
    assert evidence_rank([], ["anything"]) is None


def test_share_of_nothing_is_undefined_not_zero():
    assert share([True, False, True, True]) == 0.75
    assert share([]) is None


def test_recall_at_k_and_mrr():
    ranks = [1, 3, None, 7]
    assert recall_at_k(ranks, 1) == 0.25
    assert recall_at_k(ranks, 3) == 0.5
    assert recall_at_k(ranks, 5) == 0.5
    assert recall_at_k(ranks, 10) == 0.75
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 7) / 4)
    assert recall_at_k([], 5) is None
    assert mean_reciprocal_rank([]) is None


def test_percentile_is_nearest_rank():
    values = [70, 10, 20, 30, 40, 50, 60, 80, 90, 100]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 100
    assert percentile(values, 90) == 90
    assert percentile(values, 100) == 100
    assert percentile([42.0], 95) == 42.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile(values, 0)
