"""/v1/chat/completions (rag/api/openai_compat.py) driven by the official `openai` client over a real socket."""

from __future__ import annotations

import datetime as dt

import httpx
import openai
import pytest
from api_fixtures import KEY, QUESTION, api_settings, auth, running_server

from rag.api.app import create_app
from rag.api.openai_compat import reply_text
from rag.models import Answer
from rag.timewindow import find_window

THIS_WEEK = "Who did Pakistan blame for the attacks this week?"
SEARCHED = 'Searched: articles published 2026-01-26 – 2026-02-03 (from "this week")'  # as the chat's Sources panel says it


@pytest.fixture(scope="module")
def base_url(seed_settings, seed_pipeline):
    with running_server(create_app(api_settings(seed_settings), seed_pipeline)) as url:
        yield url


@pytest.fixture(scope="module")
def llm(base_url):
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key=KEY, max_retries=0, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def native(base_url):
    """What /v1/ask says for QUESTION: the chat endpoint must carry the same answer and citations."""
    return httpx.post(f"{base_url}/v1/ask", json={"question": QUESTION}, headers=auth(), timeout=30).json()


def test_non_streaming_reply_carries_markers_sources_and_citations(llm, native):
    completion = llm.chat.completions.create(model="newsroom-rag", messages=[{"role": "user", "content": QUESTION}])
    reply = completion.choices[0].message
    assert completion.object == "chat.completion" and completion.model == "newsroom-rag"
    assert reply.role == "assistant" and completion.choices[0].finish_reason == "stop"
    assert reply.content.startswith(native["answer"])
    assert "\n\nSources:\n[1] " in reply.content
    for citation in native["citations"]:
        assert f"[{citation['n']}] {citation['title']}" in reply.content
    assert completion.model_extra["citations"] == native["citations"]
    assert completion.model_extra["answerable"] is True


def test_streaming_reply_equals_non_streaming_and_ends_with_citations(llm, native):
    messages = [{"role": "user", "content": QUESTION}]
    whole = llm.chat.completions.create(model="newsroom-rag", messages=messages).choices[0].message.content
    chunks = list(llm.chat.completions.create(model="newsroom-rag", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert len(chunks) > 3 and len({c.id for c in chunks}) == 1
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert final.model_extra["citations"] == native["citations"]
    assert all("citations" not in (c.model_extra or {}) for c in chunks[:-1])


def test_earlier_messages_are_history(llm, base_url):
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Pakistan blamed India [1]."}]
    follow_up = "How many civilians were killed?"
    completion = llm.chat.completions.create(
        model="newsroom-rag",
        messages=[{"role": "system", "content": "Be brief."}, *history, {"role": "user", "content": follow_up}],
    )
    native = httpx.post(f"{base_url}/v1/ask", headers=auth(), timeout=30, json={
        "question": follow_up, "history": [{"role": "system", "content": "Be brief."}, *history],
    }).json()
    assert completion.model_extra["citations"] == native["citations"]
    assert completion.choices[0].message.content.startswith(native["answer"])


def test_content_parts_and_filters_extension(llm, native):
    completion = llm.chat.completions.create(
        model="newsroom-rag",
        messages=[{"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
        extra_body={"filters": {"published_before": "2000-01-01"}},
    )
    assert completion.model_extra["answerable"] is False and completion.model_extra["citations"] == []


def test_a_reply_to_a_question_with_time_words_says_which_period_was_searched(llm):
    as_of = {"filters": {"as_of": "2026-02-03"}}
    completion = llm.chat.completions.create(model="newsroom-rag", messages=[{"role": "user", "content": THIS_WEEK}],
                                             extra_body=as_of)
    content = completion.choices[0].message.content
    assert completion.model_extra["answerable"] is True
    assert f"\n\n{SEARCHED}\n\nSources:\n[1] " in content  # between the answer and its sources
    streamed = llm.chat.completions.create(model="newsroom-rag", messages=[{"role": "user", "content": THIS_WEEK}],
                                           extra_body=as_of, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in streamed) == content
    plain = llm.chat.completions.create(model="newsroom-rag", messages=[{"role": "user", "content": QUESTION}])
    assert "Searched:" not in plain.choices[0].message.content


def test_a_refusal_still_says_which_period_was_searched():
    window = find_window(THIS_WEEK, dt.date(2026, 2, 3))
    refusal = Answer(question=THIS_WEEK, answerable=False, answer="The sources I have don't say.", window=window)
    assert reply_text(refusal) == f"The sources I have don't say.\n\n{SEARCHED}"
    assert reply_text(refusal.model_copy(update={"window": None})) == "The sources I have don't say."


def test_errors_surface_as_openai_exceptions(base_url, llm):
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key="wrong", max_retries=0) as intruder:
        with pytest.raises(openai.AuthenticationError):
            intruder.chat.completions.create(model="newsroom-rag", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.UnprocessableEntityError, match="last message"):
        llm.chat.completions.create(model="newsroom-rag", messages=[
            {"role": "user", "content": QUESTION}, {"role": "assistant", "content": "India."}])
    with pytest.raises(openai.UnprocessableEntityError, match="tools"):
        llm.chat.completions.create(model="newsroom-rag", messages=[{"role": "user", "content": QUESTION}],
                                    tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}])
    with pytest.raises(openai.UnprocessableEntityError):
        llm.chat.completions.create(model="newsroom-rag", messages=[{"role": "user", "content": "  "}], stream=True)


def test_models_are_listed(llm):
    assert [m.id for m in llm.models.list()] == ["newsroom-rag"]
