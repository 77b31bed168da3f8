"""evals/flagged.py: flagged answers as gold-question candidates that load once an editor fills them in."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from evals.flagged import flagged_candidates, write_candidates
from evals.runner import GoldSetError, load_questions
from rag.feedback import FeedbackStore
from rag.models import Answer, Citation, Filters, Message


def test_verdicts_on_one_answer_make_one_candidate_with_its_history_and_date(tmp_path):
    store = FeedbackStore(tmp_path / "docstore.sqlite")
    citation = Citation(n=1, source_id="seed", title="Attacks", quote="India is behind these attacks", start=0, end=29, score=1.0)
    follow_up = Answer(question="When?", answer="On 31 January [1].", answerable=True, citations=[citation])
    history = [Message(role="user", content="Who did Pakistan blame?"), Message(role="assistant", content="India [1].")]
    store.remember(follow_up, history, Filters(published_before=dt.date(2026, 2, 5), as_of=dt.date(2026, 2, 2)), index_version=4)
    liked = Answer(question="Who?", answer="India [1].", answerable=True)
    store.remember(liked)
    store.record(follow_up.answer_id, "down", via="slack", user="U1")
    store.record(liked.answer_id, "up", via="chat")
    store.record(follow_up.answer_id, "wrong", comment="It was 30 January.", via="api")

    [candidate] = flagged_candidates(store.flagged())
    assert candidate["question"] == "When?" and candidate["as_of"] == "2026-02-02"
    assert candidate["history"] == [m.model_dump() for m in history]
    assert candidate["tags"] == ["flagged", "down", "wrong", "follow-up"]
    assert candidate["flagged"]["verdicts"] == ["down", "wrong"] and candidate["flagged"]["comments"] == ["It was 30 January."]
    assert candidate["flagged"]["filters"]["published_before"] == "2026-02-05"

    out = tmp_path / "candidates.jsonl"
    write_candidates([candidate], out)
    with pytest.raises(GoldSetError, match="line 1"):
        load_questions(out)
    edited = json.loads(out.read_text()) | {"unanswerable": True}  # the editor decides it should have been a refusal
    out.write_text(json.dumps(edited) + "\n")
    [gold] = load_questions(out)
    assert gold.unanswerable and gold.history == history and gold.filters() == Filters(as_of=dt.date(2026, 2, 2))
    assert gold.flagged.citations == [citation]
