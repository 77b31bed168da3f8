"""The baseline: a plain llama-index pipeline over the same articles, embedder and chunking as ours.

    VectorStoreIndex.from_documents(docs, storage_context=<ChromaVectorStore>, embed_model=LlamaIndexMiniLM(MiniLMEmbedding),
                                    transformations=[SentenceSplitter(256/32, cl100k)])
    index.as_retriever(similarity_top_k=k).retrieve(question)

What it deliberately shares with ours: the article loader (so both chunk identical text), the
MiniLMEmbedding class, the SentenceSplitter settings, cosine Chroma. What it lacks: our docstore,
BM25, incremental ingest and filters. `Settings.llm` stays None and every model is passed explicitly.

    .venv/bin/python bench/baseline.py worker --archive A.jsonl.gz --index DIR   # timed build, prints JSON
    .venv/bin/python bench/baseline.py clone --from OUR_INDEX --to DIR            # see clone_from_ours
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import rag  # noqa: F401  (offline environment before llama-index loads)
from rag.embedding import MiniLMEmbedding
from rag.settings import Settings

COLLECTION = "baseline"


def make_splitter(settings: Settings):
    import tiktoken
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        tokenizer=tiktoken.get_encoding("cl100k_base").encode,
        paragraph_separator="\n\n",
    )


def _collection(index_dir: Path, chroma_url: str | None = None, fresh: bool = False):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        host, port = chroma_url.removeprefix("http://").split(":")
        client = chromadb.HttpClient(host=host, port=int(port), settings=chroma_settings)
    else:
        client = chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)
    if fresh and COLLECTION in [c.name for c in client.list_collections()]:
        client.delete_collection(COLLECTION)
    return client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None)


def build(archive: Path, index_dir: Path, settings: Settings, chroma_url: str | None = None) -> dict:
    """Ingest the archive the plain way; returns seconds (load + chunk + embed + store) and chunk count."""
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.llama_embedding import LlamaIndexMiniLM  # and llama-index's global LLM set to None
    from rag.models import Source
    from rag.sources import load_sources

    embedder = LlamaIndexMiniLM(MiniLMEmbedding(settings.embed_model, settings.embed_batch_size, settings.model_cache_dir))
    collection = _collection(index_dir, chroma_url, fresh=True)
    started = time.perf_counter()
    docs = [Document(text=s.text, id_=s.source_id) for s in load_sources([archive]) if isinstance(s, Source)]
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embedder, transformations=[make_splitter(settings)])
    return {"seconds": round(time.perf_counter() - started, 3), "chunks": collection.count(), "documents": len(docs)}


def clone_from_ours(our_index: Path, index_dir: Path, settings: Settings, page: int = 5000) -> dict:
    """A baseline index holding our index's chunks and vectors, without embedding anything again.

    For query benchmarks on an archive too big to embed twice in one session: the chunk texts and
    vectors are exactly what the baseline would compute (same loader, splitter and embedder), and they
    go in through the plain `VectorStoreIndex(nodes)` path. Its ingest time is not comparable: don't report it.
    """
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.docstore import DocStore
    from rag.llama_embedding import LlamaIndexMiniLM  # and llama-index's global LLM set to None
    from rag.store import VectorStore

    ours = VectorStore(settings.model_copy(update={"index_dir": our_index})).collection
    texts = DocStore(our_index / "docstore.sqlite")  # our Chroma keeps no copy of the text
    embedder = LlamaIndexMiniLM(MiniLMEmbedding(settings.embed_model, settings.embed_batch_size, settings.model_cache_dir))
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=_collection(index_dir, fresh=True)))
    index = VectorStoreIndex([], storage_context=storage, embed_model=embedder)
    started, offset, copied = time.perf_counter(), 0, 0
    while True:
        got = ours.get(include=["embeddings", "metadatas"], limit=page, offset=offset)
        chunks = texts.get_chunks(got["ids"])
        nodes = [
            TextNode(id_=cid, text=chunks[cid].text, embedding=list(map(float, vector)),
                     relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=meta["source_id"])})
            for cid, vector, meta in zip(got["ids"], got["embeddings"], got["metadatas"], strict=True)
        ]
        index.insert_nodes(nodes)
        copied += len(nodes)
        offset += page
        if len(got["ids"]) < page:
            break
    return {"chunks": copied, "seconds": round(time.perf_counter() - started, 3)}


class BaselineRetriever:
    """`index.as_retriever(similarity_top_k=k)` over a baseline index; `retrieve` returns source ids."""

    def __init__(self, index_dir: Path, embedder: MiniLMEmbedding, k: int, chroma_url: str | None = None):
        from llama_index.core import VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from rag.llama_embedding import LlamaIndexMiniLM  # and llama-index's global LLM set to None

        store = ChromaVectorStore(chroma_collection=_collection(index_dir, chroma_url))
        self.retriever = VectorStoreIndex.from_vector_store(store, embed_model=LlamaIndexMiniLM(embedder)).as_retriever(similarity_top_k=k)

    def retrieve(self, question: str) -> list[str]:
        return [hit.node.ref_doc_id for hit in self.retriever.retrieve(question)]


def main() -> None:
    parser = argparse.ArgumentParser(description="Plain llama-index baseline: build or clone an index")
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker", help="build a fresh baseline index from an archive; prints JSON")
    worker.add_argument("--archive", type=Path, required=True)
    worker.add_argument("--index", type=Path, required=True)
    worker.add_argument("--chroma-url")
    clone = sub.add_parser("clone", help="copy our index's chunks and vectors into a baseline index")
    clone.add_argument("--from", dest="source", type=Path, required=True)
    clone.add_argument("--to", type=Path, required=True)
    args = parser.parse_args()
    settings = Settings()
    if args.command == "worker":
        from common import rss_mb

        result = build(args.archive, args.index, settings, args.chroma_url)
        result["peak_rss_mb"] = rss_mb()
    else:
        result = clone_from_ours(args.source, args.to, settings)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
