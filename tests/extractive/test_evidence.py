"""Which sentences may answer: names, figures, dates and codes a paraphrase cannot change must be in the
sentence's article; where they are, and how much of the question the sentence says, are scores."""

from __future__ import annotations

import datetime as dt

from rag.extractive.evidence import Articles, score_sentences
from rag.extractive.question import analyse
from rag.sentences import passage_sentences
from tests.passages import passage, row


def evidence(answerer, question, passages, articles=None, as_of=None):
    q = analyse(question, answerer.nlp, answerer.meaning, as_of=as_of)
    sentences = passage_sentences(passages, answerer.analyses.doc)
    return {e.sentence.text: e for e in score_sentences(q, sentences, answerer.meaning, answerer.relevance, Articles(articles))}


def test_a_sentence_about_another_year_is_out_but_one_without_a_year_may_lean_on_its_article(answerer):
    text = "There were 254 attacks in 2025. In 2024, officials recorded 200 attacks. Most of them targeted highways."
    found = evidence(answerer, "How many attacks were there in 2024?", [passage(text, published=dt.date(2026, 1, 5))])
    assert "There were 254 attacks in 2025." not in found
    assert found["In 2024, officials recorded 200 attacks."].dates_away == 0.0
    assert found["Most of them targeted highways."].dates_away == 0.5  # the sentence before gives the year


def test_a_name_the_question_names_must_be_in_the_article_and_where_it_is_is_scored(answerer):
    chunk = "Officials counted 40 deaths. The storm hit the coast on Monday."
    article = "Cyclone Mira struck Mozambique. " + chunk
    found = evidence(answerer, "How many people did Cyclone Mira kill?", [passage(chunk, source_id="a")], articles=lambda _: article)
    assert found["Officials counted 40 deaths."].names_away == 1.0  # only elsewhere in its article
    assert evidence(answerer, "How many people did Cyclone Zed kill?", [passage(chunk, source_id="b")], articles=lambda _: article) == {}


def test_a_country_asked_by_its_capital_is_found_by_its_name_a_step_away(answerer):
    text = "India rejected the allegations on Sunday. Japan said nothing."
    found = evidence(answerer, "When did New Delhi reject the allegations?", [passage(text)])
    assert found["India rejected the allegations on Sunday."].names_away == 0.5
    assert "Japan said nothing." not in found
    assert evidence(answerer, "When did Tokyo reject the allegations?", [passage("India rejected the allegations on Sunday.")]) == {}


def test_a_place_asked_by_another_of_its_names_is_found_a_step_away(answerer):
    text = "Temperatures in the UK breached 40 degrees Celsius for the first time."
    assert evidence(answerer, "What temperature mark did Britain top?", [passage(text)])[text].names_away == 0.5
    assert evidence(answerer, "What temperature mark did Ireland top?", [passage(text)]) == {}


def test_an_acronym_the_article_defines_stands_for_the_name(answerer):
    chunk = "The PIPS counted 254 attacks last year."
    p = passage(chunk, aliases={"PIPS": "Pakistan Institute for Peace Studies"})
    found = evidence(answerer, "How many attacks did the Pakistan Institute for Peace Studies count?", [p])
    assert found[chunk].names_away == 0.0


def test_a_paraphrase_is_covered_by_meaning_where_spelling_fails(answerer):
    text = "No one was injured in the incident, the airline said. The jet returned to Portland."
    found = evidence(answerer, "Was anyone hurt on the flight?", [passage(text)])
    injured, returned = found["No one was injured in the incident, the airline said."], found["The jet returned to Portland."]
    assert injured.cov_verbs == 0.0 and injured.cov_meaning > returned.cov_meaning


def test_a_day_asked_without_its_year_matches_that_day_in_the_sources_year(answerer):
    text = "June 19 is a freedom birthday for the formerly enslaved, Collins said. The parade starts at noon."
    asked_later = dt.date(2026, 11, 30)
    found = evidence(answerer, "What does Collins call June 19?", [passage(text, published=dt.date(2025, 6, 18))], as_of=asked_later)
    assert found["June 19 is a freedom birthday for the formerly enslaved, Collins said."].dates_away == 0.0
    assert found["The parade starts at noon."].dates_away == 0.5


def test_a_row_answers_only_questions_about_the_quantity_it_measures(answerer):
    r = row([("Indicator", "Increase in attacks in the province"), ("Value", "26"), ("Unit", "percent"), ("Period", "2025")])
    assert evidence(answerer, "By what percentage did attacks in the province rise?", [r])  # "percentage" names a kind only
    assert evidence(answerer, "How many assaults were there?", [r])  # said by meaning
    assert evidence(answerer, "What is the literacy rate in the province?", [r]) == {}  # "literacy" is not what it measures
    assert evidence(answerer, "What is the literacy rate of the province?", [r]) == {}  # nor when the rate is asked "of" it
    assert evidence(answerer, "What is the GDP of the province?", [r]) == {}  # nor the GDP, asked "of" the province
    assert evidence(answerer, "What is the capital of the province?", [r]) == {}
