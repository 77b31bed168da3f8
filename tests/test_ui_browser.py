"""The chat UI in a real browser: `rag serve` in a subprocess, Debian's headless Chromium driven by Playwright.

The index is the curated sources plus one hostile article whose text holds `<script>window.__pwned=1</script>`.
The tests share one page and run in file order, like a reporter's session. Screenshots and the measured
question→first-token time land in tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from conftest import ROOT, SOURCES

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
RAG = Path(sys.executable).with_name("rag")
FIRST_TOKEN_S: list[tuple[str, float]] = []  # (question, seconds from clicking Ask to the answer's first words)
TITLE = "How Balochistan attacks threaten Pakistan's promises to China, Trump"
SCRIPT = "<script>window.__pwned=1</script>"
HOSTILE_TEXT = f"""Quetta reservoirs fall to record low

The Quetta water board said on Monday that the Hanna Lake reservoir had fallen to 12 percent of capacity.
Its notice to residents, posted online, carried a stray fragment of page code: {SCRIPT} which the board said was a publishing error.
Board chairman Tariq Mengal said the city had enough water for six weeks.
"""
HOSTILE_META = {"title": "Quetta <b>reservoirs</b> fall to record low", "outlet": "Test Desk", "published": "2026-01-20",
                "url": "javascript:window.__pwned=2"}

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served_index(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ui-browser") / "index"


@pytest.fixture(scope="module")
def server(served_index):
    """`rag ingest` then `rag serve` on a free loopback port; yields the base URL."""
    tmp = served_index.parent
    hostile = tmp / "extra" / "quetta-water.txt"
    hostile.parent.mkdir()
    hostile.write_text(HOSTILE_TEXT, encoding="utf-8")
    hostile.with_name("quetta-water.meta.json").write_text(json.dumps(HOSTILE_META), encoding="utf-8")
    index = served_index
    # The console script would import the installed checkout; PYTHONPATH makes it this one (a worktree too).
    env = {**os.environ, "RAG_API_KEYS": "", "PYTHONPATH": str(ROOT)}
    subprocess.run([RAG, "ingest", SOURCES, hostile.parent, "--index", index], check=True, cwd=ROOT, env=env,
                   capture_output=True, timeout=300)
    port = free_port()
    log = (tmp / "serve.log").open("w")
    proc = subprocess.Popen([RAG, "serve", "--index", index, "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"rag serve did not become ready:\n{(tmp / 'serve.log').read_text()[-3000:]}")
    yield base
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def session(server):
    """(page, hosts): one page for the whole module and every host:port it sent a request to."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1360, "height": 1000})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
        page = context.new_page()
        hosts: set[str] = set()
        page.on("request", lambda request: hosts.add(urlparse(request.url).netloc) if request.url.startswith(("http", "ws")) else None)
        page.goto(server)
        yield page, hosts
        browser.close()


def shoot(page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"ui-{name}.png", full_page=True)


def ask(page, question: str) -> float:
    """Type and send a question; seconds until the new answer's first words show, then wait for its sources."""
    bots = page.locator('#rag-chat [data-testid="bot"]')
    before = bots.count()
    page.locator("#rag-question textarea").fill(question)
    started = time.perf_counter()
    page.locator("#rag-ask").click()
    bots.nth(before).filter(has_text=" ").wait_for(timeout=60_000)
    first_token = round(time.perf_counter() - started, 3)
    FIRST_TOKEN_S.append((question, first_token))
    (ARTIFACTS / "ui-timings.json").write_text(json.dumps(FIRST_TOKEN_S, indent=1))
    sources_for = page.locator("#rag-sources .rag-for").filter(has_text=question[:40])
    sources_for.wait_for(timeout=60_000)
    return first_token


def new_conversation(page) -> None:
    page.locator("#rag-new").click()
    sync_api.expect(page.locator('#rag-chat [data-testid="bot"]')).to_have_count(0)


def last_answer(page) -> str:
    return page.locator('#rag-chat [data-testid="bot"]').last.inner_text()


def test_first_view_explains_itself_and_lists_examples_and_the_index(session):
    page, _ = session
    page.get_by_text("Answers come only from the indexed sources").wait_for(timeout=60_000)
    examples = page.locator("#rag-examples")
    examples.get_by_text("Who did Mohsin Naqvi blame?").wait_for(timeout=120_000)  # drawn from the seed article
    page.get_by_text("What's indexed").click()
    indexed = page.locator("#rag-indexed")
    indexed.get_by_text("3 sources").wait_for()
    assert TITLE in indexed.inner_text() and "Al Jazeera" in indexed.inner_text()
    shoot(page, "01-first-view")
    page.get_by_text("What's indexed").click()


def test_answer_streams_with_markers_and_a_source_card_with_highlighted_quote(session):
    page, _ = session
    first_token = ask(page, "Who did Pakistan blame for the attacks?")
    answer = last_answer(page)
    assert "India" in answer and "[1]" in answer
    card = page.locator("#rag-sources .rag-citation").first
    assert TITLE in card.inner_text() and "Al Jazeera · 2 February 2026" in card.inner_text()
    assert "India" in card.locator("mark").first.inner_text()
    shoot(page, "02-answer")
    print(f"\nquestion → first streamed token in the browser: {first_token * 1000:.0f} ms")


def test_thumbs_down_on_an_answer_is_stored_for_the_editors(session, served_index):
    from rag.feedback import FeedbackStore

    page, _ = session
    page.locator("#rag-chat").get_by_role("button", name="Dislike").last.click()
    page.get_by_text("Thanks, noted 👎").wait_for(timeout=10_000)
    store = FeedbackStore(served_index / "docstore.sqlite")
    [flagged] = store.flagged()
    store.close()
    assert (flagged.value, flagged.via) == ("down", "chat")
    assert flagged.answered.question == "Who did Pakistan blame for the attacks?" and "India" in flagged.answered.answer


def test_copy_answer_with_sources_gives_plain_text_with_numbered_sources(session):
    page, _ = session
    page.locator("#rag-copy-btn").click()
    page.get_by_text("Answer with numbered sources copied as plain text.").wait_for(timeout=10_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "India" in copied and "\nSources:\n[1] " + TITLE in copied and "<" not in copied


def test_follow_up_uses_the_conversation(session):
    page, _ = session
    new_conversation(page)
    ask(page, "Who is Tariq Mengal?")
    ask(page, "What did he say?")  # alone this is refused ("don't say what he said"); "he" comes from the first turn
    assert page.locator('#rag-chat [data-testid="bot"]').count() == 2
    assert "enough water for six weeks" in last_answer(page)
    shoot(page, "03-follow-up")
    page.locator('#rag-chat [data-testid="bot"]').first.click()  # an earlier answer's sources come back
    page.locator("#rag-sources .rag-for").get_by_text("Who is Tariq Mengal?").wait_for(timeout=10_000)


def test_unanswerable_question_is_refused_with_nearest_passages(session):
    page, _ = session
    ask(page, "What is the literacy rate in Balochistan?")
    refusal = last_answer(page)
    assert refusal.startswith("⚠️") and "don't say" in refusal
    panel = page.locator("#rag-sources")
    assert panel.locator(".rag-refusal-banner").is_visible()
    assert panel.locator(".rag-citation").count() == 0
    shoot(page, "04-refusal")


def test_bad_date_filter_gets_a_clear_message_and_asks_nothing(session):
    page, _ = session
    new_conversation(page)
    page.get_by_text("Filters: outlet, dates, sources").click()
    page.locator("#rag-after textarea, #rag-after input").first.fill("2026-13-45")
    page.locator("#rag-question textarea").fill("Who did Pakistan blame for the attacks?")
    page.locator("#rag-ask").click()
    page.locator("#rag-status").get_by_text("“2026-13-45” is not a date").wait_for(timeout=30_000)
    assert page.locator('#rag-chat [data-testid="bot"]').count() == 0
    shoot(page, "05-bad-filter")
    page.locator("#rag-after textarea, #rag-after input").first.fill("")
    page.get_by_text("Filters: outlet, dates, sources").click()


def test_as_of_date_leaves_out_later_sources(session):
    page, _ = session
    page.get_by_text("Filters: outlet, dates, sources").click()
    as_of = page.locator("#rag-as-of textarea, #rag-as-of input").first
    as_of.fill("2026-01-25")  # the Al Jazeera article and its figures are from 2 February
    ask(page, "Who did Pakistan blame for the attacks?")
    assert "Al Jazeera" not in page.locator("#rag-sources").inner_text()
    as_of.fill("")
    page.get_by_text("Filters: outlet, dates, sources").click()


def test_clicking_an_example_asks_it(session):
    page, _ = session
    new_conversation(page)
    page.locator("#rag-examples").get_by_text("Who did Mohsin Naqvi blame?").click()
    page.locator("#rag-sources .rag-for").get_by_text("Who did Mohsin Naqvi blame?").wait_for(timeout=60_000)
    assert "India" in last_answer(page)


def test_script_in_a_source_is_shown_as_text_and_never_runs(session):
    page, _ = session
    ask(page, "What did the notice to residents carry?")
    assert page.evaluate("window.__pwned") is None
    assert SCRIPT in last_answer(page)
    panel = page.locator("#rag-sources")
    assert SCRIPT in panel.locator(".rag-citation mark").first.inner_text()
    assert "Quetta <b>reservoirs</b> fall to record low" in panel.inner_text()
    assert panel.locator("a").count() == 0  # the javascript: url is not a link
    shoot(page, "06-script-in-source")


def test_html_in_a_question_is_shown_as_text(session):
    page, _ = session
    question = '<img src=x onerror="window.__pwned=3"><b>Who</b> did Pakistan blame for the attacks?'
    ask(page, question)
    assert page.evaluate("window.__pwned") is None
    user = page.locator('#rag-chat [data-testid="user"]').last
    assert user.inner_text().strip() == question
    assert user.locator("img, b").count() == 0


def test_api_routes_still_work_next_to_the_ui(session, server):
    page, _ = session
    for path in ("/healthz", "/v1/sources", "/docs", "/openapi.json"):
        assert page.request.get(server + path).status == 200, path
    assert TITLE in page.request.get(server + "/v1/sources").text()


def test_wrong_methods_on_api_routes_are_405_json_with_the_chat_mounted(session, server):
    page, _ = session
    for method, path, allowed in (("put", "/v1/ask", "POST"), ("delete", "/v1/sources", "GET"), ("get", "/v1/feedback", "POST")):
        response = getattr(page.request, method)(server + path)
        assert response.status == 405, (method, path, response.status)
        assert response.json()["error"]["type"] == "method_not_allowed" and allowed in response.headers["allow"]
    unknown = page.request.get(server + "/v1/nothing-here")
    assert unknown.status == 404 and unknown.json()["error"]["type"] == "not_found"  # the API's 404, not the chat page


def test_api_docs_render_without_internet(session, server):
    page, _ = session
    page.goto(server + "/docs")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for(timeout=30_000)
    assert "Newsroom RAG API" in title.inner_text()
    assert page.locator(".opblock-summary-path", has_text="/v1/ask").count() >= 1
    shoot(page, "09-api-docs")


def test_no_request_left_the_machine(session, server):
    _, hosts = session
    assert hosts == {urlparse(server).netloc}
