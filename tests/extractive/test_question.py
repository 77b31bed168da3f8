"""What a question asks, read from its grammar: the answer's form, what it is about, the verb and role."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.extractive.question import Form, analyse


@pytest.fixture(scope="module")
def ask(answerer):
    return lambda text, as_of=None: analyse(text, answerer.nlp, answerer.meaning, as_of=as_of)


@pytest.mark.parametrize(
    "question, form, key",
    [
        ("How many attacks were there in 2025?", Form.NUMBER, "how many:act"),  # keyed on the WordNet category of what is counted
        ("How much did the airline lose?", Form.NUMBER, "how much"),
        ("How long did the siege last?", Form.DURATION, "how long"),
        ("When did the port reopen?", Form.DATE, "when"),
        # "when" in other words: a date, not a phrase about the year
        ("In what year was the group founded?", Form.DATE, "what:time"),
        ("Which day next week do investors vote?", Form.DATE, "which:time"),
        ("What tariff rate did Trump announce?", Form.OPEN, "what:time"),  # WordNet's time category, yet a figure
        ("Where was the summit held?", Form.ENTITY, "where"),
        ("Who did Pakistan blame?", Form.ENTITY, "who"),
        ("Why did the airline cancel flights?", Form.REASON, "why"),
        ("What caused the crash?", Form.REASON, "why"),
        ("Did India reject the allegations?", Form.YESNO, "yes/no"),
        ("Who is Abdul Basit?", Form.DESCRIBE, "describe"),
        ("What is Abdul Basit's job?", Form.DESCRIBE, "describe"),  # a role noun owned by a name
        ("What position does Imtiaz Gul hold?", Form.DESCRIBE, "describe"),
        ("Who is the hotel's Ian Harvey?", Form.DESCRIBE, "describe"),
        ("Who is Ben Martinez, interviewed about the museum?", Form.DESCRIBE, "describe"),
        # a name that is not what the copula asks about: no description
        ("Who was the youngest of Gerald Fischman and Rebecca Smith?", Form.ENTITY, "who"),
        ("What was the B-17 that Mel Jenner flew in called?", Form.NAME, "name"),
        ("What does Aaron Setliff do?", Form.DESCRIBE, "describe"),  # "do" in the present, nothing else done: a job
        ("What does Ben Smith do for a living?", Form.DESCRIBE, "describe"),
        ("What did Smith do after the crash?", Form.OPEN, "what"),  # an act
        ("What does Biden do about prices?", Form.OPEN, "what"),
        # the subject is a common noun, whatever names modify it: a figure is asked, not who the phone is
        ("What's the iPhone 13's UK starting price?", Form.OPEN, "what:attribute"),
        ("What role did Pakistan play in the talks?", Form.OPEN, "what:act"),  # a role in something: no description
        ("What was the operation called?", Form.NAME, "name"),
        ("What is the name of the bill?", Form.NAME, "name"),
        ("What did the judge order?", Form.OPEN, "what"),
        ("What is Islamabad trying to recast the conflict as?", Form.OPEN, "what"),  # "is" of a progressive: no description
        ("What is Gul arguing?", Form.OPEN, "what"),
        ("Who was Scarlett Johansson engaged to in 2019?", Form.ENTITY, "who"),  # "was" of a passive: no description
    ],
)
def test_the_form_of_the_answer_comes_from_the_grammar(ask, question, form, key):
    q = ask(question)
    assert (q.form, q.key) == (form, key)


def test_a_name_before_the_noun_asked_about_is_not_described(ask):
    # the tagger reads "measles" as a verb: "tally" after the name still says the name only modifies it
    assert ask("What's the South Carolina measles tally today?").form is Form.OPEN


def test_the_noun_of_a_which_question_keys_the_prior_by_its_wordnet_category(ask):
    assert ask("Which pollster ran the survey?").key == "which:person"
    assert ask("Which city hosted the summit?").key == "which:location"
    assert ask("In which year did the census take place?").key == "which:time"
    weather = ask("What will the weather be in Quetta tomorrow?")
    assert weather.key == "what:phenomenon"  # not a time, whatever the kinds by meaning say
    unknown = ask("Which drugmaker funded the trials?")  # a noun WordNet lacks: keyed on its kind by meaning
    assert unknown.key == "which:" + max(unknown.kinds, key=unknown.kinds.get) and ":" in unknown.key
    assert ask("Which toll did the storm take?").form is Form.OPEN  # a kind never narrows the candidates


def test_the_asked_verb_and_the_role_the_question_word_plays_for_it(ask):
    blame = ask("Who did Pakistan blame for the attacks?")
    assert (blame.predicate.lemma, blame.role) == ("blame", "object")
    assert ask("Who blamed India?").role == "subject"
    assert ask("Who was arrested on Friday?").role == "object"
    # a passive's subject is what the active verb acts on, whoever the "by" phrase names
    assert ask("How many insurgents were slain by the military?").role == "object"
    assert ask("Who was Naqvi blaming?").role == "object" and ask("Who is leading the talks?").role == "subject"
    assert ask("What was Munir showing Trump?").focus is None  # Munir shows; he is not what is asked
    # where and when ask for an adjunct ("met in Vostochny", "was held at Minidoka"), never the object
    assert ask("Where did Kim and Putin meet?").role == "oblique" and ask("Where was his family held?").role == "oblique"
    assert ask("When did the company recall the cars?").role == "oblique"


def test_the_verb_after_did_is_a_verb_whatever_the_tagger_says(ask):
    # tagged a noun ("start") or an adjective ("last", "open") in these questions
    assert ask("When did the current insurgency start?").predicate.lemma == "start"
    assert ask("How long did the 2019 government shutdown last?").predicate.lemma == "last"
    assert ask("When did Oprah's academy open?").predicate.lemma == "open"
    # neither a gerund nor a title before a name is the supported verb
    fighting = ask("How long did the May fighting last?").predicate
    assert fighting is None or fighting.lemma != "fighting"


def test_the_thing_asked_about(ask):
    assert ask("How many security personnel were killed?").focus.lemma == "personnel"
    assert [t.lemma for t in ask("How many security personnel were killed?").focus_modifiers] == ["security"]
    assert ask("Who is Pakistan's interior minister?").focus.lemma == "minister"
    assert ask("Which company's walnuts were recalled?").focus.lemma == "company"  # not "walnuts"
    assert ask("Whose request led Trump to postpone the drills?").focus.lemma == "request"
    assert ask("What will the weather be in the city tomorrow?").focus.lemma == "weather"  # a modal before "be"


def test_constraints_are_names_figures_dates_and_codes_only(ask):
    q = ask("How many American troops joined Alaska Airlines Flight 1282 in 2025 on FY26 terms?")
    assert "American" not in q.entities  # a nationality is paraphrased freely ("U.S. troops")
    assert "Alaska Airlines" in q.entities
    assert 1282.0 not in q.numbers  # part of a name, checked as a name
    assert "2025" in q.date_keys and q.codes == ("FY26",)
    assert ask("How far can it travel on one charge?").numbers == frozenset()  # "one" as a determiner
    # how many answers a "which" asks for, not a figure the source must write ("McGurk and Hochstein")
    assert ask("Which two envoys met the prince?").numbers == frozenset()
    assert ask("Which of the 12 miners survived?").numbers == frozenset({12.0})
    assert ask("what park does the bidens' beach house overlook?").entities == ()
    # a name narrowing the asked noun is the kind of answer, which the source need not repeat
    assert ask("Which MLB team made the song its anthem in 2014?").entities == ()
    assert ask("What did China's foreign ministry say?").entities == ("China",)  # not the asked noun's
    q = ask("Which crypto billionaire took a stake in Robinhood in mid-2022?")
    assert q.codes == () and "2022" in q.date_keys  # a time, not an identifier like "FY26"


def test_a_weekday_in_a_question_means_the_sources_weekday_not_the_one_before_as_of(ask):
    assert ask("Who was killed on Saturday?", as_of=dt.date(2026, 2, 10)).date_keys == frozenset({"weekday:saturday"})


def test_a_day_asked_without_its_year_is_that_day_in_any_year(ask):
    q = ask("How does Collins compare June 19 with the Fourth of July?", as_of=dt.date(2026, 11, 30))
    assert "day:06-19" in q.date_keys and not any(k.startswith("2026-06") for k in q.date_keys)
    assert "2025-06-19" in ask("What happened on June 19, 2025?").date_keys
