"""The archive gold set: big enough, split by article, paraphrased, and every evidence string verbatim in
the text ingest stores for its article (checked against the shared archive, which CI has beside the repo)."""

from __future__ import annotations

import json

import pytest

from evals.archive import ARCHIVE, GOLD_DIR, cleaned_text, copied_run, evidence_sentence, problems, read_archive
from evals.runner import load_questions

SPLITS = {name: load_questions(GOLD_DIR / f"{name}.jsonl") for name in ("dev", "test")}
ALL = [q for questions in SPLITS.values() for q in questions]


def test_the_set_has_the_promised_size_mix_and_split():
    answerable = [q for q in ALL if not q.unanswerable]
    assert len(answerable) >= 300 and len(ALL) - len(answerable) >= 80
    assert len({q.sources[0] for q in ALL}) >= 120
    dev, test = ({q.sources[0] for q in SPLITS[s]} for s in ("dev", "test"))
    assert not dev & test, "a question's article is in one split only"
    tags = {t for q in ALL for t in q.tags}
    assert {"number", "amount", "person", "organisation", "place", "date", "duration", "reason", "yes-no", "name"} <= tags
    assert {"near-miss", "follow-up", "as-of", "time-relative", "short"} <= tags
    assert all(q.history for q in ALL if "follow-up" in q.tags) and all(q.as_of for q in ALL if "time-relative" in q.tags)


def test_a_follow_up_is_asked_on_the_day_its_conversation_began():
    # "Who announced the deployment?" after a question about "today" searches that same day: without the
    # first question's as-of date it would search the day the eval runs.
    asked = {(q.question, q.sources[0]): q.as_of for q in ALL if q.as_of}
    for q in ALL:
        if q.history:
            first = next(m.content for m in q.history if m.role == "user")
            assert q.as_of == asked.get((first, q.sources[0]), q.as_of), q.id


def test_yes_no_questions_are_answered_yes_or_no():
    assert all(q.answers in (["yes"], ["no"]) for q in ALL if "yes-no" in q.tags and not q.unanswerable)


def test_questions_are_paraphrased_not_copied():
    assert copied_run("Who did the minister blame for the attacks?", "The minister blamed India for the attacks.") is None
    assert copied_run("Which group said it carried out the attacks?", "The group said it carried out the attacks on Sunday.")
    assert copied_run("What did the Office of the State Courts say?", "the Office of the State Courts Administrator") is None


@pytest.mark.skipif(not ARCHIVE.exists(), reason=f"the shared archive is not at {ARCHIVE}")
def test_every_evidence_string_is_verbatim_in_its_cleaned_article_and_no_question_copies_it():
    records = read_archive()
    texts = {i: cleaned_text(records[i]) for i in {s for q in ALL for s in q.sources}}
    assert problems(ALL, texts) == []
    sentence = evidence_sentence(texts[ALL[0].sources[0]], ALL[0].evidence[0]) if ALL[0].evidence else ""
    assert not ALL[0].evidence or ALL[0].evidence[0] in sentence


def test_the_gold_files_are_sorted_one_question_per_line():
    for name in SPLITS:
        ids = [json.loads(line)["id"] for line in (GOLD_DIR / f"{name}.jsonl").read_text().splitlines() if line.strip()]
        assert ids == sorted(ids)
