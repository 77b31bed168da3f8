import pytest
from pydantic import ValidationError

from rag.settings import Settings
from tests.conftest import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name, field in Settings.model_fields.items():
        # A setting with a conventional name of its own (SLACK_BOT_TOKEN) is documented under that name.
        env = field.validation_alias.choices[-1] if field.validation_alias else f"RAG_{name.upper()}"
        assert f"`{env}`" in readme, f"{env} is missing from the README's configuration table"


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAG_CHUNK_SIZE", "128")
    monkeypatch.setenv("RAG_API_KEYS", "k1, k2,,")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    settings = Settings()
    assert settings.chunk_size == 128
    assert settings.api_key_list() == ["k1", "k2"]
    assert settings.slack_signing_secret.get_secret_value() == "shh"
    assert "shh" not in repr(settings) and "k1" not in repr(settings)


@pytest.mark.parametrize("env, value", [("RAG_CHROMA_URL", "localhost:8000"), ("RAG_CHUNK_OVERLAP", "300"), ("RAG_PORT", "0")])
def test_bad_settings_fail_clearly(monkeypatch, env, value):
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError):
        Settings()
