"""One ASGI app for `rag serve`: the HTTP API (/v1, /slack, /healthz, /readyz, /metrics, /docs) plus the chat at "/".

    app = build_app(Settings(), host="127.0.0.1")     # then uvicorn.run(app, host=..., port=...)

Both share ONE Pipeline, so the index and models are loaded once per process. The API's routes are
registered before the UI is mounted at "/", so they keep precedence over it.
"""

from __future__ import annotations

import hmac
import threading

import gradio as gr
from fastapi import FastAPI
from starlette.routing import Match, Mount
from starlette.types import Scope

from rag.api.app import API_PATHS, check_bind, create_app
from rag.pipeline import Pipeline
from rag.settings import Settings
from ui import render
from ui.app import build_ui, theme
from ui.examples import example_questions


def key_login(settings: Settings):
    """With RAG_API_KEYS set, the chat asks for one of the keys (as the password) like the API does.

    Without it the chat would be an unauthenticated way round the API's keys."""
    keys = [k.encode() for k in settings.api_key_list()]
    if not keys:
        return None

    def check(_username: str, password: str) -> bool:
        return any(hmac.compare_digest(password.encode(), key) for key in keys)

    return check


def build_app(settings: Settings, host: str, slack_socket: bool = False) -> FastAPI:
    check_bind(settings, host)  # refuses a non-loopback bind without API keys, before loading anything
    pipeline = Pipeline(settings)
    app = create_app(settings, pipeline, slack_socket=slack_socket)
    # Finding example questions takes a few asks; do it now so the first visitor does not wait for them.
    threading.Thread(target=example_questions, args=(pipeline,), name="warm-examples", daemon=True).start()
    app = gr.mount_gradio_app(
        app,
        build_ui(pipeline, settings),
        path="/",
        auth=key_login(settings),
        auth_message="Sign in with any name and one of the server's API keys (RAG_API_KEYS) as the password.",
        theme=theme(),
        css=render.CSS,
        footer_links=[],  # the HTTP API is documented at /docs; the page links there itself
        run_history=False,  # keeps past questions out of browser storage and off the Hub
        mcp_server=False,
        ssr_mode=False,  # no Node server
        show_error=True,
    )
    _leave_api_paths_to_the_api(app)
    return app


class ChatMount(Mount):
    """The chat at "/", except on the API's own paths. A mount at "/" matches every path, which would
    hide Starlette's 405 for a wrong method on an API route (PUT /v1/ask reached the chat and got its
    404) and give the chat's page for an unknown /v1/ path; the API answers those itself."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].startswith(API_PATHS):
            return Match.NONE, {}
        return super().matches(scope)


def _leave_api_paths_to_the_api(app: FastAPI) -> None:
    mounts = [route for route in app.router.routes if isinstance(route, Mount) and route.path == ""]
    if len(mounts) != 1:
        raise RuntimeError("expected the chat mounted at /")
    mounts[0].__class__ = ChatMount
