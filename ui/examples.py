"""Example questions drawn from the indexed articles, kept only if Pipeline.ask answers them.

A first-time user should see questions this index can answer, not a fixed list written for another corpus.
Two patterns from the dependency parse give the kind of question a reporter asks:
"Interior Minister Mohsin Naqvi blamed neighboring India" → "Who did Mohsin Naqvi blame?", and
"…, Bashir Zeb said" → "What did Bashir Zeb say?".

    example_questions(pipeline)  # ["Who did Mohsin Naqvi blame?", "What did Bashir Zeb say?", ...]
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

from spacy.tokens import Doc, Span, Token

from rag import errors
from rag.pipeline import Pipeline

MAX_EXAMPLES = 4
MAX_TRIED = 8  # each candidate costs one Pipeline.ask
MAX_CHARS_PARSED = 20_000  # per article: enough for the opening, where the news is
ACTORS = {"PERSON", "GPE", "ORG", "NORP"}
SPEECH_VERBS = {"say", "tell", "warn", "add"}

_lock = threading.Lock()
_cache: dict[tuple, list[str]] = {}


def _entity(token: Token, doc: Doc) -> Span | None:
    return next((e for e in doc.ents if e.start <= token.i < e.end), None)


def candidate_questions(doc: Doc) -> Iterator[str]:
    """Who-did-X-verb questions (subject and object are named actors) and what-did-X-say questions."""
    for verb in doc:
        if verb.pos_ != "VERB":
            continue
        subject = next((c for c in verb.children if c.dep_ == "nsubj" and c.ent_type_ in ACTORS), None)
        actor = _entity(subject, doc) if subject is not None else None
        if actor is None:
            continue
        obj = next((c for c in verb.children if c.dep_ == "dobj" and c.ent_type_ in ACTORS), None)
        if obj is not None:
            yield f"Who did {actor.text} {verb.lemma_}?"
        elif verb.lemma_ in SPEECH_VERBS and actor.label_ == "PERSON" and len(actor) > 1:
            yield f"What did {actor.text} say?"


def example_questions(pipeline: Pipeline) -> list[str]:
    """Up to MAX_EXAMPLES questions about the indexed articles that the pipeline answers; cached per index state."""
    infos = pipeline.sources()
    key = tuple(sorted((s.source_id, s.content_hash) for s in infos))
    with _lock:  # concurrent page loads wait for one computation instead of each running it
        if key not in _cache:
            _cache.clear()
            _cache[key] = _answerable(pipeline, [s.source_id for s in infos if s.kind == "article"])
        return list(_cache[key])


def _answerable(pipeline: Pipeline, article_ids: list[str]) -> list[str]:
    per_source = [list(dict.fromkeys(candidate_questions(pipeline.nlp(pipeline.source(sid).text[:MAX_CHARS_PARSED]))))
                  for sid in article_ids]
    # Round-robin over the articles, so the examples are not all about the first one.
    candidates = list(dict.fromkeys(q for group in itertools.zip_longest(*per_source) for q in group if q))
    kept: list[str] = []
    for question in candidates[:MAX_TRIED]:
        try:
            if pipeline.ask(question).answerable:
                kept.append(question)
        except errors.RagError:
            continue  # an example that errors is simply not shown
        if len(kept) == MAX_EXAMPLES:
            break
    return kept
