"""Agreement across sources: the same answer from several articles is said and cited (other outlets
first); two articles reporting one fact with different figures are both shown; one article's figures
for two different things are never a disagreement."""

from __future__ import annotations

import datetime as dt

from rag.verify import check_answer, split_claims
from tests.passages import passage

QUESTION = "How many civilians were killed in the Balochistan attacks?"


def ask(answerer, question, passages):
    """As `Pipeline.ask` answers: drafted at the fitted threshold, then through the claim check."""
    return check_answer(answerer.answer(question, passages), passages, nlp=answerer.nlp)


def lead(a) -> str:
    return split_claims(a.answer)[0].body


def test_the_same_answer_in_several_articles_is_said_once_and_cited_from_other_outlets_first(answerer):
    passages = [
        passage("Fighters killed 31 civilians in the Balochistan attacks on Saturday, officials said.", "aj", "Al Jazeera"),
        passage("Officials said 31 civilians were killed in the Balochistan attacks on Saturday.", "aj-2", "Al Jazeera", rank=1),
        passage("The Balochistan attacks on Saturday killed 31 civilians, police said.", "dawn", "Dawn", rank=2),
    ]
    a = ask(answerer, QUESTION, passages)
    assert a.answerable and "31" in lead(a) and lead(a).count("31") == 1
    assert "differ" not in a.answer
    cited = [c.source_id for c in a.citations]
    assert len(cited) == 3 and cited[0] in ("aj", "aj-2", "dawn")
    others = [c.outlet for c in a.citations if c.source_id != cited[0]]
    assert others[0] != a.citations[0].outlet  # another outlet corroborates before the same outlet again
    assert all("31" in c.quote for c in a.citations)
    assert "the same figure" in a.answer


def test_one_articles_figures_for_two_different_attacks_are_not_a_disagreement(answerer):
    text = (  # the same counted noun, verb and day: only that one article gives both keeps them apart
        "Militants killed 31 civilians in an attack on a market in Quetta on Saturday. "
        "In a separate attack on a bus in Gwadar on Saturday, gunmen killed 12 civilians."
    )
    a = ask(answerer, "How many civilians were killed in the attack in Quetta?", [passage(text, "aj", "Al Jazeera")])
    assert a.answerable and "31" in lead(a) and "12" not in lead(a)
    assert "differ" not in a.answer.lower() and "different" not in a.answer.lower()


def test_two_articles_giving_different_figures_for_the_same_event_are_both_shown_and_cited(answerer):
    passages = [
        passage("Fighters killed 31 civilians in the Balochistan attacks on Saturday, officials said.", "aj", "Al Jazeera"),
        passage(
            "Fighters killed 33 civilians in the Balochistan attacks on Saturday, the army said.",
            "dawn",
            "Dawn",
            rank=1,
            published=dt.date(2026, 2, 3),
        ),
    ]
    a = ask(answerer, QUESTION, passages)
    assert a.answerable and a.answer.startswith("Reports differ: ")
    claims = split_claims(a.answer)
    figures = {c.body: c.markers for c in claims[:2]}
    assert len(a.citations) == 2 and {c.source_id for c in a.citations} == {"aj", "dawn"}
    by_n = {c.n: c for c in a.citations}
    for body, markers in figures.items():  # each figure is cited to the article that gives it
        figure = "31" if "31" in body else "33"
        assert markers and all(figure in by_n[n].quote for n in markers), a.answer
    assert {"31", "33"} <= {f for body in figures for f in ("31", "33") if f in body}
    assert "Al Jazeera" in a.answer and "Dawn" in a.answer


def test_different_figures_for_events_weeks_apart_are_not_a_disagreement(answerer):
    passages = [
        passage("Fighters killed 31 civilians in the Balochistan attacks, officials said.", "aj", "Al Jazeera"),
        passage(
            "Fighters killed 12 civilians in the Balochistan attacks, officials said.",
            "dawn",
            "Dawn",
            rank=1,
            published=dt.date(2025, 3, 9),
        ),
    ]
    a = ask(answerer, QUESTION, passages)
    assert a.answerable and "differ" not in a.answer and len(a.citations) == 1


def candidates(answerer, question, passages):
    return {(c.text, c.evidence.sentence.chunk.source_id): c for c in answerer.candidates(question, passages).candidates}


def test_values_are_the_same_when_they_normalise_alike_and_only_then(answerer):
    from rag.extractive.values import same_value

    passages = [
        passage("The corridor is worth $1.4 billion, officials said.", "a"),
        passage("Officials valued the corridor at 1.4bn dollars.", "b", rank=1),
        passage("Officials valued the corridor at $1.4 million.", "c", rank=2),
    ]
    found = candidates(answerer, "How much is the corridor worth?", passages)
    billion, bn, million = found[("$1.4 billion", "a")], found[("1.4bn", "b")], found[("$1.4 million", "c")]
    assert same_value(billion, bn) and not same_value(billion, million) and not same_value(bn, million)
    said = [
        passage("Interior Minister Mohsin Naqvi blamed India.", "a"),
        passage("Pakistan Army officials and Naqvi blamed India.", "b", rank=1),
    ]
    names = candidates(answerer, "Who blamed India?", said)
    assert same_value(names[("Mohsin Naqvi", "a")], names[("Naqvi", "b")])
    assert not same_value(names[("India", "a")], names[("Pakistan Army", "b")])


def test_in_a_dispute_the_articles_agreeing_with_the_stated_figure_are_named_and_cited(answerer):
    passages = [
        passage("Fighters killed 31 civilians in the Balochistan attacks on Saturday, officials said.", "aj", "Al Jazeera"),
        passage("Fighters killed 31 civilians in the Balochistan attacks on Saturday, police said.", "reuters", "Reuters", rank=1),
        passage("Fighters killed 33 civilians in the Balochistan attacks on Saturday, the army said.", "dawn", "Dawn", rank=2),
    ]
    a = ask(answerer, QUESTION, passages)
    assert a.answer.startswith("Reports differ: 31 civilians") and "33 civilians" in a.answer
    by_source = {c.source_id: c.n for c in a.citations}
    assert set(by_source) == {"aj", "reuters", "dawn"}
    corroborating = "aj" if by_source["aj"] > by_source["reuters"] else "reuters"
    last = split_claims(a.answer)[-1]
    assert "31" in last.body and last.markers == [by_source[corroborating]]
