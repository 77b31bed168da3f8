"""Request ids, one JSON log line per request, and Prometheus metrics.

Metrics live in a registry owned by each app, so several apps in one process (tests, a UI mounted
beside the API) never register the same metric twice. Logs carry method, route, status, timing,
client id and request id; never headers, bodies or keys.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.api.schemas import error_response
from rag.api.security import CLIENT_SCOPE_KEY

logger = logging.getLogger("rag.api")

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", "request_id", ...fields}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestIdFilter(logging.Filter):
    """Stamp the request id when the record is made: handlers may format it later, outside the request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


def configure_logging(level: int = logging.INFO) -> logging.Logger:
    """Give the `rag.api` logger a JSON handler on stderr, once per process."""
    if not any(isinstance(f, RequestIdFilter) for f in logger.filters):
        logger.addFilter(RequestIdFilter())
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False  # uvicorn/root handlers would print every line a second time, unformatted
    logger.setLevel(level)
    return logger


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rag_http_requests", "HTTP requests by route and status", ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "rag_http_request_seconds", "Time to the end of the response", ["method", "route"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.refusals = Counter(
            "rag_refusals", "Questions answered with 'cannot answer from the sources'", ["endpoint"],
            registry=self.registry,
        )
        self.errors = Counter(
            "rag_errors", "Failed requests by error type (library errors and internal errors)", ["type"],
            registry=self.registry,
        )
        self.stream_disconnects = Counter(
            "rag_stream_disconnects", "Streams the client closed before the final event", ["endpoint"],
            registry=self.registry,
        )

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _route_label(scope: Scope) -> str:
    # The route template ("/v1/sources/{source_id}"), never the raw path: ids would explode the label set.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class ObservabilityMiddleware:
    """Outermost layer: request id in and out, access log, metrics, and a JSON 500 as the last resort."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            self.metrics.errors.labels("internal_error").inc()
            logger.exception("unhandled error", extra={"fields": {"path": scope["path"]}})
            if not response_started:
                response = error_response(500, "internal_error", f"internal error (request id {request_id})")
                await response(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_label(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(elapsed)
            logger.info(
                "request",
                extra={"fields": {
                    "method": scope["method"], "route": route, "path": scope["path"], "status": status,
                    "ms": round(elapsed * 1000, 2), "client": scope.get(CLIENT_SCOPE_KEY),
                }},
            )
            request_id_var.reset(token)
