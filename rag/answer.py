"""Extractive answers: the best-supported span of the asked type, stated first, then quoted and cited.

    answer = answer_extractive("How many attacks were there in Balochistan in 2025?", passages,
                               embedder=embedder, nlp=nlp, settings=settings)
    answer.answer  # "According to the Pakistan Institute for Peace Studies, there were at least 254 attacks
                   #  in the province in 2025 [1]. Al Jazeera reported on 2 February 2026: “…” [1] …"

Steps, one module each: what is asked (question.py) → which sentences support it (evidence.py) → answer
spans of the asked type (spans.py) → the journalist's phrasing (phrasing.py) → the claim check
(verify.py). Below `settings.min_evidence`, or without a span of the asked type, it refuses.
"""

from __future__ import annotations

import datetime as dt
import re

from spacy.language import Language

from rag.evidence import Sentence, candidate_sentences, score_sentences
from rag.models import Answer, ScoredChunk
from rag.nlp import parse
from rag.phrasing import Citations, appositive, embedded_question, lead, quoted
from rag.question import QType, Question, analyse
from rag.relations import SAY_VERBS
from rag.settings import Settings
from rag.spans import find_candidates
from rag.verify import check_answer, refusal

TYPED = {QType.NUMBER, QType.PERSON, QType.ORG, QType.PLACE, QType.DATE, QType.NAME}
SECOND_SOURCE_MARGIN = 0.3  # a differing figure this close to the best one is reported as a conflict
TIED_FIT = 1.0  # a candidate fits at least this well when the sentence ties it to the thing asked about
YESNO_MIN_COVERAGE = 0.75  # "yes"/"no" only when one sentence carries (nearly) all the question's words
CAUSAL_BONUS = 0.2  # a sentence that gives a cause ("driven by", "because") answers a why-question
PROSE_PREFERENCE = 0.15  # a reporter's sentence reads better than a table row; the row then corroborates
_CAUSAL = re.compile(
    r"\b(because|due to|as a result|driven by|rooted in|reasons?|aims? to|in order to|caused|"
    r"led to|so that|blamed|linked to)\b",
    re.I,
)
_SPEECH = re.compile(r"\b(say|said|says|tell|told|state|stated)\b", re.I)
_NEGATION = {"not", "n't", "no", "never", "neither", "nor"}


def answer_extractive(
    question: str, passages: list[ScoredChunk], *, embedder, nlp: Language, settings: Settings, as_of: dt.date | None = None
) -> Answer:
    q = analyse(question, nlp, as_of=as_of or dt.date.today())
    sentences = score_sentences(q, candidate_sentences(passages, nlp), embedder)
    usable = [s for s in sentences if s.admissible and s.evidence >= settings.min_evidence]
    speakers = _asked_speakers(q, nlp)
    if q.qtype is QType.WHAT and speakers:
        # "What did Naqvi say?": the named speaker saying something is the evidence, however few words match.
        # Among them, what the question asks about ("about the role of external elements") decides.
        usable = sorted((s for s in sentences if s.admissible and _spoken_by(s, speakers)), key=lambda s: -s.coverage)
    cites = Citations()
    if q.qtype in TYPED:
        text = _typed(q, usable, cites)
    elif q.qtype is QType.YESNO:
        text = _yes_no(q, usable, cites)
    elif q.qtype is QType.DESCRIBE:
        text = _describe(q, usable, cites) or _passage(q, usable, cites)
    else:
        text = _passage(q, usable, cites)
    if text is None:
        return refusal(question, passages, embedded_question(q, nlp))
    answer = Answer(question=question, answer=text, answerable=True, citations=cites.items)
    return check_answer(answer, passages, nlp=nlp)


def _typed(q: Question, usable: list[Sentence], cites: Citations) -> str | None:
    candidates = sorted(
        (c for s in usable for c in find_candidates(q, s) if c.fit > 0),
        key=lambda c: -(c.score + PROSE_PREFERENCE * (not c.sentence.is_row)),
    )
    if not candidates:
        return None
    best = candidates[0]
    # Other sources that tie their figure to the same thing asked about.
    others = [
        c
        for c in candidates[1:]
        if c.sentence.chunk.source_id != best.sentence.chunk.source_id and c.fit >= TIED_FIT and best.fit >= TIED_FIT
    ]
    rival = next((c for c in others if c.score >= best.score - SECOND_SOURCE_MARGIN), None)
    if q.qtype is QType.NUMBER and rival is not None and not (rival.values & best.values):
        # Two sources, two figures for the same thing: say so, cite both, pick neither.
        return f"The sources give different figures. {lead(best)} {cites.cite(best.sentence)}. {lead(rival)} {cites.cite(rival.sentence)}."
    # "Who is the interior minister?" is answered by a name; "Who did Pakistan blame?" by a clause.
    clause = q.qtype in (QType.NUMBER, QType.DATE) or q.wh_verb is not None
    text = f"{lead(best, clause)} {cites.cite(best.sentence)}."
    if not best.sentence.is_row:
        text += " " + quoted(best.sentence, cites)
    same = next((c for c in others if c.values & best.values), None)
    if same is not None and q.qtype is QType.NUMBER:
        text += f" {_source_name(same.sentence)} gives the same figure {cites.cite(same.sentence)}."
    return text


def _source_name(s: Sentence) -> str:
    chunk = s.chunk
    if s.is_row:
        return f"The {chunk.outlet} dataset" if chunk.outlet else f"The dataset “{chunk.title}”"
    return chunk.outlet or f"“{chunk.title}”"


def _asked_speakers(q: Question, nlp: Language) -> tuple[str, ...]:
    """The names the question says are speaking: "Bashir Zeb" in "What did Bashir Zeb say about …?"."""
    for verb in parse(nlp, q.text):
        if verb.lemma_ in SAY_VERBS and _SPEECH.search(verb.text):
            subject = " ".join(t.lower_ for c in verb.children if c.dep_ == "nsubj" for t in c.subtree)
            return tuple(e for e in q.entities if all(p in subject.split() for p in e.lower().split()))
    return ()


def _spoken_by(s: Sentence, names: tuple[str, ...]) -> bool:
    """Whether one of `names` is who says this sentence; "…,” he said" counts when the sentence before names them."""
    parts = {p.lower() for name in names for p in re.findall(r"\w+", name) if len(p) > 2}
    for verb in s.span:
        if verb.lemma_ in SAY_VERBS:
            for subject in (c for c in verb.children if c.dep_ == "nsubj"):
                words = {t.lower_ for t in subject.subtree}
                if parts & words or (words & {"he", "she"} and parts & set(re.findall(r"\w+", s.before.lower()))):
                    return True
    return False


def _describe(q: Question, usable: list[Sentence], cites: Citations) -> str | None:
    for s in usable:
        introduced = appositive(s, q.entities)
        if introduced:
            return f"{introduced} {cites.cite(s)}. {quoted(s, cites)}"
    return None


def _yes_no(q: Question, usable: list[Sentence], cites: Citations) -> str | None:
    best = next((s for s in usable if s.coverage >= YESNO_MIN_COVERAGE), None)
    if best is None:
        return None
    negated = any(t.dep_ == "neg" or t.lower_ in _NEGATION for t in best.span)
    word = "Yes" if negated == q.negated else "No"
    return f"{word}, according to {_source_name(best)} {cites.cite(best)}. {quoted(best, cites)}"


def _passage(q: Question, usable: list[Sentence], cites: Citations) -> str | None:
    if not usable:
        return None
    if q.qtype is QType.REASON:
        usable = sorted(usable, key=lambda s: -(s.evidence + CAUSAL_BONUS * bool(_CAUSAL.search(s.text))))
    return quoted(usable[0], cites)
