"""Who may call the API and how much: bearer keys, a per-client rate limit, a body-size cap.

All three are plain ASGI middleware so they run before FastAPI parses anything: an anonymous or
over-limit client is turned away without its body being read or its JSON being looked at.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
import time

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.api.schemas import error_response
from rag.errors import RagError
from rag.settings import Settings

logger = logging.getLogger("rag.api")

CLIENT_SCOPE_KEY = "rag.client"  # who made the request ("key#2", "ip:127.0.0.1"), for logs; never the key


class InsecureBind(RagError):
    """Asked to listen beyond loopback with no API keys configured."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    """Refuse a non-loopback bind without RAG_API_KEYS; warn (and log) when serving unauthenticated."""
    if settings.api_key_list():
        return
    if not is_loopback(host):
        raise InsecureBind(
            f"RAG_API_KEYS is not set, so the API only listens on loopback; refusing to bind {host}. "
            "Set RAG_API_KEYS=<key>[,<key>...] or bind 127.0.0.1."
        )
    logger.warning(
        "RAG_API_KEYS is not set: /v1/* needs no key and the server listens on loopback (%s) only", host
    )


class RateLimiter:
    """A token bucket per client: `per_minute` requests of burst, refilled at per_minute/60 per second."""

    MAX_CLIENTS = 10_000

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.capacity = float(per_minute)
        self.refill_per_s = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last refill)

    def retry_after(self, client: str) -> int:
        """Take one token; 0 if allowed, else whole seconds until a token is available."""
        now = self.clock()
        tokens, last = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.refill_per_s)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            self._forget_idle(now)
            return 0
        self._buckets[client] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / self.refill_per_s))

    def _forget_idle(self, now: float) -> None:
        # Keyless deployments bucket by IP; drop buckets that have refilled so the dict stays bounded.
        if len(self._buckets) > self.MAX_CLIENTS:
            full = self.capacity / self.refill_per_s
            self._buckets = {c: (t, s) for c, (t, s) in self._buckets.items() if now - s < full}


class ApiGuard:
    """Bearer auth (when RAG_API_KEYS is set) and rate limiting for every path under /v1/."""

    def __init__(self, app: ASGIApp, settings: Settings, prefix: str = "/v1/"):
        self.app = app
        self.keys = [k.encode() for k in settings.api_key_list()]
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        client = self._identify(scope)
        if client is None:
            # Failed attempts spend the caller's address's allowance, so keys cannot be guessed at line speed.
            wait = self.limiter.retry_after(f"unauthenticated {_address(scope)}")
            response = (
                self._too_many(wait)
                if wait
                else error_response(
                    401,
                    "unauthorized",
                    "missing or invalid API key: send 'Authorization: Bearer <key>'",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            )
            await response(scope, receive, send)
            return
        scope[CLIENT_SCOPE_KEY] = client
        wait = self.limiter.retry_after(client)
        if wait:
            await self._too_many(wait)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _too_many(self, wait: int):
        return error_response(
            429,
            "rate_limited",
            f"more than {int(self.limiter.capacity)} requests a minute; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )

    def _identify(self, scope: Scope) -> str | None:
        if not self.keys:
            return _address(scope)
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            return None
        token = token.strip()
        match = None
        for number, key in enumerate(self.keys, 1):  # check every key: timing must not reveal which matched
            if hmac.compare_digest(token, key):
                match = f"key#{number}"
        return match


def _address(scope: Scope) -> str:
    return f"ip:{(scope.get('client') or ('unknown', 0))[0]}"


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Reject bodies over `max_bytes` with 413, whether announced by Content-Length or streamed.

    Only the API's own paths: a UI mounted on the same app (Gradio posts the whole chat history each
    turn) sets its own limits."""

    def __init__(self, app: ASGIApp, max_bytes: int, idle_s: float, prefixes: tuple[str, ...] = ("/v1/", "/slack/")):
        self.app = app
        self.max_bytes, self.idle_s = max_bytes, idle_s
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        too_large = error_response(
            413, "body_too_large", f"request body is larger than {self.max_bytes} bytes (RAG_MAX_BODY_BYTES)"
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await too_large(scope, receive, send)
            return
        try:
            body = await self._read(receive)
        except BodyTooLarge:
            await too_large(scope, receive, send)
            return
        except TimeoutError:
            # A client that stops half-way through its body would otherwise hold the connection for good.
            slow = error_response(408, "body_timeout", f"no part of the request body arrived for {self.idle_s:g} s",
                                  headers={"Connection": "close"})
            await slow(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            # Bodies are small (the cap is KBs), so buffering once lets every handler read it normally;
            # later receive() calls go to the server, which is how streams notice a disconnect.
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            with anyio.fail_after(self.idle_s):
                message = await receive()
            if message["type"] == "http.disconnect":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                raise BodyTooLarge
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(parts)
