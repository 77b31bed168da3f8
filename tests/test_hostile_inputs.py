"""The hostile-input catalogue of SECURITY.md, one test per case (the ids match).

Everything runs against one index (the curated sources plus a folder of hostile files, ingested once) served
by uvicorn on a loopback socket, the way `rag serve` runs. After every test an autouse check asks a normal
question over that socket: whatever the hostile request did, the server must still answer.
"""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import socket
import time
from http.client import HTTPConnection
from pathlib import Path

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from rag.api.app import create_app
from rag.api.slack import format_slack, signed
from rag.models import Filters, SkippedItem
from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.api_fixtures import KEY, OTHER_KEY, QUESTION, api_settings, running_server, slack_headers
from tests.conftest import SOURCES
from ui import render

SCRIPT = "<script>window.__pwned=1</script>"
SCRIPT_ARTICLE = (
    "Port traffic at Gwadar\n\n"
    f"Gwadar port handled 4,321 containers in January {SCRIPT} & <!channel> <@U024BE7LH>, the port authority said.\n\n"
    "The authority expects more traffic once the new berth opens.\n"
)
HUGE_BYTES = 50 * 1024 * 1024
BAD_UTF8 = "Caf\xe9 owners in Quetta said trade fell.".encode("latin-1")
GOOD_LINE = {"id": "wire-0001", "title": "Wire: Quetta markets", "outlet": "Wire", "published": "2026-01-20",
             "text": "Shops in Quetta reopened on Tuesday after the strike ended."}


def hostile_files(folder) -> dict[str, str]:
    """Write the hostile sources; returns {file name: the skip reason expected (or "" if it must load)}."""
    folder.mkdir()
    (folder / "png-renamed.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (folder / "empty.txt").write_text("  \n\n\t ")
    with open(folder / "huge.txt", "wb") as handle:  # generated here, never committed
        line = b"The quick brown fox reported on the port at Gwadar again. " * 16 + b"\n"
        for _ in range(HUGE_BYTES // len(line) + 1):
            handle.write(line)
    (folder / "latin1.txt").write_bytes(BAD_UTF8)
    (folder / "utf16.txt").write_bytes("Shops in Quetta reopened on Tuesday.".encode("utf-16"))
    (folder / "ragged.csv").write_text("District,Attacks\nQuetta,12\nGwadar,4,extra,cells\n")
    (folder / "wire.jsonl").write_text("\n".join([
        json.dumps(GOOD_LINE), '{"id": "wire-0002", "text": "cut off', "[1, 2, 3]",
        json.dumps({"id": "wire-0003", "title": "no text"}),
        json.dumps({**GOOD_LINE, "id": "wire-0004", "text": "Trains to Quetta resumed."}),
    ]) + "\n")
    (folder / "deep.json").write_text("[" * 50_000 + "]" * 50_000)
    (folder / "typed.txt").write_text("A note on the budget.")
    (folder / "typed.meta.json").write_text(json.dumps({"title": "Budget", "outlet": ["Dawn", "Geo"], "authors": 5}))
    (folder / "escapes.txt").write_text("Terminal escapes\n\nThe \x1b[2J\x1b[31mcensus\x1b[0m counted \x07 15 million people.\n")
    (folder / "gwadar-port.txt").write_text(SCRIPT_ARTICLE)
    (folder / "front-matter.md").write_text("---\ntitle: !!python/object/apply:os.system ['touch /tmp/pwned']\n---\nBody.\n")
    (folder / "collection.jsonl").write_text(json.dumps({**GOOD_LINE, "id": "big", "text": "x " * 5_500_000}) + "\n"
                                             + json.dumps({**GOOD_LINE, "id": "small"}) + "\n")
    (folder / "traversal.jsonl").write_text(json.dumps({**GOOD_LINE, "id": "../../../../tmp/rag-escape"}) + "\n")
    return {
        "png-renamed.txt": "binary file", "empty.txt": "file is empty", "huge.txt": "the limit is",
        "latin1.txt": "not valid UTF-8", "utf16.txt": "UTF-16 text: save it as UTF-8",
        "ragged.csv": "more cells than the header", "deep.json": "nested too deeply",
        "typed.txt": "metadata field 'outlet' must be text", "front-matter.md": "cannot parse",
    }


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    sources = root / "sources"
    shutil.copytree(SOURCES, sources)
    expected = hostile_files(sources / "hostile")
    settings = Settings(index_dir=root / "index", sources_dir=sources)  # the default RAG_MAX_SOURCE_BYTES, 10 MB
    pipeline = Pipeline(settings)
    started = time.perf_counter()
    report = pipeline.ingest([sources])
    seconds = time.perf_counter() - started
    return {"pipeline": pipeline, "report": report, "expected": expected, "seconds": seconds, "settings": settings}


@pytest.fixture(scope="module")
def pipeline(index) -> Pipeline:
    return index["pipeline"]


@pytest.fixture(scope="module")
def base_url(index, pipeline):
    with running_server(create_app(api_settings(index["settings"]), pipeline)) as url:
        yield url


@pytest.fixture(scope="module")
def http(base_url):
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as client:
        yield client


@pytest.fixture(autouse=True)
def still_serving(http):
    yield
    answer = http.post("/v1/ask", json={"question": QUESTION})
    assert answer.status_code == 200, f"after this hostile input the server stopped answering: {answer.text[:300]}"
    assert answer.json()["answerable"] and "India" in answer.json()["answer"]


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    return response.json()["error"]


def raw_request(base_url: str, method: str, target: str, body: bytes = b"", headers: dict | None = None,
                with_headers: bool = False):
    """Send `target` byte for byte (httpx would normalise `..` and re-encode the path)."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = HTTPConnection(host, int(port), timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in {"Authorization": f"Bearer {KEY}", "Content-Length": str(len(body)), **(headers or {})}.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        if with_headers:
            return response.status, response.read(), dict(response.getheaders())
        return response.status, response.read()
    finally:
        conn.close()


# === questions =============================================================================================
def test_h01_empty_question(http):
    assert error_of(http.post("/v1/ask", json={"question": ""}), 422)["type"] == "bad_question"


def test_h02_whitespace_question(http):
    assert error_of(http.post("/v1/ask", json={"question": " \n\t\u3000 "}), 422)["type"] == "bad_question"


def test_h03_100_kb_question_is_413_before_parsing(http):
    error = error_of(http.post("/v1/ask", json={"question": "why " * 25_600}), 413)
    assert error["type"] == "body_too_large" and "RAG_MAX_BODY_BYTES" in error["message"]


def test_h04_question_over_the_length_limit(http, index):
    limit = index["settings"].max_question_chars
    error = error_of(http.post("/v1/ask", json={"question": "w" * (limit + 1)}), 422)
    assert error["type"] == "bad_question" and str(limit) in error["message"]


@pytest.mark.parametrize("control", ["\x00", "\x1b[2J", "\x07", "\x7f", "\x9b"], ids=["NUL", "ESC", "BEL", "DEL", "CSI"])
def test_h05_control_characters_in_question(http, control):
    error = error_of(http.post("/v1/ask", json={"question": f"Who did Pakistan {control} blame?"}), 422)
    assert error["type"] == "bad_question" and "control" in error["message"]


@pytest.mark.parametrize("path", ["/v1/ask", "/v1/ask/stream", "/v1/chat/completions"])
def test_h06_lone_surrogate_in_question(http, path):
    text = b'"Who did Pakistan blame \\ud800 for the attacks?"'
    body = b'{"messages": [{"role": "user", "content": ' + text + b"}]}" if "chat" in path else b'{"question": ' + text + b"}"
    error = error_of(http.post(path, content=body, headers={"Content-Type": "application/json"}), 422)
    assert error["type"] == "bad_question" and "surrogate" in error["message"]


def test_h06b_lone_surrogate_in_filters_and_history(http):
    headers = {"Content-Type": "application/json"}
    in_filter = http.post("/v1/ask", content=b'{"question": "Who did Pakistan blame?", "filters": {"sources": ["\\udfff"]}}',
                          headers=headers)
    assert error_of(in_filter, 422)["type"] == "bad_filter"
    in_history = http.post("/v1/ask", headers=headers, content=(
        b'{"question": "Did India respond?", "history": [{"role": "user", "content": "Who \\ud83d blamed India?"}]}'))
    assert error_of(in_history, 422)["type"] == "bad_question"


def test_h07_mixed_script_question_mostly_english_gets_the_same_answer_as_without_the_gloss(http):
    # The Urdu gloss repeats a word the question already has; no English passage can contain it, so it
    # must not turn an answerable question into a refusal.
    question = "Who did Pakistan blame for the attacks in Balochistan (بلوچستان)?"
    response = http.post("/v1/ask", json={"question": question})
    assert response.status_code == 200 and response.json()["question"] == question
    plain = http.post("/v1/ask", json={"question": "Who did Pakistan blame for the attacks in Balochistan?"}).json()
    body = response.json()
    assert body["answerable"] and body["answer"] == plain["answer"] and "India" in body["answer"]


def test_h08_question_mostly_in_another_script_is_refused_clearly(http):
    error = error_of(http.post("/v1/ask", json={"question": "پاکستان نے حملوں کا الزام کس پر لگایا؟"}), 422)
    assert error["type"] == "bad_question" and "English" in error["message"]


@pytest.mark.parametrize("question", [
    "Who did Pаkistan blame for the аttacks?",  # Cyrillic а homoglyphs
    "Who did Pakistan blame for the attacks?\u202e?skcatta",  # right-to-left override
    "Who\u200b did\u200b Pakistan\u200b blame\u200b for the attacks?",  # zero-width spaces
    "Ｗｈｏ ｄｉｄ Ｐａｋｉｓｔａｎ ｂｌａｍｅ?",  # full-width letters
], ids=["homoglyphs", "rtl-override", "zero-width", "full-width"])
def test_h09_unicode_tricks_get_an_answer_or_a_refusal_never_an_error(http, question):
    response = http.post("/v1/ask", json={"question": question})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        body = response.json()
        assert body["question"] == question and (body["answerable"] or body["answer"].startswith("The sources I have"))


def test_h10_html_in_question_is_text_everywhere(http):
    question = f"Who did Pakistan blame {SCRIPT} <!channel> & <b>why</b>?"
    answer = http.post("/v1/ask", json={"question": question})
    assert answer.status_code == 200 and answer.json()["question"] == question  # JSON carries it verbatim
    slack = http.post("/v1/ask", json={"question": question, "format": "slack"}).json()
    shown = json.dumps(slack)
    assert "<script" not in shown and "<!channel>" not in shown and "<b>" not in shown
    assert "<script" not in render.question_markdown(question) and "&lt;script&gt;" in render.question_markdown(question)


# === malformed bodies and wrong types, on every endpoint that takes one ========================================
BODY_ENDPOINTS = ["/v1/ask", "/v1/ask/stream", "/v1/chat/completions"]
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("path", BODY_ENDPOINTS)
@pytest.mark.parametrize("body", [b'{"question": "Who', b"", b"[]", b"null", b'"Who did Pakistan blame?"', b"{'single': 1}"],
                         ids=["truncated", "empty", "array", "null", "string", "python-dict"])
def test_h11_malformed_json(http, path, body):
    assert error_of(http.post(path, content=body, headers=JSON), 400)["type"] == "invalid_json"


WRONG_TYPES = {
    "/v1/ask": [{"question": 42}, {"question": ["Who?"]}, {"question": None}, {"question": QUESTION, "history": "hi"},
                {"question": QUESTION, "filters": "Al Jazeera"}, {"question": QUESTION, "filters": {"sources": "x"}},
                {"question": QUESTION, "filters": {"published_after": [2026]}}, {"question": QUESTION, "format": 1}],
    "/v1/ask/stream": [{"question": {"text": QUESTION}}, {"question": QUESTION, "history": [{"role": "user"}]},
                       {"question": QUESTION, "history": [["user", "hi"]]}],
    "/v1/chat/completions": [{"messages": "Who?"}, {"messages": [{"role": "user", "content": 5}]},
                             {"messages": [{"role": "robot", "content": "hi"}]}, {"messages": []},
                             {"messages": [{"role": "user", "content": QUESTION}], "n": 3},
                             {"messages": [{"role": "user", "content": QUESTION}], "tools": [{"type": "function"}]},
                             {"messages": [{"role": "user", "content": QUESTION}], "temperature": "hot"}],
}
WRONG_TYPE_CASES = [(path, body) for path, bodies in WRONG_TYPES.items() for body in bodies]


@pytest.mark.parametrize(("path", "body"), WRONG_TYPE_CASES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(WRONG_TYPE_CASES)])
def test_h12_wrong_types(http, path, body):
    error = error_of(http.post(path, json=body), 422)
    assert error["type"] == "invalid_request" and error["message"]


@pytest.mark.parametrize("path", BODY_ENDPOINTS)
def test_h13_deeply_nested_json(http, path):
    body = b'{"question": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    assert http.post(path, content=body, headers=JSON).status_code == 400


@pytest.mark.parametrize("path", BODY_ENDPOINTS)
def test_h14_invalid_utf8_body(http, path):
    assert http.post(path, content=b'{"question": "Who did \xff\xfe Pakistan blame?"}', headers=JSON).status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_h15_wrong_content_type(http, content_type):
    body = "question=Who+did+Pakistan+blame" if "form" in content_type else json.dumps({"question": QUESTION})
    response = http.post("/v1/ask", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_json"


@pytest.mark.parametrize(("method", "path"), [("PUT", "/v1/ask"), ("DELETE", "/v1/sources/balochistan-figures"),
                                              ("POST", "/v1/sources"), ("GET", "/v1/ask"), ("PATCH", "/v1/chat/completions")])
def test_h16_wrong_method(http, method, path):
    assert error_of(http.request(method, path), 405)["type"] == "method_not_allowed"


def test_h17_slack_body_that_is_not_a_slash_command(http):
    for body in (b'{"text": "Who did Pakistan blame?"}', b"text", b"text=&text=&command="):
        response = http.post("/slack/commands", content=body, headers=slack_headers(body))
        assert response.status_code == 200 and response.json()["response_type"] == "ephemeral"  # a private hint
    binary = b"text=\xff\xfe\x00"
    assert error_of(http.post("/slack/commands", content=binary, headers=slack_headers(binary)), 401)["type"] == "bad_signature"


# === oversized bodies ===========================================================================================
@pytest.mark.parametrize("path", [*BODY_ENDPOINTS, "/slack/commands"])
def test_h18_announced_oversized_body(base_url, path):
    status, body = raw_request(base_url, "POST", path, b"{}", {"Content-Length": str(10 * 1024 * 1024), "Content-Type": "application/json"})
    assert status == 413 and json.loads(body)["error"]["type"] == "body_too_large"  # answered without reading 10 MB


@pytest.mark.parametrize("path", [*BODY_ENDPOINTS, "/slack/commands"])
def test_h19_streamed_oversized_body(http, path):
    chunks = iter([b'{"question": "', *([b"x" * 16384] * 8), b'"}'])  # chunked: no Content-Length to trust
    assert error_of(http.post(path, content=chunks, headers=JSON), 413)["type"] == "body_too_large"


# === path traversal and odd ids ===================================================================================
TRAVERSALS = [
    "/v1/sources/..%2F..%2Fetc%2Fpasswd", "/v1/sources/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/v1/sources/..%252F..%252Fetc%252Fpasswd",
    "/v1/sources/../../etc/passwd", "/v1/sources/..", "/v1/sources/%2e%2e", "/v1/sources/..%5C..%5Cetc%5Cpasswd",
    "/v1/sources/%00", "/v1/sources/etc%2Fpasswd%00.txt", "/v1/sources/%c0%ae%c0%ae%2f", "/v1/../etc/passwd",
    "/v1/sources/'%20OR%201=1%20--", "/v1/sources/" + "a" * 8000,
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=range(len(TRAVERSALS)))
def test_h20_path_traversal_in_source_id(base_url, target):
    status, body, headers = raw_request(base_url, "GET", target, with_headers=True)
    if status == 307:  # a trailing (decoded) slash: Starlette points to the same path without it, on this server
        location = headers["location"]
        assert location.startswith(f"{base_url}/v1/sources/") and ".." not in location
        status, body = raw_request(base_url, "GET", location.removeprefix(base_url))
    assert status == 404, body[:300]
    error = json.loads(body)["error"]
    assert error["type"] in ("not_found", "source_not_found")
    assert b"root:" not in body and b"/bin/" not in body


def test_h21_traversal_in_filter_values_only_narrows(http):
    response = http.post("/v1/ask", json={"question": QUESTION, "filters": {"sources": ["../../etc/passwd", "..%2Fsecrets"]}})
    assert response.status_code == 200 and response.json()["answerable"] is False and response.json()["citations"] == []


def test_h22_traversal_in_a_collection_record_id_stays_an_id(pipeline):
    escaped = [s for s in pipeline.sources() if "rag-escape" in s.source_id]
    assert [s.source_id for s in escaped] == ["tmp-rag-escape"]  # slugged, and ids never become paths
    assert not Path("/tmp/rag-escape").exists()


# === keys and rate limits ===========================================================================================
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Bearer {KEY[:-1]}", f"Bearer {KEY}x", f"Bearer {KEY.upper()}",
                                           f"Basic {KEY}", f"bearer{KEY}", "Bearer", f"Bearer {KEY},{OTHER_KEY}"],
                         ids=["none", "wrong", "prefix", "suffix", "case", "basic", "no-space", "empty", "two-keys"])
def test_h23_bad_api_keys(base_url, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    with httpx.Client(base_url=base_url, timeout=30) as anonymous:
        response = anonymous.post("/v1/ask", json={"question": QUESTION}, headers=headers)
    assert error_of(response, 401)["type"] == "unauthorized" and response.headers["www-authenticate"] == "Bearer"


def test_h24_key_guessing_is_rate_limited_per_address(index, pipeline):
    settings = api_settings(index["settings"], rate_limit_per_minute=5)
    with running_server(create_app(settings, pipeline)) as url, httpx.Client(base_url=url, timeout=30) as client:
        statuses = [client.get("/v1/sources", headers={"Authorization": f"Bearer guess-{i}"}).status_code for i in range(7)]
        assert statuses == [401] * 5 + [429] * 2
        limited = client.get("/v1/sources", headers={"Authorization": "Bearer guess-8"})
        assert 1 <= int(limited.headers["retry-after"]) <= 12
        assert client.get("/v1/sources", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200  # keys still work


def test_h25_per_key_rate_limit_with_retry_after_then_recovery(index, pipeline):
    settings = api_settings(index["settings"], rate_limit_per_minute=60)  # a burst of 60, then one a second
    with running_server(create_app(settings, pipeline)) as url, httpx.Client(base_url=url, timeout=30) as client:
        key = {"Authorization": f"Bearer {KEY}"}
        responses = []
        while len(responses) < 300 and (not responses or responses[-1].status_code == 200):
            responses.append(client.get("/v1/models", headers=key))
        limited = responses[-1]
        assert limited.status_code == 429 and len(responses) > 60  # the whole burst, plus what refilled meanwhile
        wait = int(limited.headers["retry-after"])
        assert limited.json()["error"]["type"] == "rate_limited" and 1 <= wait <= 2
        assert client.get("/v1/models", headers={"Authorization": f"Bearer {OTHER_KEY}"}).status_code == 200
        time.sleep(wait)
        assert client.get("/v1/models", headers=key).status_code == 200


# === Slack signatures =============================================================================================
def slack_body(text: str = QUESTION) -> bytes:
    return f"command=%2Fask&text={text.replace(' ', '+')}&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1%2F2".encode()


def test_h26_slack_bad_signature(http):
    body = slack_body()
    for headers in (slack_headers(body, secret="not-the-secret"), {**slack_headers(body), "X-Slack-Signature": "v0=" + "0" * 64},
                    {**slack_headers(body), "X-Slack-Signature": "v1=abc"}, {"Content-Type": "application/x-www-form-urlencoded"}):
        assert error_of(http.post("/slack/commands", content=body, headers=headers), 401)["type"] == "bad_signature"


def test_h27_slack_replayed_signature(http):
    body = slack_body("How many attacks were there in 2025?")
    headers = slack_headers(body)
    assert http.post("/slack/commands", content=body, headers=headers).status_code == 200
    assert error_of(http.post("/slack/commands", content=body, headers=headers), 401)["type"] == "replayed_request"


@pytest.mark.parametrize("age_s", [6 * 60, -6 * 60], ids=["stale", "future"])
def test_h28_slack_timestamp_outside_the_window(http, age_s):
    body = slack_body()
    headers = slack_headers(body, timestamp=int(time.time()) - age_s)
    assert error_of(http.post("/slack/commands", content=body, headers=headers), 401)["type"] == "bad_signature"


def test_h29_slack_output_escapes_mrkdwn_from_sources(http, pipeline):
    question = "How many containers did Gwadar port handle in January?"
    answer = pipeline.ask(question)
    assert answer.answerable and any(SCRIPT in c.quote for c in answer.citations), answer.answer  # the quote has the markup
    message = http.post("/v1/ask", json={"question": question, "format": "slack"}).json()  # what /slack/commands sends
    assert message == format_slack(answer)
    shown = json.dumps(message)
    for raw in ("<script", "<!channel>", "<@U024BE7LH>", " & "):
        assert raw not in shown, raw
    assert "&lt;script&gt;" in shown and "&lt;!channel&gt;" in shown and "&amp;" in shown


def test_h30_ui_shows_source_markup_as_text(pipeline):
    answer = pipeline.ask("How many containers did Gwadar port handle in January?")
    texts = {c.source_id: pipeline.source(c.source_id).text for c in answer.citations}
    for shown in (render.sources_panel_html(answer, texts), render.chat_markdown(answer)):
        assert "<script" not in shown and "<!channel>" not in shown
    assert "&lt;script&gt;" in render.sources_panel_html(answer, texts)


# === hostile sources (one ingest of the `hostile/` folder; the rest of the index must be whole) ===================
def skipped(index, name: str) -> list[SkippedItem]:
    return [s for s in index["report"].skipped if s.path.rsplit("/", 1)[-1] == name]


def assert_not_indexed(pipeline: Pipeline, stem: str) -> None:
    assert not [s for s in pipeline.sources() if s.source_id == stem]
    assert not [c for c in pipeline.docs.chunk_ids() if c.startswith(f"{stem}::")]
    assert not [c for c in pipeline.vectors.all_ids() if c.startswith(f"{stem}::")]


@pytest.mark.parametrize("name", ["png-renamed.txt", "empty.txt", "huge.txt", "latin1.txt", "utf16.txt", "ragged.csv",
                                  "deep.json", "typed.txt", "front-matter.md"])
def test_h31_bad_source_files_are_skipped_with_a_reason_and_stored_nowhere(index, pipeline, name):
    (item,) = skipped(index, name)
    assert index["expected"][name] in item.reason, item.reason
    assert_not_indexed(pipeline, name.split(".")[0])


def test_h32_a_50_mb_source_is_skipped_without_being_read(index):
    (item,) = skipped(index, "huge.txt")
    assert item.reason == "file is 50.0 MB; the limit is 10.0 MB (RAG_MAX_SOURCE_BYTES)"
    assert index["seconds"] < 120  # reading, cleaning and embedding 50 MB would take far longer on this machine


def test_h33_jsonl_with_broken_lines_keeps_the_good_ones(index, pipeline):
    lines = sorted((s.line, s.reason) for s in skipped(index, "wire.jsonl"))
    assert [n for n, _ in lines] == [2, 3, 4]
    assert "invalid JSON" in lines[0][1] and "no 'text'" in lines[1][1] and "no 'text'" in lines[2][1]
    assert {"wire-0001", "wire-0004"} <= {s.source_id for s in pipeline.sources()}


def test_h34_oversized_record_in_a_collection_is_skipped_alone(index, pipeline):
    (item,) = skipped(index, "collection.jsonl")
    assert item.line == 1 and "RAG_MAX_SOURCE_BYTES" in item.reason
    ids = {s.source_id for s in pipeline.sources()}
    assert "small" in ids and "big" not in ids


def test_h35_control_characters_are_removed_from_source_text(pipeline):
    text = pipeline.source("escapes").text
    assert "\x1b" not in text and "\x07" not in text
    assert "The census counted  15 million people." in text  # escape sequences go whole, not just their ESC


def test_h36_script_in_a_source_is_stored_as_text(http):
    source = http.get("/v1/sources/gwadar-port").json()
    assert SCRIPT in source["text"] and source["title"] == "Port traffic at Gwadar"


def test_h37_index_is_whole_after_the_hostile_ingest(index, pipeline):
    report = index["report"]
    assert report.added == len(pipeline.sources())
    in_docstore = set(pipeline.docs.chunk_ids())
    assert in_docstore == pipeline.vectors.all_ids()  # no orphan or missing vectors
    keyword = pipeline._keyword_index()
    assert sorted(keyword.chunk_ids) == sorted(in_docstore)  # and BM25 holds exactly the same chunks
    assert len(report.skipped) == 9 + 3 + 1  # nine files, three broken jsonl lines, one oversized record


def test_h38_filters_with_unknown_values_are_just_empty(pipeline):
    answer = pipeline.ask(QUESTION, filters=Filters(outlets=["<script>"], sources=["' OR 1=1 --"]))
    assert not answer.answerable and answer.citations == []


def test_h39_settings_reject_a_nonsense_source_limit():
    with pytest.raises(ValueError, match="max_source_bytes"):
        Settings(max_source_bytes=10)


def test_h40_a_huge_history_message_costs_no_more_than_a_short_one(http):
    def follow_up(i: int, size: int) -> float:
        earlier = (f"Interior Minister Mohsin Naqvi blamed India for the attacks on day {i}. " * (size // 70))[:size]
        history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": earlier}]
        started = time.perf_counter()  # "he" makes the follow-up read the earlier answer for a name
        response = http.post("/v1/ask", json={"question": "What did he say?", "history": history})
        assert response.status_code == 200, response.text[:300]
        return time.perf_counter() - started

    short = min(follow_up(i, 300) for i in range(3))
    huge = min(follow_up(i, 60_000) for i in range(3, 6))  # distinct texts: no parse cache to hide the cost
    assert huge < short + 1.0, f"a 60 kB history message took {huge:.2f} s against {short:.2f} s"


@pytest.mark.parametrize("control", ["\x00", "\x1b[2J\x1b[31m", "\x07"], ids=["NUL", "ANSI", "BEL"])
def test_h41_control_characters_in_a_history_message_name_the_message(http, control):
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "India [1]."},
               {"role": "user", "content": f"Did India {control}respond?"}, {"role": "assistant", "content": "Yes [1]."}]
    for path in ("/v1/ask", "/v1/ask/stream"):
        error = error_of(http.post(path, json={"question": "What did he say?", "history": history}), 422)
        assert error["type"] == "bad_question" and error["message"] == "history[2] contains control characters"
    # OpenAI messages are counted as the client sent them, a tool message included
    messages = [{"role": "system", "content": "Be brief."}, {"role": "tool", "content": "ok"}, *history,
                {"role": "user", "content": "What did he say?"}]
    error = error_of(http.post("/v1/chat/completions", json={"messages": messages}), 422)
    assert error["type"] == "bad_question" and error["message"] == "messages[4] contains control characters"


@pytest.mark.parametrize("timestamp", ["²", "١٢٣", "12 34", "-5", "9" * 40],
                         ids=["superscript", "arabic-indic", "space", "negative", "huge"])
def test_h42_slack_timestamps_that_are_not_ascii_digits_are_401_not_500(http, timestamp):
    body = b"command=%2Fask&text=who+did+Pakistan+blame"
    headers = {**slack_headers(body), "X-Slack-Request-Timestamp": timestamp.encode()}  # raw UTF-8, as a client can send
    assert error_of(http.post("/slack/commands", content=body, headers=headers), 401)["type"] == "bad_signature"
    # the bot's endpoints (/slack/events, /slack/interactions) check signatures with the same function
    assert signed(SignatureVerifier("secret"), body, timestamp, "v0=" + "0" * 64) is False


def raw_exchange(base_url: str, payload: bytes, wait_s: float = 30) -> tuple[bytes, float]:
    """Send raw bytes on a fresh connection; return what the server sent before closing, and when it closed."""
    host, port = base_url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=wait_s) as sock:
        try:
            sock.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before the whole payload is sent: what it answered still counts
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return received, time.monotonic() - started


def test_h43_a_huge_header_is_refused_not_buffered(base_url):
    header = b"X-Padding: " + b"a" * (10 * 1024 * 1024) + b"\r\n"
    received, _ = raw_exchange(base_url, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n")
    assert received.startswith(b"HTTP/1.1 400"), received[:200]
    fine = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 8000 + b"\r\nConnection: close\r\n\r\n"
    assert raw_exchange(base_url, fine)[0].startswith(b"HTTP/1.1 200")  # ordinary headers still pass


def test_h44_half_sent_bodies_are_cut_off_after_the_idle_limit(index, pipeline):
    settings = api_settings(index["settings"], body_idle_s=1.0)
    with running_server(create_app(settings, pipeline)) as url:
        half = (b"POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\ncommand=%2Fask&te")
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            results = list(pool.map(lambda _: raw_exchange(url, half, wait_s=20), range(50)))
        for received, seconds in results:
            assert received.startswith(b"HTTP/1.1 408"), received[:200]
            assert b"body_timeout" in received and seconds < 10


def test_h45_responses_carry_no_server_paths_or_internal_urls(http, index):
    listed = http.get("/v1/sources").text
    root = str(Path(index["settings"].sources_dir).resolve().parent)
    assert root not in listed and "/tmp/" not in listed
    paths = {s["path"] for s in http.get("/v1/sources").json()["sources"]}
    assert "sources/articles/balochistan-attacks-pakistan-promises.txt" in paths
    assert not any(p.startswith("/") for p in paths)
    ready = http.get("/readyz").json()
    assert ready["store"] == "embedded" and "/" not in json.dumps(ready).replace("/v1", "")
