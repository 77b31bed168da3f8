"""ui.app and ui.examples: the filter form, streaming, history, and example questions drawn from the index."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SEED

from ui.app import FEEDBACK_OPTIONS, conversation, filters_from_form, rate_answer, stream_pieces
from ui.examples import candidate_questions, example_questions


def test_empty_filter_form_means_no_filters():
    assert filters_from_form(None, [], "", "  ", None) is None


def test_filter_form_builds_rag_filters():
    filters = filters_from_form(["Al Jazeera"], ["seed"], "2026-01-01", "2026-02-28", "2026-02-10")
    assert filters.outlets == ["Al Jazeera"] and filters.sources == ["seed"]
    assert filters.published_after == dt.date(2026, 1, 1) and filters.published_before == dt.date(2026, 2, 28)
    assert filters.as_of == dt.date(2026, 2, 10)


@pytest.mark.parametrize("bad", ["2026-13-45", "yesterday", "02/02/2026"])
def test_bad_date_gets_a_message_naming_the_box_and_the_format(bad):
    with pytest.raises(ValueError, match=rf"As of: “{bad}” is not a date. Use year-month-day, e.g. 2026-02-02."):
        filters_from_form(None, None, None, None, bad)


def test_reversed_date_range_is_explained():
    with pytest.raises(ValueError, match="“Published from” \\(2026-03-01\\) is later than “Published until” \\(2026-02-01\\)"):
        filters_from_form(None, None, "2026-03-01", "2026-02-01", None)


def test_stream_pieces_grow_to_exactly_the_answer():
    text = "Interior Minister Mohsin Naqvi blamed neighboring India [1]."
    pieces = list(stream_pieces(text, words=2))
    assert pieces[0] == "Interior Minister " and pieces[-1] == text
    assert all(later.startswith(earlier) for earlier, later in zip(pieces, pieces[1:], strict=False))
    assert list(stream_pieces("")) == [""]


def test_conversation_replays_earlier_turns_as_role_content_messages():
    answers = [{"question": "Who did Pakistan blame?", "answer": "India [1]."}, {"question": "Why?", "answer": "No evidence."}]
    assert conversation(answers) == [
        {"role": "user", "content": "Who did Pakistan blame?"}, {"role": "assistant", "content": "India [1]."},
        {"role": "user", "content": "Why?"}, {"role": "assistant", "content": "No evidence."},
    ]


def test_candidate_questions_come_from_who_did_what_in_the_article(seed_pipeline):
    questions = list(candidate_questions(seed_pipeline.nlp(SEED.read_text(encoding="utf-8"))))
    assert "Who did Mohsin Naqvi blame?" in questions  # "Interior Minister Mohsin Naqvi blamed neighboring India"
    assert "What did Bashir Zeb say?" in questions  # "BLA leader Bashir Zeb said the attacks were part of …"
    assert all(q.endswith("?") for q in questions)


def test_example_questions_are_ones_the_pipeline_answers(seed_pipeline):
    examples = example_questions(seed_pipeline)
    assert 1 <= len(examples) <= 4
    assert all(seed_pipeline.ask(q).answerable for q in examples)
    assert example_questions(seed_pipeline) == examples  # cached for the same index


def test_like_dislike_and_flag_on_a_chat_answer_are_stored_by_its_id(seed_pipeline):
    first = seed_pipeline.ask("Who did Pakistan blame for the attacks?", remember=True)
    second = seed_pipeline.ask("Who is Pakistan's interior minister?", remember=True)
    answers = [first.model_dump(mode="json"), second.model_dump(mode="json")]  # the chat's State
    # Chat messages alternate question, answer: message 1 is the first answer, message 3 the second.
    assert "👎" in rate_answer(seed_pipeline, answers, 1, False, user="editor")
    assert "flagged as wrong" in rate_answer(seed_pipeline, answers, 3, FEEDBACK_OPTIONS[2])
    assert "👍" in rate_answer(seed_pipeline, answers, 3, True)
    assert rate_answer(seed_pipeline, answers, 3, "") is None  # un-clicking a thumb stores nothing
    assert rate_answer(seed_pipeline, answers, 9, False) is None  # not an answer of this conversation
    rated = [(r.answered.answer_id, r.value, r.via, r.user) for r in seed_pipeline.feedback.all()
             if r.answered.answer_id in (first.answer_id, second.answer_id)]
    assert rated == [(first.answer_id, "down", "chat", "editor"), (second.answer_id, "wrong", "chat", None),
                     (second.answer_id, "up", "chat", None)]


def test_rating_an_answer_the_index_forgot_says_so(seed_pipeline):
    forgotten = seed_pipeline.ask("Who did Pakistan blame for the attacks?")  # never remembered
    assert "no longer on record" in rate_answer(seed_pipeline, [forgotten.model_dump(mode="json")], 1, False)
