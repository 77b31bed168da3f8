"""Follow-up questions made standalone from the previous turn, without an LLM."""

from __future__ import annotations

from rag.history import condense
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


def test_chains_of_follow_ups_keep_their_referent():
    history = turn("Who leads the BLA?", BLA_ANSWER) + turn("What did he say?", "Al Jazeera reported: “…” [1]")
    assert condense("When did he say it?", history) == "When did Bashir Zeb say it?"


def test_a_refusal_offers_no_referent():
    history = turn("Who leads the Pakistani Taliban?", "The sources I have don't say who leads the Pakistani Taliban.")
    assert condense("What did he say?", history) == "What did he say?"


def test_a_standalone_follow_up_is_left_alone():
    history = turn("Who leads the BLA?", BLA_ANSWER)
    assert condense("How many attacks were there in 2025?", history) == "How many attacks were there in 2025?"
