"""What a question asks for: type, the thing asked about, constraints, and the refusal wording."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.nlp import load_nlp
from rag.phrasing import embedded_question
from rag.question import QType, analyse


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.mark.parametrize(
    "question, qtype",
    [
        ("How many attacks were there in 2025?", QType.NUMBER),
        ("How much has China invested in Gwadar?", QType.NUMBER),
        ("What was the FDI in the first half of FY26?", QType.NUMBER),  # asks for a figure without "how many"
        ("What is the value of the CPEC?", QType.NUMBER),
        ("What is the literacy rate in Balochistan?", QType.NUMBER),
        ("Who leads the BLA?", QType.PERSON),
        ("Who did Pakistan blame for the attacks?", QType.PERSON),
        ("Which group carried out the attacks?", QType.ORG),
        ("Which country did Naqvi accuse?", QType.PLACE),
        ("Where is Saher Baloch based?", QType.PLACE),
        ("When did India reject Pakistan's allegations?", QType.DATE),
        ("In which year did the census take place?", QType.DATE),
        ("What was the operation called?", QType.NAME),
        ("What is the name of the BLA operation?", QType.NAME),
        ("Why is Balochistan unstable?", QType.REASON),
        ("Did India reject Pakistan's allegations?", QType.YESNO),
        ("What did Bashir Zeb say?", QType.WHAT),
    ],
)
def test_question_types(nlp, question, qtype):
    assert analyse(question, nlp).qtype is qtype


def test_the_wh_word_role_follows_the_parse_not_the_word_order(nlp):
    assert (analyse("Who did Pakistan blame?", nlp).wh_role, analyse("Who did Pakistan blame?", nlp).wh_verb) == ("object", "blame")
    assert analyse("Who blamed India?", nlp).wh_role == "subject"
    assert analyse("Who was killed on Saturday?", nlp).wh_role == "object"
    assert analyse("How many rebellions has Balochistan seen?", nlp).wh_role == "object"


def test_the_thing_asked_about_and_what_must_be_found_with_it(nlp):
    q = analyse("How many security personnel were killed?", nlp)
    assert q.head.lemma == "personnel" and [t.text for t in q.head_phrase] == ["security", "personnel"]
    rate = analyse("What is the literacy rate in Balochistan?", nlp)
    assert rate.head_is_measure and [t.lemma for t in rate.required] == ["literacy"]
    value = analyse("What is the value of the CPEC?", nlp)
    assert value.head_is_measure and value.required == () and value.specifiers == ("cpec",)  # a name: checked as one
    chief = analyse("Who is the chief minister of Balochistan?", nlp)
    assert [t.text for t in chief.head_phrase] == ["chief", "minister"]
    assert analyse("Which country did Naqvi accuse?", nlp).required == ()  # the entity type answers "country"


def test_constraints_years_days_figures_codes_and_names(nlp):
    q = analyse("How many attacks were there in Balochistan in 2010?", nlp)
    assert q.date_keys == {"2010"} and q.entities == ("Balochistan",)
    assert analyse("How many civilians were killed on Sunday?", nlp, dt.date(2026, 5, 5)).date_keys == {"weekday:sunday"}
    assert analyse("How many attacks were there last year?", nlp, dt.date(2026, 2, 2)).date_keys == {"2025"}
    assert analyse("Which group killed 31 civilians?", nlp).numbers == {31.0}
    fdi = analyse("What was the FDI in the first half of FY24?", nlp)
    assert fdi.codes == ("FY24",) and fdi.numbers == frozenset()
    assert "Pahalgam" in analyse("How many people died in the Pahalgam attack?", nlp).entities


@pytest.mark.parametrize(
    "question, clause",
    [
        ("What is the literacy rate in Balochistan?", "what the literacy rate in Balochistan is"),
        ("How many attacks were there in Balochistan in 2010?", "how many attacks there were in Balochistan in 2010"),
        ("Who did Pakistan blame for the attacks?", "who Pakistan blamed for the attacks"),
        ("What did he say?", "what he said"),
        ("How many civilians were killed on Sunday?", "how many civilians were killed on Sunday"),
        ("When was the CPEC agreement signed?", "when the CPEC agreement was signed"),
        ("Did India reject Pakistan's allegations?", "whether India rejected Pakistan's allegations"),
        ("What was the operation called?", "what the operation was called"),
        ("Who leads the Pakistani Taliban?", "who leads the Pakistani Taliban"),
    ],
)
def test_refusals_restate_the_question_as_a_clause(nlp, question, clause):
    assert embedded_question(analyse(question, nlp), nlp) == clause
