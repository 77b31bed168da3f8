"""What the answerer reads of the index, computed once at ingest and stored with it: each chunk's parse
(tokens, tags, lemmas, dependencies, sentences and named entities) and an e5 vector per sentence
(`rag.relevance`); each
article's names, figures and dates; a vector per content word (one table for the index). A question new
to the process then costs lookups and arithmetic instead of parsing and embedding again every passage it
retrieved.

    found = analyse(chunks, nlp, meaning, relevance, docs.known_words)   # at ingest
    docs.add_words(found.words)
    docs.replace_source(source, chunks, found.chunks, Article.of(source.title, source.text, source.published))

    analyses = Analyses(nlp, relevance, docs.analyses)           # at question time
    analyses.load(passages)            # one read for all of them; their sentence vectors go to `relevance`
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import srsly
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from rag.language import without_orders
from rag.meaning import DIMENSIONS, Meaning, pack, unpack
from rag.models import Chunk, ScoredChunk
from rag.names import Words, find_name
from rag.nlp import PARSED_CHUNKS, parse, parse_all
from rag.normalise import date_keys, numbers
from rag.relevance import Relevance
from rag.sentences import chunk_sentences

# What a Doc keeps in the index: every annotation of a fresh parse that the answerer reads (tests/
# test_analysis.py compares them); not morphology (0.4 KB a chunk, read by no one), token vectors or
# user data.
DOC_ATTRS = ["ORTH", "SPACY", "TAG", "POS", "LEMMA", "DEP", "HEAD", "ENT_IOB", "ENT_TYPE", "SENT_START"]
# The attributes whose values are strings (hashes in a Doc's arrays); the others are small integers: a
# head's offset, IOB and sentence-start codes, whitespace, part-of-speech ids.
STRING_ATTRS = frozenset({"ORTH", "TAG", "LEMMA", "DEP", "ENT_TYPE"})
WORD_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ"})  # the words whose meanings the answerer compares


@dataclass
class ChunkAnalysis:
    chunk_id: str
    doc: bytes  # the chunk's parse (`doc_bytes`)
    sentences: bytes  # `meaning.pack`ed e5 vectors (`Relevance.embed`) of `sentence_contents(chunk, doc)`, in that order


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
    _mentions: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    def mentions(self, name: str, aliases: Mapping[str, str]) -> bool:
        """Whether the article names `name` anywhere (`find_name`). Each of its sentences asks again, so the
        answer is kept; `aliases` are the article's own acronyms, the same for every one of its sentences."""
        if name not in self._mentions:
            self._mentions[name] = find_name(name, self.words, aliases) is not None
        return self._mentions[name]

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


def analyse(chunks: list[Chunk], nlp: Language, meaning: Meaning, relevance: Relevance, known_words: KnownWords) -> Analysed:
    parsed = [doc_bytes(doc) for doc in parse_all(nlp, [chunk.text for chunk in chunks])]
    docs = [doc_from_bytes(data, nlp.vocab) for data in parsed]  # read as questions will read them
    contents = [sentence_contents(chunk, doc) for chunk, doc in zip(chunks, docs, strict=True)]
    unique = list(dict.fromkeys(text for texts in contents for text in texts))  # overlapping chunks share some
    vectors = dict(zip(unique, relevance.embed(unique), strict=True))
    words = {t.lemma_.lower() for doc in docs for t in doc if t.pos_ in WORD_POS and not t.is_stop}
    new = sorted(words - known_words(sorted(words)))
    return Analysed(
        chunks=[
            ChunkAnalysis(chunk.chunk_id, data, pack(np.array([vectors[t] for t in texts]).reshape(-1, DIMENSIONS)))
            for chunk, data, texts in zip(chunks, parsed, contents, strict=True)
        ],
        words={w: pack(v) for w, v in zip(new, meaning.embed(new), strict=True)},
    )


def sentence_contents(chunk: Chunk, doc: Doc) -> list[str]:
    """What each citable sentence of `chunk` says (`Sentence.content`), once each: the texts the answerer
    compares with the question. A question's passages never hold a sentence missing here."""
    return list(dict.fromkeys(s.content for s in chunk_sentences(ScoredChunk(chunk=chunk, score=0.0), doc)))


def doc_bytes(doc: Doc) -> bytes:
    """`doc`'s annotations (DOC_ATTRS) column by column, each string attribute as indices into one list of
    the chunk's strings, each column in the narrowest integer type that holds it. Compressed, that is
    about half of a spaCy DocBin, which keeps each token's attributes side by side as 64-bit hashes."""
    table = doc.to_array(DOC_ATTRS)
    strings: dict[int, int] = {0: 0}  # hash -> index; 0 (no value: a token outside any entity) is ""
    columns = []
    for j, attr in enumerate(DOC_ATTRS):
        if attr in STRING_ATTRS:
            column = np.array([strings.setdefault(int(h), len(strings)) for h in table[:, j]], dtype=np.int64)
        else:
            column = table[:, j].view(np.int64)  # a head before its token, or a non-start, is negative
        narrow = column.astype(np.result_type(np.min_scalar_type(column.min(initial=0)), np.min_scalar_type(column.max(initial=0))))
        columns.append((narrow.dtype.str, narrow.tobytes()))
    message = {
        "attrs": DOC_ATTRS,
        "tokens": len(doc),
        "strings": [doc.vocab.strings[h] if h else "" for h in strings],
        "columns": columns,
    }
    return zlib.compress(srsly.msgpack_dumps(message), 9)


def doc_from_bytes(data: bytes, vocab: Vocab) -> Doc:
    """The Doc `doc_bytes` stored: the same tokens, annotations, sentences and entities."""
    # unpackb without srsly's registry of msgpack extensions, which it would look up on every call
    message = srsly.msgpack.unpackb(zlib.decompress(data), raw=False, object_pairs_hook=dict)
    attrs, strings = message["attrs"], message["strings"]
    hashes = np.array([vocab.strings.add(text) if text else 0 for text in strings], dtype=np.uint64)
    columns = [np.frombuffer(raw, dtype=np.dtype(dtype)).astype(np.int64) for dtype, raw in message["columns"]]
    table = np.zeros((message["tokens"], len(attrs)), dtype=np.uint64)
    for j, (attr, column) in enumerate(zip(attrs, columns, strict=True)):
        table[:, j] = hashes[column] if attr in STRING_ATTRS else column.view(np.uint64)
    words = [strings[i] for i in columns[attrs.index("ORTH")]]
    doc = Doc(vocab, words=words, spaces=[bool(v) for v in columns[attrs.index("SPACY")]])
    return doc.from_array(attrs, table)


class Analyses:
    """Parsed chunks, read from the index when it has them (kept for the most recent PARSED_CHUNKS)."""

    def __init__(self, nlp: Language, relevance: Relevance, stored: StoredAnalyses | None = None):
        self.nlp, self.relevance, self.stored = nlp, relevance, stored
        self._loaded: OrderedDict[str, tuple[Doc, list[str], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, passages: list[ScoredChunk]) -> None:
        """Read what the index holds for `passages` and hand their sentence vectors to `relevance`."""
        if self.stored is None:
            return
        chunks = {p.chunk.chunk_id: p.chunk for p in passages}
        with self._lock:
            ready = {cid: self._loaded[cid] for cid in chunks if cid in self._loaded}
        missing = [cid for cid in chunks if cid not in ready]
        for cid, (data, vectors) in (self.stored(missing) if missing else {}).items():
            doc = doc_from_bytes(data, self.nlp.vocab)
            ready[cid] = (doc, sentence_contents(chunks[cid], doc), unpack(vectors))
        with self._lock:
            for cid, entry in ready.items():
                self._loaded[cid] = entry
                self._loaded.move_to_end(cid)
            while len(self._loaded) > PARSED_CHUNKS:
                self._loaded.popitem(last=False)
        for _, contents, vectors in ready.values():
            if len(contents) == len(vectors):  # else the parse was read differently: embed them again
                self.relevance.remember(contents, vectors)

    def doc(self, chunk: Chunk) -> Doc:
        with self._lock:
            found = self._loaded.get(chunk.chunk_id)
        return found[0] if found is not None else parse(self.nlp, chunk.text)
