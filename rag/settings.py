"""The one configuration object. Every setting comes from the environment (prefix `RAG_`) or `.env`.

Build it once at start-up (`Settings()`) and pass it down; nothing else in the project reads the
environment for configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EmbedModelName = Literal["minilm-l6-qint8", "minilm-l6-int8"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    # Where things live
    sources_dir: Path = Field(Path("sources"), description="Curated corpus ingested by default")
    index_dir: Path = Field(Path("index"), description="Embedded Chroma + keyword index directory")
    chroma_url: str | None = Field(None, description="Use a Chroma server (http://host:port) instead of the embedded store")
    chroma_timeout_s: float = Field(
        5.0, gt=0, le=300, description="Longest wait for one call to the vector store (server or embedded) before answering 503"
    )
    collection: str = Field("newsroom", description="Chroma collection name")
    model_cache_dir: Path = Field(
        Path("~/.cache/rag-newsroom"), description="Where the quantised embedding model is derived to on first use"
    )

    # Chunking and embedding (stored with the index: a mismatch refuses to query)
    embed_model: EmbedModelName = Field(
        "minilm-l6-qint8", description="Embedding model shipped in a pip package (`minilm-l6-int8`: the file as shipped)"
    )
    embed_batch_size: int = Field(16, ge=1, le=1024, description="Texts per embedding batch")
    chunk_size: int = Field(256, ge=32, le=2048, description="Chunk size in cl100k_base tokens")
    chunk_overlap: int = Field(32, ge=0, le=512, description="Token overlap between neighbouring chunks")
    min_free_mb: int = Field(
        64, ge=0, description="Ingest stops cleanly when the disk holding the index has less free space than this"
    )
    max_source_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, description="Largest source file (or .jsonl record) ingested; larger ones are skipped"
    )

    # Retrieval and answering
    top_k: int = Field(8, ge=1, le=100, description="Passages handed to the answerer")
    candidates: int = Field(40, ge=1, le=500, description="Candidates taken from each retriever before fusion")
    # Both fitted on the archive gold set's dev split over the full archive (bench/fusion_grid.py, best MRR;
    # BENCHMARKS.md): MRR 0.678 -> 0.732, recall@5 0.818 -> 0.871 against the textbook k=60, equal weights.
    rrf_k: int = Field(5, ge=1, description="Reciprocal-rank-fusion constant")
    bm25_weight: float = Field(2.0, gt=0, description="Weight of the BM25 ranking against the dense one in the fusion")
    refusal_threshold: float | None = Field(
        None, ge=0, le=1,
        description="Refuse below this confidence that the sources answer the question; unset = the threshold fitted with the weights",
    )
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted")

    # Optional generative backend (any OpenAI-compatible endpoint)
    llm_base_url: str | None = Field(None, description="OpenAI-compatible base URL; unset = extractive answers")
    llm_model: str | None = Field(None, description="Model name sent to the LLM endpoint")
    llm_api_key: SecretStr | None = Field(None, description="API key for the LLM endpoint")
    llm_timeout_s: float = Field(30.0, gt=0, description="LLM request timeout; on timeout the extractive answer is used")

    # Server
    host: str = Field("127.0.0.1", description="Bind address of `rag serve`")
    port: int = Field(8000, ge=1, le=65535, description="Port of `rag serve`")
    api_keys: SecretStr | None = Field(None, description="Comma-separated bearer keys for /v1/*; unset = loopback only")
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("RAG_SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
        description="Slack app signing secret (env SLACK_SIGNING_SECRET)",
    )
    slack_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("RAG_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        description="Slack bot token `xoxb-…` for mentions, DMs and feedback buttons (env SLACK_BOT_TOKEN)",
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("RAG_SLACK_APP_TOKEN", "SLACK_APP_TOKEN"),
        description="Slack app-level token `xapp-…` for Socket Mode, `rag serve --slack-socket` (env SLACK_APP_TOKEN)",
    )
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (tests point it at a fake)")
    max_body_bytes: int = Field(65536, ge=1024, description="Largest request body accepted")
    max_header_bytes: int = Field(
        32768, ge=4096, le=1_048_576, description="Largest request line plus headers accepted (400 and the connection closed beyond)"
    )
    body_idle_s: float = Field(10.0, gt=0, le=300, description="Longest pause while a request body arrives (408 beyond)")
    rate_limit_per_minute: int = Field(120, ge=1, description="Requests per minute per API key (or client)")

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url_is_http(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("RAG_CHROMA_URL must look like http://host:port")
        return value.rstrip("/")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, value: int, info) -> int:
        size = info.data.get("chunk_size", 256)
        if value >= size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("RAG_SLACK_API_URL must look like https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @property
    def docstore_path(self) -> Path:
        """The index's SQLite file: the docstore's tables, and the answers and feedback beside them."""
        return self.index_dir / "docstore.sqlite"

    def api_key_list(self) -> list[str]:
        if self.api_keys is None:
            return []
        return [k.strip() for k in self.api_keys.get_secret_value().split(",") if k.strip()]

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)
