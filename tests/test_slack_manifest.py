"""slack/manifest.yml: the app it creates asks for what the bot uses and points at routes the server has."""

from __future__ import annotations

from urllib.parse import urlparse

import yaml
from conftest import ROOT

from rag.api.app import create_app
from rag.settings import Settings


def test_manifest_scopes_events_and_urls_match_the_server(tmp_path):
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "im:history", "channels:history", "groups:history", "commands"} <= scopes
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert settings["interactivity"]["is_enabled"] is True and settings["socket_mode_enabled"] is False
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/ask"
    urls = [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"], command["url"]]
    paths = create_app(Settings(index_dir=tmp_path)).openapi()["paths"]
    routes = {path for path, operations in paths.items() if "post" in operations}
    assert [urlparse(u).path for u in urls] == ["/slack/events", "/slack/interactions", "/slack/commands"]
    assert {urlparse(u).path for u in urls} <= routes
