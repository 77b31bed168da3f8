"""`Pipeline.ask` is the one entry point: whatever drafts an answer, its claims are checked there; an index
written by another version of the code is refused for questions and rebuilt by ingest."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from rag import errors
from rag.models import Answer, Citation, Filters
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.verify import REFUSAL_PREFIX
from tests.conftest import SOURCES

QUESTION = "How many civilians were killed on Saturday?"


class Draft:
    """An answerer that states a figure its quote does not hold."""

    def answer(self, question, passages, as_of=None):
        p = next(p for p in passages if "31 civilians" in p.chunk.text)
        at = p.chunk.text.index("On Saturday")
        end = p.chunk.text.index(".", at) + 1
        quote = p.chunk.text[at:end]
        citation = Citation(n=1, source_id=p.chunk.source_id, title=p.chunk.title, quote=quote,
                            start=p.chunk.start + at, end=p.chunk.start + end, score=1.0)
        return Answer(question=question, answer="Fighters killed 45 civilians on Saturday [1].", answerable=True, citations=[citation])


def test_every_draft_goes_through_the_claim_check_in_ask(seed_pipeline, monkeypatch):
    monkeypatch.setattr(seed_pipeline, "extractive", Draft())  # cached_property: the instance attribute wins
    answer = seed_pipeline.ask(QUESTION)
    assert not answer.answerable and answer.answer.startswith(REFUSAL_PREFIX) and answer.citations == []


def test_an_index_from_another_version_is_refused_for_questions_and_rebuilt_by_ingest(tmp_path):
    settings = Settings(index_dir=tmp_path / "index")
    Pipeline(settings).ingest([SOURCES])
    with sqlite3.connect(tmp_path / "index" / "docstore.sqlite") as db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'format'")
    old = Pipeline(settings)
    with pytest.raises(errors.IndexMismatch, match="run `rag ingest`"):
        old.ask(QUESTION)
    report = old.ingest([SOURCES])
    assert report.added == 2 and report.chunks > 0
    assert Pipeline(settings).ask(QUESTION).question == QUESTION


@pytest.mark.parametrize("content", ["Who\x00 blamed India?", "\x1b[2J\x1b[31mWho blamed India?", "Who blamed \x07India?"],
                         ids=["NUL", "ANSI", "BEL"])
def test_history_messages_are_held_to_the_question_s_character_rules(seed_pipeline, content):
    history = [{"role": "user", "content": "Who did Pakistan blame?"}, {"role": "assistant", "content": "India [1]."},
               {"role": "user", "content": content}, {"role": "assistant", "content": "India [1]."}]
    with pytest.raises(errors.BadQuestion, match=r"history\[2\] contains control characters"):
        seed_pipeline.ask("What did he say?", history)


def test_questions_and_history_are_read_without_invisible_characters(seed_pipeline):
    plain = seed_pipeline.ask("Who did Pakistan blame for the attacks?")
    hidden = seed_pipeline.ask("Who did Pak\u200bistan bla\u00adme for the at\u2060tacks?")
    assert hidden.answer == plain.answer and hidden.question == "Who did Pak\u200bistan bla\u00adme for the at\u2060tacks?"
    history = [{"role": "user", "content": "Who leads the B\u200bLA?"},
               {"role": "assistant", "content": "BLA leader Bashir\u200b Zeb [1]."}]
    follow_up = seed_pipeline.ask("What did he say?", history)
    assert follow_up.answer == seed_pipeline.ask("What did Bashir Zeb say?").answer


def test_a_refusal_caused_by_a_filter_says_the_filter_left_nothing(seed_pipeline):
    answer = seed_pipeline.ask("Who did Pakistan blame for the attacks?", filters=Filters(as_of=dt.date(2020, 1, 1)))
    assert not answer.answerable
    assert "No indexed source is published up to 1 January 2020, so nothing was searched" in answer.answer
    assert "Remove or widen the filter" in answer.answer


def test_a_refusal_under_a_filter_names_what_was_searched(seed_pipeline):
    answer = seed_pipeline.ask("What is the literacy rate in Balochistan?", filters=Filters(as_of=dt.date(2026, 3, 1)))
    assert not answer.answerable and "(Only sources published up to 1 March 2026 were searched.)" in answer.answer
