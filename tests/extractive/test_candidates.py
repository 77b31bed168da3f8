"""Every span that could be the answer, labelled for the ranker: figures as written, dates and durations,
names and phrases, a dataset row's cells; junk spans never."""

from __future__ import annotations

from rag.extractive.candidates import generate
from rag.extractive.evidence import score_sentences
from rag.extractive.question import analyse
from rag.sentences import passage_sentences
from tests.passages import passage, row


def candidates(answerer, question, passages):
    q = analyse(question, answerer.nlp, answerer.meaning)
    found = generate(q, score_sentences(q, passage_sentences(passages, answerer.analyses.doc), answerer.meaning, answerer.relevance))
    return {(c.text, c.label) for c in found}


def test_figures_are_taken_as_written_with_their_qualifiers_and_scale(answerer):
    text = "The company lost $1.425bn, cut at least 3,000 jobs and raised prices 26% after a four-day strike."
    found = candidates(answerer, "How much did the company lose?", [passage(text)])
    assert {("$1.425bn", "MONEY"), ("at least 3,000", "CARDINAL"), ("26%", "PERCENT")} <= found
    assert ("four-day", "DURATION") in found  # a length of time, stated with its unit


def test_a_length_of_time_is_stated_with_its_unit(answerer):
    text = "The crew was woken at 7 a.m. after getting about two hours of sleep."
    found = candidates(answerer, "How much sleep did the crew get?", [passage(text)])
    assert ("about two hours", "DURATION") in found and ("about two", "DURATION") not in found


def test_a_figure_the_question_gives_is_not_its_answer(answerer):
    text = "Of the 500 passengers, 33 were injured."
    found = {t for t, _ in candidates(answerer, "How many of the 500 passengers were injured?", [passage(text)])}
    assert "33" in found and "500" not in found
    # nor is the count of a "which", though the source need not write it
    text = "The judge hopes Americans will reflect on three ideals: equality, liberty and self-rule."
    found = {t for t, _ in candidates(answerer, "Which three ideals does the judge hope Americans reflect on?", [passage(text)])}
    assert "equality" in found and "three" not in found


def test_ages_are_not_dates_or_durations(answerer):
    found = candidates(answerer, "When did she win?", [passage("The 31-year-old won the title in March 2024.")])
    labels = dict(found)
    assert labels.get("March 2024") == "DATE" and labels.get("31-year-old") == "AGE"


def test_names_quotes_and_phrases_are_all_candidates_and_junk_is_not(answerer):
    text = "LONDON − Police arrested the former prince, whom tabloids called “the Duke of Nothing”, on Friday."
    found = candidates(answerer, "What did tabloids call the former prince?", [passage(text)])
    texts = {t for t, _ in found}
    assert "the Duke of Nothing" in texts and ("−", "GPE") not in found and "−" not in texts


def test_a_rows_cells_are_labelled_as_the_same_words_in_prose_would_be(answerer):
    r = row([("Indicator", "Value of the corridor"), ("Value", "60"), ("Unit", "billion US dollars"), ("Period", "2025")])
    assert candidates(answerer, "How much is the corridor worth?", [r]) == {("60", "MONEY")}  # its unit column says dollars
    assert ("2025", "DATE") in candidates(answerer, "When was the corridor valued?", [r])
    assert ("Value of the corridor", "NP") in candidates(answerer, "What did the data desk record?", [r])


def test_who_is_x_is_answered_by_what_the_sentence_says_x_is_labelled_by_how_it_says_it(answerer):
    cases = [
        ("Who is Andrew Watterson?", "Southwest Chief Operating Officer Andrew Watterson apologised.",
         "Southwest Chief Operating Officer", "TITLE"),
        ("Who is Diane Simmons?", "Her younger sister, Diane Simmons, lives in Naples.", "Her younger sister", "APPOSITION"),
        ("Who is Jane Moreau?", "The city's envoy to Washington, Jane Moreau, said talks stalled.",
         "The city's envoy to Washington", "APPOSITION"),
        ("Who is Steven Woolf?", "Dr. Steven Woolf, a professor of family medicine, said so.",
         "a professor of family medicine", "APPOSITION"),
        ("Who is Sam Collins?", "Sam Collins, who is on the library's trustee board, spoke.",
         "who is on the library's trustee board", "RELATIVE"),
        ("Who is Christina Vo?", "Christina Vo is the co-author of a memoir.", "the co-author of a memoir", "PREDICATE"),
        ("Who is Richard N. Bond?", "Richard N. Bond served as the chairman of the party from 1992 to 1993.",
         "the chairman of the party", "PREDICATE"),
        # two titles joined by "and", the first parsed as a subject of its own
        ("Who is Ben Martinez?", "World War II veteran and New Orleans native Ben Martinez remembers exactly where he was.",
         "World War II veteran and New Orleans native", "TITLE"),
    ]
    for question, text, description, form in cases:
        found = candidates(answerer, question, [passage(text)])
        assert (description, f"DESCRIPTION:{form}") in found, (question, found)
        assert all(label.startswith("DESCRIPTION:") for _, label in found) and not any(t == "Dr." for t, _ in found)


def test_an_ordinal_of_the_asked_noun_counts_it_and_any_other_ordinal_ranks(answerer):
    text = "It was the fifth time the club had won the cup, and its captain finished second in the vote."
    found = candidates(answerer, "How many times has the club won the cup?", [passage(text)])
    assert ("fifth", "COUNT") in found and ("second", "ORDINAL") in found


def test_a_candidate_is_never_part_of_a_hyphenated_word(answerer):
    # the parser makes "4" and "0" appositions of "Madrid"; a score is one word, without the comma after it
    text = "PSG dominated Real Madrid, 4-0, during the semifinal match on Wednesday."
    found = candidates(answerer, "How did the semifinal finish?", [passage(text)])
    texts = {t for t, _ in found}
    assert ("4-0", "CARDINAL") in found and not texts & {"4", "0", "4-0,"}


def test_a_date_the_parser_set_beside_another_is_no_apposition_to_name(answerer):
    text = "Silver Arrow, a colt with long odds, won the Derby on Saturday, May 2."
    found = candidates(answerer, "Who won the Derby?", [passage(text)])
    assert ("a colt with long odds", "APPOS") in found
    assert not {text for text, label in found if label == "APPOS"} & {"May 2", "Saturday, May 2"}
