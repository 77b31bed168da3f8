"""The chat UI: a Gradio Blocks app over one Pipeline. It formats and transports; Pipeline.ask answers.

    demo = build_ui(pipeline, settings)     # ui.server mounts it at "/" next to the HTTP API

Each turn's Answer is kept in a State: follow-ups send the earlier turns to Pipeline.ask as
[{"role", "content"}] history, and clicking an earlier answer shows its sources again. Each answer's
👍 / 👎 / "Flag as wrong" is stored against its answer id, as Slack's buttons and POST /v1/feedback are.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterator

import gradio as gr
from pydantic import ValidationError

from rag import errors
from rag.feedback import THANKS
from rag.models import Answer, Filters
from rag.pipeline import Pipeline
from rag.settings import Settings
from ui import render
from ui.examples import example_questions

logger = logging.getLogger("ui")

STREAM_WORDS = 3  # words per streamed piece
STREAM_PAUSE_S = 0.03  # between pieces, so the answer visibly streams rather than arriving at once
# Gradio draws "Like" and "Dislike" as thumbs and puts any other option under a flag icon.
FEEDBACK_OPTIONS = ("Like", "Dislike", "Flag as wrong")

INTRO = (
    "### Ask the newsroom's sources\n"
    "Answers come only from the indexed sources. Each claim ends with a marker like **[1]** that points to a "
    "quote in the *Sources* panel, highlighted in its paragraph. When the sources don't say, the answer says so "
    "and shows the nearest passages instead. Follow-up questions use the conversation so far."
)


# Browsers only offer the clipboard on https or loopback pages; elsewhere the plain-text box is the fallback.
COPY_JS = """(text) => {
  if (!text) return "nothing";
  if (!navigator.clipboard) return "unavailable";
  navigator.clipboard.writeText(text);
  return "copied";
}"""


def copied(outcome: str) -> None:
    if outcome == "copied":
        gr.Info("Answer with numbered sources copied as plain text.")
    elif outcome == "unavailable":
        gr.Warning("This browser blocks copying here: open “Answer with sources, as plain text” and copy it from there.")
    else:
        gr.Warning("Ask a question first: there is no answer to copy yet.")


def parse_date(label: str, value: str | None) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{label}: “{value}” is not a date. Use year-month-day, e.g. 2026-02-02.") from None


def filters_from_form(outlets: list[str] | None, source_ids: list[str] | None, after: str | None, before: str | None,
                      as_of: str | None) -> Filters | None:
    """The filter boxes as rag Filters (None when all are empty); ValueError with a message a reader understands."""
    dates = {
        "published_after": parse_date("Published from", after),
        "published_before": parse_date("Published until", before),
        "as_of": parse_date("As of", as_of),
    }
    try:
        filters = Filters(outlets=outlets or None, sources=source_ids or None, **dates)
    except ValidationError:
        raise ValueError(f"“Published from” ({dates['published_after']}) is later than “Published until” "
                         f"({dates['published_before']}).") from None
    return None if filters.is_empty() else filters


def conversation(answers: list[dict]) -> list[dict]:
    """Earlier turns as the history Pipeline.ask expects."""
    history: list[dict] = []
    for turn in answers:
        history += [{"role": "user", "content": turn["question"]}, {"role": "assistant", "content": turn["answer"]}]
    return history


def stream_pieces(text: str, words: int = STREAM_WORDS) -> Iterator[str]:
    """Growing prefixes of `text`, a few words at a time, ending with the whole text."""
    ends = [m.end() for m in re.finditer(r"\S+\s*", text)][words - 1::words]
    for end in ends:
        yield text[:end]
    if not ends or ends[-1] != len(text):
        yield text


def verdict(liked: bool | str) -> str | None:
    """Gradio's like data as a feedback value: True 👍, False 👎, the flag option "wrong"; "" is an undo."""
    if liked is True:
        return "up"
    if liked is False:
        return "down"
    return "wrong" if liked == FEEDBACK_OPTIONS[2] else None


def rate_answer(pipeline: Pipeline, answers: list[dict], index: int | tuple, liked: bool | str, user: str | None = None) -> str | None:
    """Store the feedback given on chat message `index` (questions and answers alternate, so answer index // 2);
    returns what to tell the reader, or None when there is nothing to store (an undo)."""
    value = verdict(liked)
    turn = index // 2 if isinstance(index, int) else -1
    if value is None or not 0 <= turn < len(answers):
        return None
    try:
        pipeline.feedback.record(answers[turn]["answer_id"], value, via="chat", user=user)
    except errors.AnswerNotFound:
        return "That answer is no longer on record, so the rating was not stored."
    return THANKS[value]


def build_ui(pipeline: Pipeline, settings: Settings) -> gr.Blocks:
    def source_texts(answer: Answer) -> dict[str, str]:
        texts = {}
        for source_id in {c.source_id for c in answer.citations} | {p.source_id for p in answer.related}:
            try:
                texts[source_id] = pipeline.source(source_id).text
            except errors.SourceNotFound:
                pass  # re-ingested since: the card falls back to the quote alone
        return texts

    def respond(question, chat, answers, outlets, source_ids, after, before, as_of):
        if not (question or "").strip():
            yield {status: render.status_html("Type a question first.")}
            return
        try:
            filters = filters_from_form(outlets, source_ids, after, before, as_of)
        except ValueError as exc:
            yield {status: render.status_html(f"Check the filters. {exc}")}
            return
        asked = [*chat, {"role": "user", "content": render.question_markdown(question)}]
        yield {chat_box: asked, question_box: "", status: ""}
        try:
            answer = pipeline.ask(question, conversation(answers), filters, remember=True)  # rateable
        except errors.RagError as exc:
            yield {chat_box: chat, question_box: question, status: render.status_html(str(exc))}
            return
        except Exception:
            # Keep the conversation consistent (one answer per question) and say so; the log has the details.
            logger.exception("the chat could not answer %r", question)
            yield {chat_box: chat, question_box: question, status: render.status_html("Something went wrong; please try again.")}
            return
        for prefix in stream_pieces(answer.answer):
            yield {chat_box: [*asked, {"role": "assistant", "content": render.chat_markdown(answer, prefix)}]}
            time.sleep(STREAM_PAUSE_S)
        yield {
            chat_box: [*asked, {"role": "assistant", "content": render.chat_markdown(answer)}],
            answers_state: [*answers, answer.model_dump(mode="json")],
            panel: render.sources_panel_html(answer, source_texts(answer)),
            copy_box: render.plain_text(answer),
        }

    def show_turn(answers: list[dict], evt: gr.SelectData):
        turn = evt.index // 2 if isinstance(evt.index, int) else len(answers) - 1
        if not 0 <= turn < len(answers):
            return gr.skip(), gr.skip()
        answer = Answer.model_validate(answers[turn])
        return render.sources_panel_html(answer, source_texts(answer)), render.plain_text(answer)

    def rate(answers: list[dict], evt: gr.LikeData, request: gr.Request):
        message = rate_answer(pipeline, answers, evt.index, evt.liked, user=getattr(request, "username", None))
        if message:
            gr.Info(message)

    def on_load():
        infos = pipeline.sources()
        outlets = sorted({s.outlet for s in infos if s.outlet})
        choices = [(f"{s.title} ({s.outlet or 'no outlet'}, {render.format_date(s.published)})", s.source_id) for s in infos]
        return gr.Dropdown(choices=outlets), gr.Dropdown(choices=choices), render.indexed_html(infos)

    def load_examples():
        # Its own event: finding examples runs Pipeline.ask a few times and must not hold up the filters.
        samples = [[q] for q in example_questions(pipeline)]
        return gr.Dataset(samples=samples, visible=bool(samples))

    def reset():
        return [], [], render.sources_panel_html(None, {}), "", ""

    with gr.Blocks(title="Ask the newsroom's sources") as demo:
        answers_state = gr.State([])
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                with gr.Accordion("Filters: outlet, dates, sources", open=False):
                    with gr.Row():
                        outlet_pick = gr.Dropdown(label="Outlets", multiselect=True, choices=[], elem_id="rag-outlets")
                        source_pick = gr.Dropdown(label="Only these sources", multiselect=True, choices=[], elem_id="rag-source-pick")
                    with gr.Row():
                        after_box = gr.Textbox(label="Published from", placeholder="YYYY-MM-DD", elem_id="rag-after")
                        before_box = gr.Textbox(label="Published until", placeholder="YYYY-MM-DD", elem_id="rag-before")
                        as_of_box = gr.Textbox(label="As of (ignore anything published later)", placeholder="YYYY-MM-DD",
                                               elem_id="rag-as-of")
                chat_box = gr.Chatbot(label="Conversation", height=460, latex_delimiters=[], feedback_options=FEEDBACK_OPTIONS,
                                      buttons=["copy"], elem_id="rag-chat",
                                      placeholder="Ask a question below, or pick one of the examples.")
                status = gr.HTML(elem_id="rag-status")
                with gr.Row():
                    question_box = gr.Textbox(show_label=False, placeholder="Ask about the indexed sources…", scale=5,
                                              max_lines=4, max_length=settings.max_question_chars, elem_id="rag-question",
                                              autofocus=True)
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-ask")
                examples = gr.Dataset(label="Example questions from the indexed sources", components=[question_box],
                                      samples=[], visible=False, elem_id="rag-examples")
                with gr.Row():
                    copy_btn = gr.Button("Copy answer with sources", elem_id="rag-copy-btn")
                    new_btn = gr.Button("New conversation", elem_id="rag-new")
                with gr.Accordion("Answer with sources, as plain text", open=False):
                    copy_box = gr.Textbox(show_label=False, lines=8, interactive=False, buttons=["copy"], elem_id="rag-copy")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                panel = gr.HTML(render.sources_panel_html(None, {}), elem_id="rag-sources")
        with gr.Accordion("What's indexed", open=False):
            indexed = gr.HTML(elem_id="rag-indexed")
        gr.Markdown("The same answers are available to programs through the [HTTP API](/docs).", elem_id="rag-footer")

        ask_inputs = [question_box, chat_box, answers_state, outlet_pick, source_pick, after_box, before_box, as_of_box]
        ask_outputs = [chat_box, question_box, status, answers_state, panel, copy_box]
        for trigger in (question_box.submit, ask_btn.click):
            trigger(respond, ask_inputs, ask_outputs, show_progress="minimal")
        examples.click(lambda sample: sample[0], [examples], [question_box]).then(respond, ask_inputs, ask_outputs)
        chat_box.select(show_turn, [answers_state], [panel, copy_box])
        chat_box.like(rate, [answers_state], None)
        copy_btn.click(copied, [copy_box], None, js=COPY_JS)
        new_btn.click(reset, None, [chat_box, answers_state, panel, copy_box, status])
        chat_box.clear(reset, None, [chat_box, answers_state, panel, copy_box, status])
        demo.load(on_load, None, [outlet_pick, source_pick, indexed])
        demo.load(load_examples, None, [examples])
    return demo


def theme() -> gr.themes.Base:
    """System fonts only: the page must not fetch fonts (or anything else) from outside the server."""
    return gr.themes.Default(font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"])
