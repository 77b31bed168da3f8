"""ui.app and ui.examples: the filter form, streaming, history, and example questions drawn from the index."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SEED

from ui.app import conversation, filters_from_form, stream_pieces
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
