from pathlib import Path

import pytest

from rag.errors import SourcePathMissing
from rag.pipeline import Pipeline
from rag.settings import Settings

ARTICLE = "articles/balochistan-attacks-pakistan-promises.txt"


@pytest.fixture
def pipeline(tmp_path) -> Pipeline:
    return Pipeline(Settings(index_dir=tmp_path / "index"))


def chunk_ids_by_source(pipeline: Pipeline) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for cid in pipeline.vectors.all_ids():
        result.setdefault(cid.split("::")[0], set()).add(cid)
    return result


def test_ingesting_twice_changes_nothing(pipeline, sources_copy):
    first = pipeline.ingest([sources_copy])
    assert (first.added, first.updated, first.unchanged, first.skipped) == (2, 0, 0, [])
    before = chunk_ids_by_source(pipeline)
    second = pipeline.ingest([sources_copy])
    assert (second.added, second.updated, second.unchanged, second.chunks_written) == (0, 0, 2, 0)
    assert second.chunks == first.chunks == pipeline.vectors.count() == pipeline.docs.count_chunks()
    assert chunk_ids_by_source(pipeline) == before


def test_editing_a_source_replaces_only_its_chunks(pipeline, sources_copy):
    pipeline.ingest([sources_copy])
    before = chunk_ids_by_source(pipeline)
    path = sources_copy / ARTICLE
    path.write_text(path.read_text().replace("at least 254 attacks", "at least 255 attacks"))
    report = pipeline.ingest([sources_copy])
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    after = chunk_ids_by_source(pipeline)
    assert after["balochistan-figures"] == before["balochistan-figures"]
    assert after["balochistan-attacks-pakistan-promises"].isdisjoint(before["balochistan-attacks-pakistan-promises"])
    assert pipeline.vectors.count() == pipeline.docs.count_chunks()
    assert "255 attacks" in pipeline.source("balochistan-attacks-pakistan-promises").text
    hits = pipeline.retrieve("how many attacks were there in the province in 2025?", k=10)
    assert not any("254 attacks" in h.chunk.text for h in hits if h.chunk.kind == "article")


def test_prune_removes_sources_that_disappeared(pipeline, sources_copy):
    pipeline.ingest([sources_copy])
    (sources_copy / "datasets" / "balochistan-figures.csv").unlink()
    kept = pipeline.ingest([sources_copy])
    assert kept.removed == 0 and len(pipeline.sources()) == 2
    pruned = pipeline.ingest([sources_copy], prune=True)
    assert pruned.removed == 1
    assert [s.source_id for s in pipeline.sources()] == ["balochistan-attacks-pakistan-promises"]
    assert set(chunk_ids_by_source(pipeline)) == {"balochistan-attacks-pakistan-promises"}
    assert pipeline.vectors.count() == pipeline.docs.count_chunks()


def test_orphan_vectors_from_an_interrupted_run_are_removed(pipeline, sources_copy):
    pipeline.ingest([sources_copy])
    chunk = pipeline.docs.all_chunks()[0]
    ghost = chunk.model_copy(update={"chunk_id": "ghost::000000000000::0"})
    pipeline.vectors.add([ghost], pipeline.embedder.embed_texts([ghost.text]))
    assert pipeline.vectors.count() == pipeline.docs.count_chunks() + 1
    pipeline.ingest([sources_copy])
    assert pipeline.vectors.count() == pipeline.docs.count_chunks()
    assert "ghost::000000000000::0" not in pipeline.vectors.all_ids()


def test_missing_vectors_are_rewritten(pipeline, sources_copy):
    pipeline.ingest([sources_copy])
    lost = pipeline.docs.chunk_ids("balochistan-figures")[:3]
    pipeline.vectors.delete(lost)
    report = pipeline.ingest([sources_copy])
    assert report.chunks_written == 16
    assert set(lost) <= pipeline.vectors.all_ids()


def test_bad_files_are_reported_and_the_rest_ingested(pipeline, sources_copy):
    (sources_copy / "articles" / "broken.txt").write_bytes(b"\xff\xfe\x00\x00")
    report = pipeline.ingest([sources_copy])
    assert report.added == 2
    assert [s.path.rsplit("/", 1)[-1] for s in report.skipped] == ["broken.txt"]


def test_missing_path_is_a_clear_error(pipeline):
    with pytest.raises(SourcePathMissing, match="no such file or directory"):
        pipeline.ingest([Path("/definitely/not/here")])


def test_the_index_keeps_each_chunk_s_text_once_and_reads_it_back_whole(pipeline, sources_copy):
    pipeline.ingest([sources_copy])
    chunks = pipeline.docs.all_chunks()
    for chunk in chunks:
        assert chunk.text == pipeline.source(chunk.source_id).text[chunk.start : chunk.end]
    columns = [r[1] for r in pipeline.docs._db.execute("PRAGMA table_info(chunks)")]
    assert chunks and "text" not in columns
    stored = pipeline.vectors.collection.get(include=["metadatas", "documents"])
    assert {key for meta in stored["metadatas"] for key in meta} == {"source_id", "outlet", "published_day"}
    assert not any(stored["documents"])  # Chroma keeps no copy of the text either


def test_a_chunk_that_is_not_its_source_s_text_is_refused_and_the_old_one_kept(pipeline, sources_copy):
    pipeline.ingest([sources_copy])
    chunk = pipeline.docs.all_chunks()[0]
    source = pipeline.source(chunk.source_id)
    before = pipeline.docs.get_chunks([chunk.chunk_id])
    forged = chunk.model_copy(update={"text": chunk.text.upper()})
    with pytest.raises(ValueError, match="not its source's text"):
        pipeline.docs.replace_source(source, [forged])
    assert pipeline.docs.get_chunks([chunk.chunk_id]) == before
