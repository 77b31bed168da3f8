import tiktoken

from rag.chunking import chunk_source
from rag.models import Source
from rag.sources import load_sources
from tests.conftest import SOURCES


def all_sources():
    return [s for s in load_sources([SOURCES]) if isinstance(s, Source)]


def test_every_chunk_is_an_exact_slice_of_its_source():
    for source in all_sources():
        for size, overlap in ((256, 32), (128, 16), (64, 0)):
            chunks = chunk_source(source, size, overlap)
            assert chunks
            for chunk in chunks:
                assert chunk.text == source.text[chunk.start : chunk.end]


def test_article_chunks_respect_the_token_budget_and_cover_the_text():
    article = next(s for s in all_sources() if s.kind == "article")
    encode = tiktoken.get_encoding("cl100k_base").encode
    chunks = chunk_source(article, 256, 32)
    assert all(len(encode(c.text)) <= 256 for c in chunks)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    body = {i for i, ch in enumerate(article.text) if not ch.isspace()}
    assert body <= covered
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_dataset_rows_are_never_split_or_merged():
    dataset = next(s for s in all_sources() if s.kind == "dataset")
    chunks = chunk_source(dataset, 64, 8)
    assert [c.row for c in chunks] == list(range(1, 17))
    assert all("\n" not in c.text for c in chunks)


def test_chunk_ids_change_with_content_only():
    article = next(s for s in all_sources() if s.kind == "article")
    ids = [c.chunk_id for c in chunk_source(article)]
    assert ids == [c.chunk_id for c in chunk_source(article)]
    edited = article.model_copy(update={"content_hash": "0" * 64})
    assert set(ids).isdisjoint(c.chunk_id for c in chunk_source(edited))


def test_loading_the_splitter_leaves_llama_index_no_llm_to_fall_back_on():
    # llama-index answers with OpenAI wherever no model is passed; whatever loads it must say none
    import subprocess
    import sys

    check = "import rag.chunking\nfrom llama_index.core import Settings\nprint(type(Settings._llm).__name__)"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "MockLLM"
