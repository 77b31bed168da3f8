"""What the answerer reads of the index, computed once at ingest and stored with it: each chunk's parse
(tokens, tags, lemmas, dependencies, sentences and named entities) and a vector per sentence; each
article's names, figures and dates; a vector per content word (one table for the index). A question new
to the process then costs lookups and arithmetic instead of parsing and embedding again every passage it
retrieved.

    found = analyse(chunks, nlp, meaning, docs.known_words)       # at ingest
    docs.add_words(found.words)
    docs.replace_source(source, chunks, found.chunks, Article.of(source.title, source.text, source.published))

    analyses = Analyses(nlp, meaning, docs.analyses)            # at question time
    analyses.load(passages)            # one read for all of them; their sentence vectors go to `meaning`
    sentences = passage_sentences(passages, analyses.doc)

A chunk without a stored analysis (an answerer over hand-made chunks, an LLM backend's extra passages) is
parsed and embedded when asked, by the same functions ingest uses: the answers are the same either way
(tests/test_analysis.py compares them).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from rag.language import without_orders
from rag.meaning import DIMENSIONS, Meaning, pack, unpack
from rag.models import Chunk, ScoredChunk
from rag.names import Words
from rag.nlp import PARSED_CHUNKS, parse, parse_all
from rag.normalise import date_keys, numbers
from rag.sentences import chunk_sentences

# What a Doc keeps in the index: every annotation a fresh parse gives (tests/test_analysis.py compares
# them), nothing the answerer never reads (token vectors, user data).
DOC_ATTRS = ["ORTH", "SPACY", "TAG", "POS", "MORPH", "LEMMA", "DEP", "HEAD", "ENT_IOB", "ENT_TYPE", "SENT_START"]
WORD_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ"})  # the words whose meanings the answerer compares


@dataclass
class ChunkAnalysis:
    chunk_id: str
    doc: bytes  # a spaCy DocBin holding the chunk's parse
    sentences: bytes  # `meaning.pack`ed vectors of `sentence_contents(chunk, doc)`, in that order


@dataclass
class Analysed:
    chunks: list[ChunkAnalysis] = field(default_factory=list)
    words: dict[str, bytes] = field(default_factory=dict)  # word -> packed vector, for words new to the index


@dataclass
class Article:
    """What the answerer's hard constraints need of a whole article: its names, figures and dates."""

    words: Words
    numbers: set[float]
    dates: set[str]

    @classmethod
    def of(cls, title: str, text: str, published: dt.date | None) -> Article:
        whole = f"{title}\n{without_orders(text)}"
        pub = date_keys(published.isoformat()) if published else set()
        return cls(Words.of(whole), numbers(whole), date_keys(whole, published) | pub)

    def to_bytes(self) -> bytes:
        facts = {"words": self.words.words, "capital": self.words.capital, "numbers": sorted(self.numbers), "dates": sorted(self.dates)}
        return zlib.compress(json.dumps(facts).encode("utf-8"))

    @classmethod
    def from_bytes(cls, data: bytes) -> Article:
        facts = json.loads(zlib.decompress(data))
        words = Words(facts["words"], facts["capital"], list(range(len(facts["words"]))))
        return cls(words, set(facts["numbers"]), set(facts["dates"]))


StoredAnalyses = Callable[[list[str]], dict[str, tuple[bytes, bytes]]]  # chunk ids -> (doc, sentences) found
KnownWords = Callable[[list[str]], set[str]]  # which of these words the index already has vectors for


def analyse(chunks: list[Chunk], nlp: Language, meaning: Meaning, known_words: KnownWords) -> Analysed:
    parsed = list(zip(chunks, parse_all(nlp, [chunk.text for chunk in chunks]), strict=True))
    contents = [sentence_contents(chunk, doc) for chunk, doc in parsed]
    unique = list(dict.fromkeys(text for texts in contents for text in texts))  # overlapping chunks share some
    vectors = dict(zip(unique, meaning.embed(unique), strict=True))
    words = {t.lemma_.lower() for _, doc in parsed for t in doc if t.pos_ in WORD_POS and not t.is_stop}
    new = sorted(words - known_words(sorted(words)))
    return Analysed(
        chunks=[
            ChunkAnalysis(chunk.chunk_id, _doc_bytes(doc), pack(np.array([vectors[t] for t in texts]).reshape(-1, DIMENSIONS)))
            for (chunk, doc), texts in zip(parsed, contents, strict=True)
        ],
        words={w: pack(v) for w, v in zip(new, meaning.embed(new), strict=True)},
    )


def sentence_contents(chunk: Chunk, doc: Doc) -> list[str]:
    """What each citable sentence of `chunk` says (`Sentence.content`), once each: the texts the answerer
    compares with the question. A question's passages never hold a sentence missing here."""
    return list(dict.fromkeys(s.content for s in chunk_sentences(ScoredChunk(chunk=chunk, score=0.0), doc)))


def _doc_bytes(doc: Doc) -> bytes:
    box = DocBin(attrs=DOC_ATTRS, store_user_data=False)
    box.add(doc)
    return box.to_bytes()


class Analyses:
    """Parsed chunks, read from the index when it has them (kept for the most recent PARSED_CHUNKS)."""

    def __init__(self, nlp: Language, meaning: Meaning, stored: StoredAnalyses | None = None):
        self.nlp, self.meaning, self.stored = nlp, meaning, stored
        self._loaded: OrderedDict[str, tuple[Doc, list[str], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, passages: list[ScoredChunk]) -> None:
        """Read what the index holds for `passages` and hand their sentence vectors to `meaning`."""
        if self.stored is None:
            return
        chunks = {p.chunk.chunk_id: p.chunk for p in passages}
        with self._lock:
            ready = {cid: self._loaded[cid] for cid in chunks if cid in self._loaded}
        missing = [cid for cid in chunks if cid not in ready]
        for cid, (doc_bytes, vectors) in (self.stored(missing) if missing else {}).items():
            doc = next(DocBin().from_bytes(doc_bytes).get_docs(self.nlp.vocab))
            ready[cid] = (doc, sentence_contents(chunks[cid], doc), unpack(vectors))
        with self._lock:
            for cid, entry in ready.items():
                self._loaded[cid] = entry
                self._loaded.move_to_end(cid)
            while len(self._loaded) > PARSED_CHUNKS:
                self._loaded.popitem(last=False)
        for _, contents, vectors in ready.values():
            if len(contents) == len(vectors):  # else the parse was read differently: embed them again
                self.meaning.remember(contents, vectors)

    def doc(self, chunk: Chunk) -> Doc:
        with self._lock:
            found = self._loaded.get(chunk.chunk_id)
        return found[0] if found is not None else parse(self.nlp, chunk.text)
