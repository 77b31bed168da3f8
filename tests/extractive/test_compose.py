"""How an answer reads: the short answer first, then the quote (never the same sentence twice); yes or no
from what the sentence says; a row's figure with its unit; corroboration cited after, article first."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.extractive.agreement import weigh
from rag.extractive.compose import write
from rag.sentences import Citations
from rag.verify import split_claims
from tests.passages import passage, row


def answer(answerer, question, passages, as_of=None):
    return answerer.draft(answerer.rank(question, passages, as_of), passages, threshold=0.0)


def lead(a) -> str:
    return split_claims(a.answer)[0].body


@pytest.mark.parametrize(
    "question, sentence, word",
    [
        ("Was anyone hurt on the flight?", "No one was injured on the flight, the airline said.", "No"),
        ("Did the president take questions?", "The president took no questions during his remarks.", "No"),
        # the question's verb in other words: the sentence's verb closest in meaning is the one asked about
        ("Was anyone hurt on the jet?", "No one was injured, and the jet made a safe landing at the airport.", "No"),
        ("Did Washington turn down a third term?", "Washington decided to decline a third term.", "Yes"),
        ("Did the council approve the budget?", "The council approved the budget on Tuesday.", "Yes"),
        # a question whose verb says little: the clause holding its words decides
        ("Is the fair a public holiday?", "Here the harvest fair (which is not recognized as a public holiday) draws crowds.", "No"),
        ("Is the harvest fair a public holiday?", "Here the harvest fair, which is recognized as a public holiday, draws crowds.", "Yes"),
        # under a noun there is none of, the clause is denied
        ("Did the jet land on the island?", "There is no evidence the jet landed on the island.", "No"),
        # a verb under "without" was not done, even when the tagger reads the question's verb as an adjective
        ("Did Smith present evidence for his claims?", "Smith made the accusation without presenting any evidence.", "No"),
        ("Will the airline withdraw the offer?", "Neither the airline nor the union will withdraw the offer, she said.", "No"),
        # the verb negated is not the one the question's verb was aligned with: the sentence says no
        ("Did the suspect admit guilt in court?", "The suspect appeared in court on Monday and pleaded not guilty to all charges.", "No"),
        # a sentence that replies outright is taken at its word
        ("Is the city museum closed on Mondays?", "Yes, the city museum does not open on Mondays.", "Yes"),
    ],
)
def test_yes_or_no_follows_what_the_sentence_says(answerer, question, sentence, word):
    a = answer(answerer, question, [passage(sentence)])
    assert a.answer.startswith(f"{word}, according to Wire [1].") and a.citations[0].quote == sentence


def test_the_lead_comes_first_and_the_quote_is_not_repeated_when_the_lead_is_the_sentence(answerer):
    long = "Within hours of the attacks in at least 12 locations, Interior Minister Mohsin Naqvi blamed neighboring India."
    a = answer(answerer, "Who did the interior minister blame?", [passage(long)])
    assert "India" in lead(a) and a.answer.count("“") == 1 and a.citations[0].quote == long
    short = "Naqvi blamed India."
    assert answer(answerer, "Who did Naqvi blame?", [passage(short)]).answer.count(short) == 0  # the lead says it all


def test_a_relative_day_is_given_its_date_from_the_publication_date(answerer):
    a = answer(answerer, "When did fighters kill 31 civilians?", [passage("On Saturday, fighters killed 31 civilians in the province.")])
    assert "Saturday (31 January 2026)" in lead(a)  # published Monday 2 February 2026


def test_a_lead_keeps_a_named_sayer_and_no_clause_hung_across_a_dash(answerer):
    sentence = "So far, officials have interviewed 10 people who got sick – almost all said they had bought walnuts, the agency says."
    a = answer(answerer, "How many people have officials interviewed?", [passage(sentence)])
    assert lead(a) == "So far, officials have interviewed 10 people"
    a = answer(answerer, "What share of the market does the firm hold?", [passage("The firm holds 40% of the market, Smith said.")])
    assert lead(a) == "The firm holds 40% of the market, Smith said"


def test_a_relative_day_ahead_is_given_the_coming_date(answerer):
    a = answer(answerer, "When will the talks resume?", [passage("The talks will resume on Thursday in Geneva.")])
    assert "Thursday (5 February 2026)" in lead(a)  # published Monday 2 February 2026


def test_a_day_the_source_writes_out_gets_no_date_note(answerer):
    a = answer(answerer, "When does first-round play begin?", [passage("First-round play begins on Thursday, February 5.")])
    assert "Thursday, February 5" in lead(a) and "(" not in lead(a)  # published Monday 2 February 2026


def test_a_rows_figure_reads_with_its_unit_and_the_row_is_quoted_whole(answerer):
    r = row([("Indicator", "Value of the corridor"), ("Value", "60"), ("Unit", "billion US dollars")])
    a = answer(answerer, "How much is the corridor worth?", [r])
    assert lead(a).startswith("60 billion US dollars — Indicator: Value of the corridor")
    assert a.citations[0].quote == r.chunk.text


def test_an_article_and_a_row_with_the_same_figure_are_both_cited_article_first(answerer):
    prose = passage("The corridor is worth $60 billion, officials said.", source_id="article", outlet="Wire", published=dt.date(2026, 2, 2))
    r = row([("Indicator", "Value of the corridor"), ("Value", "60"), ("Unit", "billion US dollars")])
    ranking = answerer.rank("How much is the corridor worth?", [r, prose])
    reports = weigh(ranking.candidates, plausible=0.0)
    assert reports.best.evidence.sentence.chunk.source_id == "article"
    assert [c.evidence.sentence.chunk.source_id for c in reports.agreeing] == ["figures"]
    a = answerer.draft(ranking, [r, prose], threshold=0.0, plausible=0.0)
    assert [c.source_id for c in a.citations] == ["article", "figures"] and "gives the same figure [2]." in a.answer


def test_an_article_giving_a_rows_figure_leads_even_when_it_alone_would_not_have_answered(answerer):
    prose = passage("In September a mining company also signed a $500 million MoU.", source_id="article", published=dt.date(2026, 2, 2))
    r = row([("Indicator", "Mining memorandum of understanding"), ("Value", "500"), ("Unit", "million US dollars")])
    ranking = answerer.rank("How much was the memorandum worth?", [r, prose])
    row_first, *rest = ranking.candidates
    assert row_first.evidence.sentence.is_row  # the row is the likelier answer ...
    above = (row_first.probability + max(c.probability for c in rest if "500" in c.text)) / 2
    reports = weigh(ranking.candidates, plausible=above)  # ... and only the row is plausible
    assert reports.best.evidence.sentence.chunk.source_id == "article"  # yet the article's sentence leads


def test_the_lead_stays_inside_its_sentence_when_the_parse_joins_it_to_a_heading(answerer):
    # A page's question heading sits on its own line; here spaCy parses it as the head of the apposition below.
    text = "Who won the 2026 Kentucky Derby?\n\nGolden Tempo, a horse with long shot odds, won the 2026 Kentucky Derby on Saturday, May 2."
    ranking = answerer.rank("Which horse won the Kentucky Derby?", [passage(text)])
    assert lead(answerer.draft(ranking, [passage(text)], threshold=0.0)).startswith("Golden Tempo")
    # whichever reading the ranker prefers, the apposition's lead keeps to its own sentence
    appos = next(c for c in ranking.candidates if c.label == "APPOS")
    assert split_claims(write(ranking.question, weigh([appos], 0.0), Citations()))[0].body == "Golden Tempo, a horse with long shot odds"


def test_a_lead_keeps_no_punctuation_stranded_by_the_words_it_leaves_out(answerer):
    text = "Defending champion and World No. 1-ranked player Scottie Scheffler led the field into the first major of the season."
    assert " . " not in lead(answer(answerer, "Who led the field?", [passage(text)]))
    text = "Naqvi, speaking on Saturday, blamed India (without evidence)."
    shown = lead(answer(answerer, "Who did Naqvi blame?", [passage(text)]))
    assert "India" in shown and shown.count("(") == shown.count(")")


def test_a_question_for_someones_job_is_answered_with_the_phrase_describing_them(answerer):
    text = "Ana Ruiz, a research fellow at the Lisbon Institute, said the talks had stalled."
    a = answer(answerer, "What is Ana Ruiz's job?", [passage(text)])
    assert lead(a) == "Ana Ruiz, a research fellow at the Lisbon Institute"
    # the sentence's first word, moved behind the name, is no longer the first: "her", not "Her"
    a = answer(answerer, "Who is Ana Ruiz?", [passage("Her younger sister, Ana Ruiz, lives in Lisbon.")])
    assert lead(a) == "Ana Ruiz, her younger sister"
    # ... while a title spelled in capitals keeps them wherever it stands
    a = answer(answerer, "Who is Ana Ruiz?", [passage("CEO of the Lisbon Institute, Ana Ruiz, said the talks had stalled.")])
    assert lead(a) == "Ana Ruiz, CEO of the Lisbon Institute"


@pytest.mark.parametrize(
    "question, text",
    [
        ("What temperature did the city reach?", "The city reached 40 degrees Celsius (104 Fahrenheit) on Tuesday."),
        ("What did the company call its event?", "On Tuesday the company held its autumn “event” and unveiled new phones."),
        # a lead that keeps one of two quoted words keeps both of its quotation marks, straight or curly
        ("What does the Arabic word 'eid' mean?", 'The word "eid" means "festival" or "feast" in Arabic.'),
        ("What does the Arabic word 'eid' mean?", "The word “eid” means “festival” or “feast” in Arabic."),
    ],
)
def test_a_lead_never_leaves_a_bracket_or_quotation_open(answerer, question, text):
    shown = lead(answer(answerer, question, [passage(text)]))
    for opening, closing in (("(", ")"), ("“", "”")):
        assert shown.count(opening) == shown.count(closing), shown
    assert shown.count('"') % 2 == 0, shown


def test_a_lead_that_cuts_words_out_of_a_quotation_drops_its_marks(answerer):
    # marks around the words left would misquote the source (and the claim check would refuse the answer)
    text = '"In 1984, two pandas named Yun-Yun and Ying-Xin visited the zoo for three months," the mayor\'s office said.'
    shown = lead(answer(answerer, "How many pandas visited the zoo in 1984?", [passage(text)]))
    assert "two pandas" in shown and '"' not in shown, shown


def test_a_lead_keeps_the_complement_its_verb_needs(answerer):
    text = "In all, 15 trainers are set to put horses in the starting gate on Saturday."
    assert "set to put horses" in lead(answer(answerer, "How many trainers will run horses?", [passage(text)]))


@pytest.mark.parametrize(
    "question, sentence, named",
    [
        # a place is named with the place it lies in, whichever of the two was the candidate
        ("Where is Gibson Farms based?", "Gibson Farms, based in Hollister, California, recalled the walnuts.", "Hollister, California"),
        ("Where was the jet headed?", "The jet was headed to Ontario, California, when a panel blew out.", "Ontario, California"),
        ("Where did the leaders meet?", "The leaders met in Davos-Klosters, Switzerland, on Tuesday.", "Davos-Klosters, Switzerland"),
    ],
)
def test_a_place_is_named_with_the_place_it_lies_in(answerer, question, sentence, named):
    assert named in lead(answer(answerer, question, [passage(sentence)]))


def test_a_question_asking_for_several_gets_all_the_names_listed_together(answerer):
    sentence = "Three days later, Brett McGurk and Amos Hochstein, the president's top envoys, were in Riyadh."
    a = answer(answerer, "Which two envoys were in Riyadh?", [passage(sentence)])
    assert "Brett McGurk and Amos Hochstein were in Riyadh" in lead(a)
    sentence = "The ruling prompted Spain, the Netherlands, Ireland and Slovenia to withdraw from the contest."
    a = answer(answerer, "Which countries withdrew from the contest?", [passage(sentence)])
    assert "Spain, the Netherlands, Ireland and Slovenia" in lead(a)
    # one asked for, one named: "31 civilians and 17 soldiers" keeps only the asked conjunct, and so does a name
    sentence = "Police arrested Smith and Jones on Friday."
    assert "Jones" not in lead(answer(answerer, "Which man did police arrest first?", [passage(sentence)]))


def test_a_lead_keeps_a_short_phrase_whole_and_drops_the_clause_hung_on_it(answerer):
    sentence = "Everhart came up with the Sea Witch Festival, which brought 5,000 people to the shore that first Halloween."
    assert lead(answer(answerer, "Who came up with the festival?", [passage(sentence)])) == "Everhart came up with the Sea Witch Festival"
    # a list beside the answer is kept whole, not cut to its first item
    sentence = "Six states, including Connecticut, New Jersey and Oklahoma, still report high flu activity."
    a = answer(answerer, "How many states still report high flu activity?", [passage(sentence)])
    assert "including Connecticut, New Jersey and Oklahoma" in lead(a)


def test_a_sentence_giving_another_figure_than_the_one_asked_answers_no(answerer):
    text = "Just 17% of students at the school had their required immunizations. The state's target is 95%."
    a = answer(answerer, "Was the school's immunization rate above 95%?", [passage(text)])
    assert a.answer.startswith("No, according to Wire [1].") and "17%" in a.citations[0].quote
