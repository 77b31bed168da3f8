"""Keep every library we use from reaching the network. Runs once, when `rag` is imported.

Why each line: tiktoken downloads its BPE files unless pointed at llama-index's bundled cache; Chroma,
Gradio and huggingface_hub send telemetry; llama-index silently falls back to OpenAI when no LLM is given.
"""

from __future__ import annotations

import functools
import os
from importlib import util
from pathlib import Path


def _llama_index_tiktoken_cache() -> str | None:
    spec = util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "_static" / "tiktoken_cache"
    return str(path) if path.is_dir() else None


def go_offline() -> None:
    cache = _llama_index_tiktoken_cache()
    if cache:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", cache)
    for name, value in {
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "CHROMA_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(name, value)


@functools.cache
def disable_llama_index_defaults() -> None:
    """No global LLM, so nothing can fall back to OpenAI. Called, once per process, by each module of rag
    that loads llama-index (answering a question loads none)."""
    import contextlib
    import io

    from llama_index.core import Settings as LlamaSettings

    # llama-index print()s a notice here, which would corrupt `--json` output on stdout.
    with contextlib.redirect_stdout(io.StringIO()):
        LlamaSettings.llm = None
