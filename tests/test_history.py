"""Follow-up questions made standalone from the previous turn, without an LLM."""

from __future__ import annotations

from rag.history import condense, standalone
from rag.models import Message

BLA_ANSWER = (
    "BLA leader Bashir Zeb [1]. Al Jazeera reported on 2 February 2026: “In a video posted on social media, "
    "BLA leader Bashir Zeb said the attacks were part of the group’s “Herof 2.0” operation.” [1]"
)


def turn(question: str, answer: str) -> list[Message]:
    return [Message(role="user", content=question), Message(role="assistant", content=answer)]


def test_without_history_the_question_is_unchanged():
    assert condense("What did he say?", []) == "What did he say?"


def test_a_pronoun_takes_the_person_from_the_previous_answer():
    assert condense("What did he say?", turn("Who leads the BLA?", BLA_ANSWER)) == "What did Bashir Zeb say?"
    assert condense("Where is his group based?", turn("Who leads the BLA?", BLA_ANSWER)) == "Where is Bashir Zeb’s group based?"


def test_the_name_answering_a_who_question_is_the_person_even_when_the_tagger_misses_it():
    # Two words alone ("Reon Radix") get no label from the tagger, which calls "U.S.-Jamaica" a person
    history = turn("Who refereed the U.S.-Jamaica qualifier?", "Reon Radix [1].")
    assert condense("Where's he from?", history) == "Where's Reon Radix from?"
    # "it" is no person: after "Which firm …?" the name answering it is the firm
    assert condense("Where's it from?", turn("Which firm built the stadium?", "Reon Radix [1].")) == "Where's Reon Radix from?"


def test_it_takes_the_organisation_asked_about():
    history = turn("Who leads the BLA?", BLA_ANSWER)
    assert condense("When was it founded?", history) == "When was BLA founded?"


def test_history_accepts_plain_dicts():
    history = [{"role": "user", "content": "Who leads the BLA?"}, {"role": "assistant", "content": BLA_ANSWER}]
    assert condense("What did he say?", history) == "What did Bashir Zeb say?"


def test_a_fragment_replaces_the_matching_part_of_the_previous_question():
    previous = turn("How many attacks were there in Balochistan in 2025?", "At least 254 attacks [1].")
    assert condense("And in 2024?", previous) == "How many attacks were there in Balochistan in 2024?"
    killed = turn("How many civilians were killed on Saturday?", "On Saturday, fighters killed 31 civilians [1].")
    assert condense("And security personnel?", killed) == "How many security personnel were killed on Saturday?"
    blamed = turn("Who did Pakistan blame for the attacks?", "Interior Minister Mohsin Naqvi blamed neighboring India [1].")
    assert condense("What about India?", blamed) == "Who did India blame for the attacks?"


def test_a_fragment_swaps_the_noun_of_its_kind_or_the_name_it_replaces():
    lost = turn("How much life expectancy did American men lose?", "More than eight months [1].")
    assert condense("And women?", lost) == "How much life expectancy did American women lose?"
    seats = turn("How many seats did the Unity Party win in the election?", "135 seats [1].")
    assert condense("And the Homeland Movement?", seats) == "How many seats did the Homeland Movement win in the election?"
    # a name the tagger does not label still takes the place of the one the question named
    prius = turn("How much horsepower does the new Kestrel sedan have?", "194 horsepower [1].")
    assert condense("And the plug-in Kestrel Prime?", prius) == "How much horsepower does the plug-in Kestrel Prime sedan have?"


def test_a_follow_up_after_and_that_asks_its_own_question_is_that_question():
    cast = turn("Who plays the detective in the new series?", "Ann Cole [1].")
    assert condense("And who plays the thief?", cast) == "Who plays the thief?"
    polled = turn("What share of Americans backed the plan?", "45% [1].")
    assert condense("And what share of Canadians?", polled) == "What share of Canadians?"
    # one that leaves out what it counts counts what the question before counted
    counted = turn("How many undocumented-migrant encounters were there at the border in July?", "9,000 [1].")
    assert condense("And how many were there in August?", counted) == "How many undocumented-migrant encounters were there in August?"


def test_them_with_no_group_to_stand_for_is_what_the_question_before_counted():
    attacks = turn("How many attacks were recorded in the province during 2025?", "At least 254 attacks [1].")
    assert standalone("How many died in them?", attacks) == (
        "How many died in the attacks during 2025?", "How many died in the attacks during 2025? recorded province"
    )
    assert condense("Who carried them out last week?", attacks) == "Who carried the attacks out last week?"  # its own time
    assert condense("What did they say?", turn("Which group claimed the attacks?", "The BLA [1].")) == "What did BLA say?"


def test_chains_of_follow_ups_keep_their_referent():
    history = turn("Who leads the BLA?", BLA_ANSWER) + turn("What did he say?", "Al Jazeera reported: “…” [1]")
    assert condense("When did he say it?", history) == "When did Bashir Zeb say it?"


def test_a_refusal_offers_no_referent():
    history = turn("Who leads the Pakistani Taliban?", "The sources I have don't say who leads the Pakistani Taliban.")
    assert condense("What did he say?", history) == "What did he say?"


def test_a_standalone_follow_up_is_left_alone():
    history = turn("Who leads the BLA?", BLA_ANSWER)
    assert condense("How many attacks were there in 2025?", history) == "How many attacks were there in 2025?"


def test_a_pronoun_resolves_even_after_a_name_of_another_kind():
    history = turn("Who is Maria Lopez?", "Maria Lopez is a reporter at the Daily Ledger [1].")
    assert condense("What Spanish nickname did her colleagues give her?", history) == (
        "What Spanish nickname did Maria Lopez’s colleagues give Maria Lopez?"
    )


def test_a_pronoun_never_stands_for_a_name_its_own_question_gives():
    history = turn("Who is the most famous person chef Daniel Weiss has cooked for?",
                   "He calls it a tie between singer Tom Harris and actor James Brown [1].")
    # the answer's "He" is the chef of the question before; the singer named here cannot be "he"
    assert condense("Where did he cook for Tom Harris?", history) == "Where did Daniel Weiss cook for Tom Harris?"


def test_them_after_an_answer_naming_several_people_is_those_people():
    history = turn("Who defended Anna Brooks at her trial?", "Her lawyers were Peter Wallace and Susan Reed [1].")
    assert condense("Which of them spoke to reporters?", history) == "Which of Peter Wallace and Susan Reed spoke to reporters?"


def test_a_follow_up_naming_nothing_is_searched_with_the_words_asked_before():
    history = turn("How much was a ticket to the 2024 Met Gala?", "The average ticket price was $75,000 [1].")
    attended = "How many people attended?"
    assert standalone(attended, history) == (attended, f"{attended} ticket 2024 Met Gala")
    chart = turn("Which app tops the all-time download chart?", "Facebook [1].")
    assert standalone("Which one is runner-up?", chart).query == "Which one is runner-up? app tops time download chart"
    named = "How many people attended the 2024 Met Gala?"  # it names its own subject
    assert standalone(named, history) == (named, named)
    assert standalone("How many people attended?", []).query == "How many people attended?"
    # a pronoun resolved (rightly or not) names nothing of the follow-up's own: the words asked before are searched
    podcast = turn("On which podcast did the BBC discuss the strike?", "Talking Points [1].")
    assert standalone("Who hosts it?", podcast) == ("Who hosts Talking Points?", "Who hosts Talking Points? podcast BBC discuss strike")


def test_it_is_never_a_person_the_tagger_took_for_an_organisation():
    history = turn("What did Ann Cole buy from Victor Hale in 1993?", "A chunk of Hale's business empire, called KLX, for $72 million [1].")
    assert condense("What did she rename it?", history) == "What did Ann Cole rename KLX?"  # not "rename Hale"


def test_it_after_a_which_question_answered_by_a_name_alone_is_that_name():
    # the tagger finds no name in "Gone With the Wind" alone, and a religion in "Christian Dior"
    movie = turn("Which movie would be the top grosser adjusted for inflation?", "Gone With the Wind [1].")
    assert condense("What's its adjusted gross?", movie) == "What's Gone With the Wind’s adjusted gross?"
    assert condense("Who founded it?", turn("Which fashion house made the gown?", "Christian Dior [1].")) == "Who founded Christian Dior?"
    # a figure or a clause is no such name
    share = turn("What share of chips does the US make now?", "Close to 10% [1].")
    assert condense("And what was it once?", share) != "What was Close to 10% once?"
    museum = turn("Which museum did they visit?", "They visited the Louvre in Paris [1].")
    assert "visited" not in condense("When did it open?", museum)
