"""A small, real Slack Web API on loopback for the bot's tests: it keeps threads, records every call, and
answers `auth.test`, `chat.postMessage`, `chat.postEphemeral`, `views.open` and `conversations.replies` as Slack does."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

BOT_USER, BOT_ID, BOT_TOKEN = "U0BOTUSER", "B0BOTAPP", "xoxb-test-token"


class FakeSlack:
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.messages: dict[str, list[dict]] = {}  # channel -> messages, oldest first
        self.tokens: set[str] = set()
        self.unreadable: set[str] = set()  # channels whose history the bot's scopes do not cover
        self._lock = threading.Lock()
        self._clock = 1_760_000_000
        self.app = FastAPI()
        self.app.add_api_route("/api/{method}", self._handle, methods=["GET", "POST"])
        self.app.add_api_websocket_route("/socket-mode", self._socket_mode)
        self.url = ""  # set by the test once the server is up
        self.socket_acks: list[dict] = []
        self._socket: tuple[WebSocket, asyncio.AbstractEventLoop] | None = None

    def next_ts(self) -> str:
        with self._lock:
            self._clock += 1
            return f"{self._clock}.000100"

    def say(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> dict:
        """A person's message, as Slack would hold it (the event about it is sent by the test)."""
        message = {"type": "message", "user": user, "text": text, "ts": self.next_ts(), **({"thread_ts": thread_ts} if thread_ts else {})}
        with self._lock:
            self.messages.setdefault(channel, []).append(message)
        return message

    def called(self, method: str) -> list[dict]:
        with self._lock:
            return [args for name, args in self.calls if name == method]

    def wait_for(self, method: str, count: int, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(found := self.called(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} called {len(found)} times, expected {count}: {self.calls}")
            time.sleep(0.05)
        return found

    def send_envelope(self, envelope: dict, timeout: float = 30) -> None:
        """Push a Socket Mode envelope to the connected app, as Slack does over its websocket."""
        deadline = time.monotonic() + timeout
        while self._socket is None:
            if time.monotonic() > deadline:
                raise AssertionError("no Socket Mode connection")
            time.sleep(0.05)
        socket, loop = self._socket
        asyncio.run_coroutine_threadsafe(socket.send_text(json.dumps(envelope)), loop).result(timeout)

    async def _socket_mode(self, socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_text(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A123456"}}))
        self._socket = (socket, asyncio.get_running_loop())
        try:
            while True:
                self.socket_acks.append(json.loads(await socket.receive_text()))
        except WebSocketDisconnect:
            self._socket = None

    async def _handle(self, method: str, request: Request) -> JSONResponse:
        args = dict(request.query_params)
        body = await request.body()
        if body:
            if request.headers.get("content-type", "").startswith("application/json"):
                args.update(json.loads(body))
            else:
                args.update(parse_qsl(body.decode()))
        self.tokens.add(request.headers.get("authorization", ""))
        with self._lock:
            self.calls.append((method, args))
        handler: Callable[[dict], dict] | None = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return JSONResponse({"ok": False, "error": "unknown_method"})
        if method == "conversations.replies" and args.get("channel") in self.unreadable:
            return JSONResponse({"ok": False, "error": "missing_scope", "needed": "groups:history"})
        return JSONResponse({"ok": True, **handler(args)})

    def _auth_test(self, args: dict) -> dict:
        return {"url": "https://newsroom.slack.com/", "team": "Newsroom", "user": "newsdesk", "team_id": "T0001",
                "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _chat_postMessage(self, args: dict) -> dict:
        blocks = args.get("blocks")
        message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": args.get("text", ""), "ts": self.next_ts(),
                   "blocks": json.loads(blocks) if isinstance(blocks, str) else (blocks or [])}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        with self._lock:
            self.messages.setdefault(args["channel"], []).append(message)
        return {"channel": args["channel"], "ts": message["ts"], "message": message}

    def _chat_postEphemeral(self, args: dict) -> dict:
        return {"message_ts": self.next_ts()}

    def _views_open(self, args: dict) -> dict:
        view = json.loads(args["view"]) if isinstance(args.get("view"), str) else args["view"]
        return {"view": {"id": "V0MODAL", "team_id": "T0001", **view}}

    def _apps_connections_open(self, args: dict) -> dict:
        return {"url": self.url.replace("http://", "ws://") + "/socket-mode"}

    def _conversations_replies(self, args: dict) -> dict:
        with self._lock:
            channel = list(self.messages.get(args["channel"], []))
        thread = [m for m in channel if m["ts"] == args["ts"] or m.get("thread_ts") == args["ts"]]
        return {"messages": thread, "has_more": False}
