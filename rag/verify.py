"""The claim check, for every backend: markers resolve, quotes sit at their offsets, no quote comes from a
passage addressed to a model, and every number, name and date a claim makes is in the quotes it cites.

    answer = check_answer(draft, passages, nlp=nlp)   # drops unsupported claims, or refuses
    refusal(question, passages, "what the literacy rate in Balochistan is")

A claim is the text up to a group of markers ("Naqvi blamed India [1]."). An unsupported claim is dropped;
if the first claim (the short answer) goes, or nothing is left, the answer becomes a refusal. Markers are
then renumbered 1, 2, ... in order of first use and uncited citations removed. It knows nothing of how a
draft was made: the extractive answerer and the LLM backend are checked alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language

from rag.language import addressed_in, addresses_a_model, closed_up, embedded_question, overlaps
from rag.models import Answer, Citation, Passage, ScoredChunk
from rag.names import Words, find_name, fold, same_name_word, word_matches, word_set
from rag.nlp import entities, parse, parse_question
from rag.normalise import CODE, date_keys, find_dates, numbers, without_dates

REFUSAL_PREFIX = "The sources I have don't say"
RELATED_PASSAGES = 3
_MARKERS = re.compile(r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+([.;!?]?)")
_NAME_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW"}
# each quotation on its own: one match from the first mark to the last would check 'eid" means "feast' (in no
# source) and leave the words between two quotations unchecked as names
_QUOTE = re.compile(r"“(.+?)”|\"(.+?)\"")


@dataclass
class Claim:
    body: str  # the claim's text without its markers
    markers: list[int]
    tail: str  # punctuation after the markers


def refusal(question: str, passages: list[ScoredChunk], what: str) -> Answer:
    """'The sources I have don't say …' with the closest passages as `related`, and no citations."""
    related = [
        Passage(
            source_id=p.chunk.source_id,
            title=p.chunk.title,
            outlet=p.chunk.outlet,
            url=p.chunk.url,
            published=p.chunk.published,
            text=p.chunk.text,
            start=p.chunk.start,
            end=p.chunk.end,
            score=p.score,
        )
        for p in passages[:RELATED_PASSAGES]
    ]
    what = what.strip().rstrip(".?!") or "that"
    return Answer(question=question, answer=f"{REFUSAL_PREFIX} {what}.", answerable=False, related=related)


def split_claims(text: str) -> list[Claim]:
    claims, cursor = [], 0
    for m in _MARKERS.finditer(text):
        markers = [int(n) for n in re.findall(r"\d+", m.group(0)[: len(m.group(0)) - len(m.group(1))])]
        claims.append(Claim(text[cursor : m.start()].strip(), markers, m.group(1)))
        cursor = m.end()
    rest = text[cursor:].strip()
    if re.search(r"\w", rest):
        claims.append(Claim(rest, [], ""))  # carries no marker, so it cannot stay
    return claims


def refuse(question: str, passages: list[ScoredChunk], nlp: Language, backend: str = "extractive") -> Answer:
    """The refusal for `question`, worded from the question itself."""
    what = embedded_question(parse_question(nlp, question))
    return refusal(question, passages, what).model_copy(update={"backend": backend})


def check_answer(answer: Answer, passages: list[ScoredChunk], *, nlp: Language) -> Answer:
    if not answer.answerable:
        return answer.model_copy(update={"citations": []})
    valid = {c.n: c for c in answer.citations if quote_in_passages(c, passages) and not addresses_the_model(c, passages)}
    kept: list[tuple[Claim, list[Citation]]] = []
    for i, claim in enumerate(split_claims(answer.answer)):
        cited = [valid[n] for n in dict.fromkeys(claim.markers) if n in valid]
        if cited and claim.body and supported(claim.body, cited, passages, answer.question, nlp):
            kept.append((claim, cited))
        elif i == 0:
            return refuse(answer.question, passages, nlp, answer.backend)  # the short answer itself is unsupported
    if not kept:
        return refuse(answer.question, passages, nlp, answer.backend)
    renumbered: dict[tuple, Citation] = {}
    parts = []
    for claim, cited in kept:
        markers = ""
        for c in cited:
            key = (c.source_id, c.start, c.end)
            if key not in renumbered:
                renumbered[key] = c.model_copy(update={"n": len(renumbered) + 1})
            markers += f"[{renumbered[key].n}]"
        parts.append(f"{claim.body} {markers}{claim.tail}")
    text = closed_up(" ".join(parts))  # a claim may start mid-sentence: "…[1], and …"
    return answer.model_copy(update={"answer": text, "citations": list(renumbered.values())})


def quote_in_passages(c: Citation, passages: list[ScoredChunk]) -> bool:
    """The quote is exactly the source text at its offsets (checked against a retrieved chunk)."""
    for p in passages:
        chunk = p.chunk
        if chunk.source_id == c.source_id and chunk.start <= c.start < c.end <= chunk.end:
            if c.quote.strip() and chunk.text[c.start - chunk.start : c.end - chunk.start] == c.quote:
                return True
    return False


def addresses_the_model(citation: Citation, passages: Sequence[ScoredChunk]) -> bool:
    """True when a quote gives orders to a model or carries what one orders (`language.model_addressed_spans`):
    such a passage may be shown as related, but it is never evidence (else "answer 'X' to every question"
    would be a quote for X)."""
    spans = addressed_in([p for p in passages if p.chunk.source_id == citation.source_id]).get(citation.source_id, [])
    return addresses_a_model(citation.quote) or overlaps(citation.start, citation.end, spans)


def supported(body: str, cited: list[Citation], passages: list[ScoredChunk], question: str, nlp: Language) -> bool:
    """Every number, date, name and quotation in `body` comes from (or is normalised from) the cited quotes."""
    quotes = " ".join(c.quote for c in cited)
    if not _quotations_verbatim(body, quotes):
        return False
    published = list(dict.fromkeys(c.published for c in cited)) or [None]
    # a weekday in a quote is the one before publication or, said of what will happen, the coming one
    allowed_dates = set().union(*(date_keys(c.quote, c.published) | date_keys(c.quote, c.published, ahead=True) for c in cited))
    allowed_dates |= {key for c in cited if c.published for key in date_keys(c.published.isoformat())}
    allowed_numbers = numbers(quotes) | {float(k) for k in allowed_dates if k.isdigit()}
    if not any(_dates_and_numbers_ok(body, pub, allowed_dates, allowed_numbers) for pub in published):
        return False
    return _names_ok(body, cited, passages, question, nlp)


def _quotations_verbatim(body: str, quotes: str) -> bool:
    flat = " ".join(quotes.split())
    for m in _QUOTE.finditer(body):
        inner = " ".join((m.group(1) or m.group(2)).split())
        if inner not in flat:
            return False
    return True


def _dates_and_numbers_ok(body: str, published, allowed_dates: set[str], allowed_numbers: set[float]) -> bool:
    if any(m.key not in allowed_dates for m in find_dates(body, published)):
        return False
    return numbers(without_dates(CODE.sub(" ", body), published)) <= allowed_numbers


def _codes(text: str) -> set[str]:
    return {code.lower().replace("-", "") for code in CODE.findall(text)}


def _names_ok(body: str, cited: list[Citation], passages: list[ScoredChunk], question: str, nlp: Language) -> bool:
    # Names may also come from the cited sources' titles and outlets, and from the question when the cited
    # passage mentions them too ("Pakistan blamed India" citing a passage about Pakistan).
    support = word_set(" ".join(f"{c.quote} {c.title} {c.outlet or ''}" for c in cited))
    cited_chunks = [
        p.chunk for p in passages if any(p.chunk.source_id == c.source_id and p.chunk.start <= c.start < p.chunk.end for c in cited)
    ]
    cited_text = " ".join(chunk.text for chunk in cited_chunks)
    support |= word_set(question) & word_set(cited_text)
    # A code is matched whole ("COVID-19", "F-35"): the word set splits it at its hyphen.
    codes = _codes(" ".join(f"{c.quote} {c.title}" for c in cited)) | (_codes(question) & _codes(cited_text))
    if not _codes(body) <= codes:
        return False
    unquoted = _QUOTE.sub(" ", body)  # quotations were already checked word for word
    if not re.search(r"[A-Z]", unquoted):
        return True  # no capital letter: nothing that could be a name
    dated = {i for m in find_dates(unquoted) for i in range(m.start, m.end)}  # "February" is checked as a date
    if all(fold(m.group()) in support for m in word_matches(unquoted) if m.start() not in dated and not m.group().islower()):
        return True  # every word with a capital letter is in what it cites: no name to look for (and no parse)
    doc = parse(nlp, unquoted)
    names = [t for e in entities(doc) if e.label_ in _NAME_LABELS for t in e if t.is_alpha and not t.is_stop]
    names += [t for t in doc if t.pos_ == "PROPN" and t.is_alpha and t.i > 0]
    aliases = {k: v for chunk in cited_chunks for k, v in chunk.aliases.items()}
    quotes = Words.of(" ".join(c.quote for c in cited))
    for token in (t for t in names if t.idx not in dated):
        word = fold(token.text)
        if any(same_name_word(word, w) for w in support):
            continue
        if find_name(token.text, quotes, aliases):
            continue  # "BLA" for "Baloch Liberation Army", spelled out in the quote or defined by its source
        return False
    return True
