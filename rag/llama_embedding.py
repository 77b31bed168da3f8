"""MiniLM as a llama-index `BaseEmbedding`, for code that hands llama-index an embedding model (the plain
llama-index baseline of bench/). Apart from rag.embedding so that answering a question never loads
llama-index."""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.embedding import MiniLMEmbedding
from rag.offline import disable_llama_index_defaults

disable_llama_index_defaults()  # llama-index is loaded from here on: nothing may fall back to OpenAI


class LlamaIndexMiniLM(BaseEmbedding):
    """The same vectors as `MiniLMEmbedding`, through llama-index's interface."""

    _encoder: MiniLMEmbedding = PrivateAttr()

    def __init__(self, encoder: MiniLMEmbedding):
        super().__init__(model_name=encoder.model_name, embed_batch_size=encoder.embed_batch_size)
        self._encoder = encoder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encoder.embed_query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encoder.embed_texts([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encoder.embed_texts(texts).tolist()
