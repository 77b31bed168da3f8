"""The HTTP API: one process, one Pipeline, every endpoint a thin shell over Pipeline.ask/sources/ready.

    from rag.api.app import create_app
    app = create_app(Settings())          # `rag serve` runs this under uvicorn
    # or: uvicorn --factory rag.api.app:app_from_env

Error statuses: BadQuestion/BadFilter/BadFeedback 422, SourceNotFound/AnswerNotFound 404, StoreUnavailable/IndexEmpty/IndexMismatch
503. An empty index is 503 rather than 409 because no request can fix it: the server is not ready
(and /readyz says so) until someone runs `rag ingest`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer
from fastapi_offline import FastAPIOffline
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag import errors
from rag.api import openai_compat, slack, slack_bot
from rag.api.observability import Metrics, ObservabilityMiddleware, configure_logging
from rag.api.schemas import (
    ERROR_RESPONSES,
    AskRequest,
    FeedbackReceipt,
    FeedbackRequest,
    ReadyStatus,
    SlackMessage,
    SourceList,
    StreamCitations,
    StreamDone,
    StreamRequest,
    StreamText,
    error_response,
    split_for_stream,
)
from rag.api.security import CLIENT_SCOPE_KEY, ApiGuard, BodySizeLimit, InsecureBind, check_bind
from rag.feedback import FeedbackRecord, FeedbackValue
from rag.models import Answer, Filters, Message, Source
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.pipeline import Pipeline

__all__ = ["InsecureBind", "app_from_env", "check_bind", "create_app", "server_config"]

logger = logging.getLogger("rag.api")

ERROR_STATUS: list[tuple[type[errors.RagError], int, str]] = [
    (errors.BadQuestion, 422, "bad_question"),
    (errors.BadFilter, 422, "bad_filter"),
    (errors.SourceNotFound, 404, "source_not_found"),
    (errors.AnswerNotFound, 404, "answer_not_found"),
    (errors.BadFeedback, 422, "bad_feedback"),
    (errors.IndexEmpty, 503, "index_empty"),
    (errors.StoreUnavailable, 503, "store_unavailable"),
    (errors.IndexMismatch, 503, "index_mismatch"),
    (errors.LLMUnavailable, 503, "llm_unavailable"),
    (errors.DiskFull, 503, "disk_full"),
    (errors.IndexReadOnly, 503, "index_read_only"),
]
WARM_UP_QUESTION = "What happened?"
ASK_THREADS = 24
DOCS_ASSETS = "/docs-assets"
# Paths that belong to the API even when another app (the chat) is mounted at "/" beside it.
API_PATHS = ("/v1/", "/slack/", "/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json")
HTTP_ERROR_TYPES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


class PipelineHolder:
    """Builds the Pipeline on first use (it loads ONNX, spaCy and Chroma) and keeps it for the process."""

    def __init__(self, settings: Settings, pipeline: Pipeline | None):
        self.settings = settings
        self.pipeline = pipeline
        self.warm = False
        self._build_lock, self._warm_lock = threading.Lock(), threading.Lock()

    async def get(self) -> Pipeline:
        if self.pipeline is None:
            await run_in_threadpool(self._build)
        return self.pipeline

    def _build(self) -> None:
        with self._build_lock:
            if self.pipeline is None:
                from rag.pipeline import Pipeline

                self.pipeline = Pipeline(self.settings)  # a failure (Chroma down) is retried next request

    def warm_up(self) -> None:
        """Ask one question so that loading spaCy, the BM25 index and ONNX (measured: ~8 s on a cold
        process) is not paid by the first user, who may be a Slack command with a 3 s budget."""
        with self._warm_lock:
            if self.warm:
                return
            started = time.perf_counter()
            try:
                self._build()
                self.pipeline.ask(WARM_UP_QUESTION)
            except errors.RagError as exc:  # empty index, store down: /readyz reports it; retry later
                logger.warning("warm-up incomplete: %s", exc)
                return
            self.warm = True
            logger.info("pipeline warm", extra={"fields": {"seconds": round(time.perf_counter() - started, 2)}})


def app_from_env() -> FastAPI:
    """Zero-argument factory for `uvicorn --factory`; settings come from the environment."""
    return create_app(Settings())


def create_app(settings: Settings, pipeline: Pipeline | None = None, slack_socket: bool = False) -> FastAPI:
    """`slack_socket=True` also connects the Slack bot over Socket Mode (SLACK_APP_TOKEN) while serving."""
    configure_logging()
    holder = PipelineHolder(settings, pipeline)
    metrics = Metrics()
    if slack_socket and not (settings.slack_signing_secret and settings.slack_bot_token and settings.slack_app_token):
        raise errors.RagError("Socket Mode needs SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_APP_TOKEN")

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        warming = asyncio.create_task(_warm_in_background(holder))  # start serving /healthz meanwhile
        socket = slack_bot.socket_mode_handler(settings, bolt) if slack_socket else None
        if socket is not None:
            await socket.connect_async()
        yield
        warming.cancel()
        if socket is not None:
            await socket.close_async()

    # Swagger UI and ReDoc served from fastapi-offline's own copies: FastAPI's pages load them from a CDN,
    # so /docs was a blank page on a newsroom machine without internet.
    app = FastAPIOffline(
        static_url=DOCS_ASSETS,
        lifespan=lifespan,
        title="Newsroom RAG API",
        summary="Answers from curated newsroom sources, every claim cited to a verified quote.",
    )
    app.state.settings, app.state.pipelines, app.state.metrics = settings, holder, metrics
    # Added last = runs first: observability wraps everything, then auth, then the body cap.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, idle_s=settings.body_idle_s)
    app.add_middleware(ApiGuard, settings=settings)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    _install_error_handlers(app, metrics)

    # Questions get threads of their own: when they all wait on a slow store, the default pool still
    # serves /v1/sources, /readyz and the chat's static files.
    asking = anyio.CapacityLimiter(ASK_THREADS)

    async def ask(question: str, history: list[Message] | tuple = (), filters: Filters | None = None,
                  endpoint: str = "ask") -> Answer:
        pipeline = await holder.get()
        answer = await anyio.to_thread.run_sync(pipeline.ask, question, history, filters, True, limiter=asking)  # remembered: rateable
        if not answer.answerable:
            metrics.refusals.labels(endpoint).inc()
        return answer

    async def give_feedback(answer_id: str, value: FeedbackValue, comment: str | None = None, *, via: str,
                            user: str | None = None) -> FeedbackRecord:
        pipeline = await holder.get()
        return await run_in_threadpool(lambda: pipeline.feedback.record(answer_id, value, comment, via=via, user=user))

    def disconnected(endpoint: str):
        return lambda: metrics.stream_disconnects.labels(endpoint).inc()

    # Documents the bearer scheme in /docs; ApiGuard does the checking, before the body is even read.
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(HTTPBearer(auto_error=False))], responses=ERROR_RESPONSES)

    @v1.post("/ask", response_model=Answer | SlackMessage, tags=["ask"])
    async def ask_endpoint(body: AskRequest):
        """Answer a question from the indexed sources. `format: "slack"` returns a Slack message payload."""
        answer = await ask(body.question, body.messages(), body.filters)
        return format_answer(answer, body.format)

    @v1.post("/ask/stream", response_class=EventSourceResponse, tags=["ask"])
    async def ask_stream(body: StreamRequest):
        """Server-Sent Events: `answer` events (text pieces), one `citations` event, then `done`.
        Joining the pieces gives exactly /v1/ask's answer; the citations are the same list."""
        answer = await ask(body.question, body.messages(), body.filters, endpoint="stream")
        on_disconnect = disconnected("stream")

        async def events():
            finished = False
            try:
                for piece in split_for_stream(answer.answer):
                    yield ServerSentEvent(event="answer", data=StreamText(text=piece).model_dump_json())
                yield ServerSentEvent(event="citations", data=StreamCitations(citations=answer.citations).model_dump_json())
                done = StreamDone(**answer.model_dump(include=set(StreamDone.model_fields)))
                yield ServerSentEvent(event="done", data=done.model_dump_json())
                finished = True
            finally:
                if not finished:
                    on_disconnect()

        return EventSourceResponse(events(), ping=15, send_timeout=30)

    @v1.post("/feedback", response_model=FeedbackReceipt, status_code=201, tags=["feedback"])
    async def feedback(body: FeedbackRequest, request: Request) -> FeedbackReceipt:
        """Rate an earlier answer by its `answer_id`: `up`, `down` or `wrong` (with an optional comment).
        Flagged answers (`down`, `wrong`) become eval candidates with `rag feedback export`."""
        stored = await give_feedback(body.answer_id, body.value, body.comment, via="api", user=request.scope.get(CLIENT_SCOPE_KEY))
        return FeedbackReceipt(answer_id=body.answer_id, value=stored.value, question=stored.answered.question)

    @v1.get("/sources", response_model=SourceList, tags=["sources"])
    async def list_sources() -> SourceList:
        """Every indexed source with its metadata and chunk count."""
        pipeline = await holder.get()
        return SourceList(sources=await run_in_threadpool(pipeline.sources))

    @v1.get("/sources/{source_id}", response_model=Source, tags=["sources"])
    async def get_source(source_id: str) -> Source:
        """One source's full text and metadata; citation offsets index into `text`."""
        pipeline = await holder.get()
        return await run_in_threadpool(pipeline.source, source_id)

    openai_compat.add_routes(v1, ask, disconnected("chat"))
    app.include_router(v1)
    app.include_router(slack.build_router(settings, ask))
    bolt = app.state.slack_bolt = slack_bot.build_bolt_app(settings, ask, give_feedback)
    app.include_router(slack_bot.build_router(settings, bolt))

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict:
        """The process is up (says nothing about the index)."""
        return {"ok": True}

    @app.get("/readyz", response_model=ReadyStatus, tags=["ops"], responses={503: {"model": ReadyStatus}})
    async def readyz():
        """Ready to answer: the index has chunks and Chroma answers a heartbeat."""
        try:
            pipeline = await holder.get()
            await run_in_threadpool(holder.warm_up)  # waits for a warm-up in progress
            status = ReadyStatus(**await run_in_threadpool(pipeline.ready))
        except errors.RagError as exc:
            status = ReadyStatus(ok=False, store="server" if settings.chroma_url else "embedded", error=str(exc))
        return JSONResponse(status.model_dump(), status_code=200 if status.ok else 503)

    @app.get("/metrics", tags=["ops"], response_class=Response)
    async def prometheus_metrics() -> Response:
        """Prometheus text format: requests, latency, refusals, errors, stream disconnects."""
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    return app


def server_config(app, settings: Settings, host: str, port: int, **overrides) -> uvicorn.Config:
    """How `rag serve` runs the app: h11, because it caps the request line plus headers
    (RAG_MAX_HEADER_BYTES; httptools accepts any size) - a 10 MB header is refused, not buffered."""
    options = {"log_level": "info", "access_log": False, **overrides}  # the API logs JSON lines itself
    return uvicorn.Config(app, host=host, port=port, http="h11", h11_max_incomplete_event_size=settings.max_header_bytes,
                          **options)


async def _warm_in_background(holder: PipelineHolder) -> None:
    try:
        await run_in_threadpool(holder.warm_up)
    except Exception:
        logger.exception("warm-up failed")


def format_answer(answer: Answer, fmt: str):
    return JSONResponse(slack.format_slack(answer)) if fmt == "slack" else answer


def _install_error_handlers(app: FastAPI, metrics: Metrics) -> None:
    @app.exception_handler(errors.RagError)
    async def rag_error(request: Request, exc: errors.RagError) -> JSONResponse:
        status, kind = next(((s, k) for cls, s, k in ERROR_STATUS if isinstance(exc, cls)), (500, "rag_error"))
        metrics.errors.labels(kind).inc()
        return error_response(status, kind, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        # The body as a whole is unusable (not JSON, not an object, absent): a 400, not a field error.
        if any(p["type"] == "json_invalid" or tuple(p["loc"]) == ("body",) for p in problems):
            return error_response(400, "invalid_json", "the request body must be a JSON object")
        message = "; ".join(f"{'.'.join(str(x) for x in p['loc'][1:]) or p['loc'][0]}: {p['msg']}" for p in problems)
        return error_response(422, "invalid_request", message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = HTTP_ERROR_TYPES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, kind, str(exc.detail), headers=getattr(exc, "headers", None))
