"""POST /v1/feedback over a real socket: rating an answer by its id, with the API's keys and error shape."""

from __future__ import annotations

import httpx
import pytest
from api_fixtures import OTHER_KEY, QUESTION, api_settings, auth, read_sse, running_server, stream_answer

from rag.api.app import create_app
from rag.feedback import MAX_COMMENT_CHARS


@pytest.fixture(scope="module")
def http(seed_settings, seed_pipeline):
    with running_server(create_app(api_settings(seed_settings), seed_pipeline)) as url:
        with httpx.Client(base_url=url, timeout=60, headers=auth()) as client:
            yield client


def test_a_verdict_on_an_answer_is_stored_with_what_was_asked_and_answered(http, seed_pipeline):
    asked = {"question": "When?", "history": [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "India [1]."}],
             "filters": {"as_of": "2026-02-10"}}
    answer = http.post("/v1/ask", json=asked).json()
    assert len(answer["answer_id"]) == 32
    response = http.post("/v1/feedback", json={"answer_id": answer["answer_id"], "value": "wrong", "comment": "Wrong date."},
                         headers=auth(OTHER_KEY))
    assert response.status_code == 201, response.text
    assert response.json() == {"answer_id": answer["answer_id"], "value": "wrong", "question": "When?"}
    [stored] = [r for r in seed_pipeline.feedback.all() if r.answered.answer_id == answer["answer_id"]]
    assert (stored.value, stored.comment, stored.via, stored.user) == ("wrong", "Wrong date.", "api", "key#2")
    assert stored.answered.answer == answer["answer"] and stored.answered.filters.as_of.isoformat() == "2026-02-10"
    assert [c.model_dump(mode="json") for c in stored.answered.citations] == answer["citations"]
    assert [m.content for m in stored.answered.history] == [QUESTION, "India [1]."]
    assert stored.answered.index_version == seed_pipeline.docs.generation() > 0


def test_streamed_and_openai_answers_can_be_rated_too(http):
    with http.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as response:
        streamed = stream_answer(read_sse(response.iter_lines()))
    completion = http.post("/v1/chat/completions", json={"model": "newsroom-rag", "messages": [{"role": "user", "content": QUESTION}]})
    for answer_id in (streamed["answer_id"], completion.json()["id"].removeprefix("chatcmpl-")):
        assert http.post("/v1/feedback", json={"answer_id": answer_id, "value": "up"}).status_code == 201


def test_an_unknown_answer_is_404_in_the_api_error_shape(http):
    response = http.post("/v1/feedback", json={"answer_id": "0" * 32, "value": "down"})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "answer_not_found" and "0" * 32 in response.json()["error"]["message"]


@pytest.mark.parametrize("body", [
    {"answer_id": "x", "value": "meh"},
    {"answer_id": "x", "value": "down", "comment": "c" * (MAX_COMMENT_CHARS + 1)},
    {"answer_id": "", "value": "up"},
    {"answer_id": "x", "value": "up", "rating": 5},
])
def test_bad_feedback_is_422_naming_the_field(http, body):
    response = http.post("/v1/feedback", json=body)
    assert response.status_code == 422 and response.json()["error"]["type"] == "invalid_request"


def test_feedback_needs_an_api_key(http):
    response = httpx.post(http.base_url.join("/v1/feedback"), json={"answer_id": "x", "value": "up"})
    assert response.status_code == 401 and response.json()["error"]["type"] == "unauthorized"
