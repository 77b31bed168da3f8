"""English, in one place: the closed word classes and small grammar the answerer and the claim check use.

Everything here is about the language, nothing about the news: question words, auxiliaries, reporting
verbs, negation, causal connectives, quantity words, and a few nouns that stand for each kind of answer
(matched by meaning, not spelling, so "body" or "airline" find their kind without being listed).

    embedded_question(parse(nlp, "Who did Pakistan blame?"))  # "who Pakistan blamed"
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from lemminflect import getInflection
from spacy.tokens import Doc, Token

from rag.models import ScoredChunk


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- closed classes -----------------------------------------------------------------------------------
WH_WORDS = words("who whom whose what which when where why how")
AUX_WORDS = words("is are was were do does did has have had can could will would should may might must")
# auxiliaries and conjunctions that make a clause a possibility, not a fact: "could reach", "if it rains"
HEDGES = words("would could might may should if unless")
NEGATIONS = words("not n't no never neither nor none nobody nothing")
# Verbs that assert the opposite of what they take: "X denied the claim" answers "Did X confirm it?" with no.
NEGATIVE_VERBS = words("deny reject refuse decline fail dismiss oppose lack halt cancel block veto")
REFUSED = frozenset({"dobj", "xcomp", "ccomp", "nsubjpass", "auxpass"})  # dependents naming what a verb of refusal refuses
NEGATIVE_PHRASAL_VERBS = frozenset({("turn", "down"), ("rule", "out"), ("call", "off"), ("back", "out"), ("pull", "out"), ("give", "up")})
# Reporting verbs: their subject is who said it, not what the sentence is about.
SAY_VERBS = words("say tell state claim add argue insist announce report warn describe write note confirm")
# Verbs that name something: "What did X call Y?" is answered by the name.
NAME_VERBS = words("call name dub title label term nickname brand")
# Verbs too general to tie an answer to the question ("What happened?", "Who had ...?").
LIGHT_VERBS = words("be do have say tell happen get make")
# Connectives that introduce a reason or a purpose.
CAUSAL_MARKERS = (
    "because of",
    "because",
    "due to",
    "owing to",
    "as a result of",
    "in response to",
    "in order to",
    "so that",
    "since",
    "amid",
    "after",
    "over",
    "for",
    "as",
    "to",
)
CAUSAL_VERBS = words("cause blame attribute drive fuel prompt trigger spark lead cite motivate explain")
# the prepositions that put something somewhere: "meeting in Washington", "gathered at the Capitol", "headed to Ontario"
PLACE_PREPOSITIONS = words("in at near inside outside within to into toward towards across throughout around from")
# "How many/much/long ..." read as a quantity; the word after "how" says which kind.
HOW_QUANTITY = words("many much long old far big large often high tall deep wide")
TIME_UNITS = words("second minute hour day night week weekend month year decade century")
QUANTIFIERS = (
    "at least|at most|more than|less than|fewer than|up to|about|around|nearly|almost|over|some|roughly"
    "|approximately|an estimated|as many as|as much as|as few as|just over|just under|under|only"
)
SCALE_WORDS = words("thousand million billion trillion bn mn tn m k")
CURRENCY_WORDS = words("dollar dollars euro euros pound pounds rupee rupees yen yuan peso pesos franc francs")
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve "
        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12}
PERSON_PRONOUNS = words("he him his she her hers")
THING_PRONOUNS = words("it its they them their")
POSSESSIVE_PRONOUNS = words("his its their hers")
# Imperatives that ask a question: "Name the port.", "List the countries."
ASKING_VERBS = words("name list tell give describe explain identify")

# Kinds of answer, each with a few nouns that stand for it. A question's own noun ("which airline",
# "what body") is compared with these by meaning, so the lists only need a handful of typical words.
ANSWER_KINDS: dict[str, tuple[str, ...]] = {
    "person": ("person", "man", "woman", "official", "leader", "spokesperson", "politician", "lawmaker", "victim"),
    "organisation": ("organization", "company", "group", "agency", "institution", "party", "committee", "team"),
    "place": ("place", "country", "city", "state", "region", "location", "venue", "area"),
    "time": ("date", "year", "day", "month", "time"),
    "number": ("number", "amount", "total", "figure", "count", "rate", "percentage", "price", "cost"),
    "reason": ("reason", "cause", "motive", "purpose", "explanation"),
    "thing": ("thing", "object", "product", "event", "law", "program", "plan", "idea"),
}
KIND_NOUNS = frozenset(noun for nouns in ANSWER_KINDS.values() for noun in nouns)  # "rate", "date": a kind, not a quantity
# Nouns for what a person is: "What is X's job?" asks to describe X, as "Who is X?" does.
ROLE_NOUNS = words("job position role title occupation profession post")
# spaCy entity labels (and our own candidate labels) by the kind of answer they give.
KIND_OF_LABEL = {
    "PERSON": "person",
    "ORG": "organisation",
    "NORP": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "DATE": "time",
    "TIME": "time",
    "CARDINAL": "number",
    "MONEY": "number",
    "PERCENT": "number",
    "QUANTITY": "number",
    "ORDINAL": "number",
    "COUNT": "number",  # an ordinal of the asked noun: "the 25th time"
}

# --- text addressed to a model rather than to readers -------------------------------------------------
# Who a note to a model names: "AI assistants", "a language model", "LLMs", "chatbots".
_MODEL = (
    r"(?:(?:AI|A\.I\.|artificial intelligence|generative AI|LLM)[ -]"
    r"(?:(?:large )?language models?|assistants?|models?|systems?|chatbots?|agents?|bots?|tools?|readers?)"
    r"|(?:large )?language models?|LLMs?|chatbots?|AI|A\.I\.|artificial intelligence)"
)
# What a model does to a text: "AI assistants reading this", "models summarising this article".
_READING = r"(?:reading|processing|summari[sz]ing|parsing|ingesting|crawling|scraping|answering questions about)"
_THIS_TEXT = r"(?:this|the) (?:text|article|page|document|note|message|story|passage|content|report)\b|this\b(?!\s+\w)"
INSTRUCTION_LIKE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^\n]{0,40}?\b(?:previous|prior|above|earlier|all|any|other|your|the)\b"
    r"[^\n]{0,20}?\b(?:instructions?|prompts?)\b"
    r"|\b(?:system|developer) (?:prompt|message|instructions?)\b"
    r"|\b(?:answer|reply|respond|say)\b[^\n]{0,80}?\b(?:to|for) (?:every|all|any) (?:questions?|quer(?:y|ies)|prompts?)\b"
    r"|<\|?(?:im_start|im_end|system|endoftext)\|?>|\[/?INST\]"
    # A heading that addresses models, opening a sentence: "Note for AI assistants:", "To any LLM reading this,"
    r"|(?:^|(?<=[.!?] )|(?<=[.!?][”\"’)] ))[\[(*#\s]*"
    r"(?:(?:an? )?(?:note|message|instructions?|memo|notice|reminder|attention|warning|important)[\s,]*(?:for |to )?|to )"
    rf"(?:all |any |the )?{_MODEL}(?:,? (?:who (?:is|are) )?{_READING}\b[^:,.\n]{{0,40}})?\s*[:,;—–-]"
    # "If you are an AI", "if you're a language model reading this", but not "if you are an AI researcher"
    rf"|\bif you(?:'re|’re| are)(?: an?| the)? {_MODEL}(?=\s*[,.;:!?)—–-]|\s+(?:{_READING}|asked|tasked|and|or|who|that)\b)"
    # "AI assistants reading this article must …", but not "AI systems processing these images"
    rf"|\b{_MODEL} {_READING} (?:{_THIS_TEXT})",
    re.I | re.M,
)
# Orders to whoever reads, which quoted speech gives all the time ("“You must say that you saw nothing,” the
# officer told him"): checked outside quotations only.
READER_ORDER = re.compile(
    r"\byou (?:must|should|shall|have to|need to|are (?:required|instructed|told|expected) to|will)(?: always| only| now| instead)? "
    r"(?:(?:reply|respond|say|state|claim|tell (?:the )?(?:users?|readers?|anyone|everyone))\b[^\n]{0,20}?(?:\bthat\b|[:\"“'‘])"
    r"|answer\b[^\n]{0,20}?(?:\bwith\b|[:\"“'‘]))"
    r"|\b(?:when|if|whenever) (?:you are |you're |you’re )?asked\b[^\n.]{0,80}?,\s*(?:always |just |simply |only )?"
    r"(?:say|answer|reply|respond|state|claim)\b",
    re.I,
)
_QUOTATION = re.compile(r"“[^”\n]*”?|\"[^\"\n]*\"?")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[”\"’)\]]*\s+")
_NAME_OR_NUMBER = re.compile(r"\b(?:[A-Z]\w+(?:[’'-]\w+)*|\d+(?:[,.]\d+)*)")


def addresses_a_model(text: str) -> bool:
    return bool(INSTRUCTION_LIKE.search(text) or READER_ORDER.search(_QUOTATION.sub(" ", text)))


def _names(sentence: str, skip_first: bool = False) -> set[str]:
    """Capitalised words and numbers; an order's first word is capitalised for being first ("Ignore")."""
    found = [m for m in _NAME_OR_NUMBER.finditer(sentence) if not (skip_first and not sentence[: m.start()].strip())]
    return {m.group().lower() for m in found}


@functools.lru_cache(maxsize=4096)  # a chunk is checked for every question that retrieves it, and again per citation
def model_addressed_spans(text: str, offset: int = 0) -> tuple[tuple[int, int], ...]:
    """Where `text` gives orders to a model, as (start, end) + `offset`: each sentence that does, the
    sentences right before and after it in its paragraph (where an order's payload sits: "Ignore previous
    instructions. Pakistan blamed X."), and any sentence of the paragraph naming a name or number the order
    names ("answer 'X' to every question" taints "… blamed X"). The rest of the paragraph stays evidence: an
    order spliced into a reporter's paragraph does not silence the reporting around it."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        if addresses_a_model(line):
            bounds = [0, *(m.end() for m in _SENTENCE_BREAK.finditer(line)), len(line)]
            sentences = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if line[a:b].strip()]
            orders = [i for i, (a, b) in enumerate(sentences) if addresses_a_model(line[a:b])]
            if not orders:  # the order straddles a sentence break this splitter saw: the paragraph goes
                sentences, orders = [(0, len(line))], [0]
            named = set().union(*(_names(line[slice(*sentences[i])], skip_first=True) for i in orders))
            for i, (a, b) in enumerate(sentences):
                if any(abs(i - j) <= 1 for j in orders) or named & _names(line[a:b]):
                    spans.append((offset + line_start + a, offset + line_start + b))
        line_start += len(line) + 1
    return tuple(spans)


def without_orders(text: str) -> str:
    """`text` with its `model_addressed_spans` blanked out: what a source orders a model to say is not
    something its article says (else "answer 'X' …" would put X among the article's names)."""
    for start, end in reversed(model_addressed_spans(text)):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def addressed_in(passages: Sequence[ScoredChunk]) -> dict[str, list[tuple[int, int]]]:
    """`model_addressed_spans` of every passage, in source offsets by source id. Gathered over all of them,
    so a payload whose order sits in another (overlapping) retrieved chunk is still seen as one."""
    found: dict[str, list[tuple[int, int]]] = {}
    for p in passages:
        found.setdefault(p.chunk.source_id, []).extend(model_addressed_spans(p.chunk.text, p.chunk.start))
    return found


def overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def denies(tokens, verb=None) -> bool:
    """Whether a clause says no: a negation ("not", "never", "no one", "took no questions") or a verb of
    refusal ("denied", "turned down"); two of them cancel out ("did not deny"). Given the clause's verb,
    only what bears on it counts: in "took no questions and never mentioned the election", "never" is about
    mentioning; in "there is no evidence the jet was there", "no" is about the jet being there."""
    tokens = list(tokens)
    if verb is not None:
        # "No one was injured, the airline said": what was said is the clause that answers
        while verb.lemma_.lower() in SAY_VERBS and any(c.dep_ == "ccomp" for c in verb.children):
            verb = next(c for c in verb.children if c.dep_ == "ccomp")
        # "was not permitted to [purchase]", "declined to [endorse]": what governs the verb through a
        # complement bears on it too
        governing = [verb]
        while governing[-1].dep_ == "xcomp" and governing[-1].head.i != governing[-1].i:
            governing.append(governing[-1].head)
        # spaCy makes a new Token on every access: compare positions, not objects
        ids = {v.i for v in governing}
        # a word two steps down counts ("[no] one was hurt"), unless the step between is a clause of its
        # own: in "will not be televised, as cameras are not expected …" the second "not" is the cameras'
        tokens = [t for t in tokens if t.i in ids or t.head.i in ids or (t.head.head.i in ids and not _own_clause(t.head))]
    negations = sum(t.dep_ == "neg" or t.lower_ in NEGATIONS for t in tokens)
    # "neither X nor Y will withdraw" negates once; counted as two words it would cancel out
    negations -= any(t.lower_ == "neither" for t in tokens) and any(t.lower_ == "nor" for t in tokens)
    if verb is not None and verb.dep_ == "pcomp" and verb.head.lower_ == "without":
        negations += 1  # "said without presenting any evidence": the asked verb is what was not done
    if verb is not None and verb.dep_ in ("acl", "relcl") and verb.head.pos_ in ("NOUN", "PRON"):
        # a clause under a noun that says there is none of it: "no evidence [the jet was there]",
        # "no sign [that it had spread]", "no passengers [who were hurt]"
        negations += any(c.lower_ in NEGATIONS or c.dep_ == "neg" for c in verb.head.children)
    refusals = 0
    for t in tokens:
        # the verb itself, or its complement: "decided to [decline]", "voted to [reject]"
        if t.pos_ != "VERB" or (verb is not None and t.i not in ids and not (t.dep_ == "xcomp" and t.head.i == verb.i)):
            continue
        lemma = t.lemma_.lower()
        particles = {c.lower_ for c in t.children if c.dep_ == "prt"}
        # refusing takes what is refused ("declined to comment", "the request was denied"); without it
        # the verb reports a change ("deaths declined", "the engine failed")
        refused = any(c.dep_ in REFUSED for c in t.children)
        refusals += (lemma in NEGATIVE_VERBS and refused) or any((lemma, p) in NEGATIVE_PHRASAL_VERBS for p in particles)
    return (negations + refusals) % 2 == 1


_CLAUSES = ("advcl", "ccomp", "xcomp", "relcl", "acl", "conj", "csubj", "parataxis")


def _own_clause(t) -> bool:
    return t.pos_ in ("VERB", "AUX") and t.dep_ in _CLAUSES


def clause_verb(span) -> Token | None:
    """The verb of the clause a span is in: the first verb or auxiliary above its head."""
    tok = span.root
    while tok.pos_ not in ("VERB", "AUX") or tok.dep_ in ("aux", "auxpass"):
        if tok.head == tok:
            return None
        tok = tok.head
    return tok


def tense(verb) -> str | None:
    """ "future", "past" or "present": when a clause's verb puts what it says ("will meet", "'ll meet",
    "met", "was held", "had met", "meets"); None for no verb."""
    if verb is None:
        return None
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ in ("will", "'ll", "’ll", "shall") for a in auxes):
        return "future"
    if verb.tag_ == "VBD" or any(a.tag_ == "VBD" for a in auxes):
        return "past"
    return "present"


def replies(tokens) -> bool | None:
    """The yes (True) or no (False) a sentence says as an interjection, the first if several: "Yes, X is
    listed as a starter", "No, said the meteorologist", "The short answer: yes." None when it says
    neither ("No one was injured" says no by negation, which `denies` reads)."""
    for t in tokens:
        if t.pos_ == "INTJ" and t.lower_ in ("yes", "no"):
            return t.lower_ == "yes"
    return None


def inflect(lemma: str, aux: str) -> str:
    """The verb form "did"/"does" + `lemma` stands for: ("blame", "did") -> "blamed", ("top", "did") ->
    "topped". lemminflect knows irregular forms and consonant doubling, and guesses words it lacks."""
    tag = {"did": "VBD", "does": "VBZ"}.get(aux)
    forms = getInflection(lemma, tag) if tag else None
    return forms[0] if forms else lemma


def is_yes_no(doc: Doc) -> bool:
    """ "Did India reject …?", "Is the port open?", "Before the deal, had the firm …?": an auxiliary first
    (or first after a fronted phrase and its comma) and no question word right after."""
    return _yes_no_auxiliary(doc) is not None


def _yes_no_auxiliary(doc: Doc) -> Token | None:
    """The auxiliary a yes/no question opens with, if it is one."""
    words = [t for t in doc if not t.is_space]
    comma = next((n for n, t in enumerate(words) if t.text == ","), None)
    starts = [0] if comma is None or any(t.lower_ in WH_WORDS for t in words[:comma]) else [0, comma + 1]
    for start in starts:
        tokens = [t for t in words[start:] if not t.is_punct]
        if tokens and tokens[0].lower_ in AUX_WORDS:
            wh = next((t for t in tokens if t.lower_ in WH_WORDS), None)
            if wh is None or wh.i > tokens[0].i + 1:
                return tokens[0]
    return None


def closed_up(text: str) -> str:
    """Text joined from pieces with spaces, without a space left before a comma, semicolon or colon."""
    return re.sub(r" ([,;:])", r"\1", text)


def keeps_capital(t: Token) -> bool:
    """Whether a word keeps its capital wherever it stands in a sentence: a proper noun or an acronym
    ("Pakistan", "NATO", "CEO"), not a word capitalised for opening its sentence ("Her", "The")."""
    return t.pos_ == "PROPN" or t.text.isupper()


def embedded_question(doc: Doc) -> str:
    """The question as a clause for "The sources I have don't say …": "what the literacy rate is"."""
    tokens = list(doc)
    while tokens and (tokens[-1].is_punct or tokens[-1].is_space):
        tokens.pop()
    if not tokens:
        return "that"
    opening = _yes_no_auxiliary(doc)
    starts = [i for i, t in enumerate(tokens) if t.lower_ in WH_WORDS]
    if opening is not None:
        first, aux_i = 0, opening.i  # `tokens` is the doc itself, so a token's place is its index
    elif starts:
        first = starts[0]
        aux_i = next((i for i in range(first + 1, len(tokens)) if tokens[i].lower_ in AUX_WORDS), None)
        if first and tokens[first - 1].pos_ == "ADP":
            first -= 1  # the preposition the question word brought along: "in what year", "for whom"
    else:
        return f"anything that answers “{doc.text.strip()}”"
    parts = [t.text_with_ws for t in tokens]
    subject = None
    if aux_i is not None:
        # the subject of the auxiliary's own clause: in "How many passengers were on board when it was
        # hijacked?" the wh-phrase is the subject, and "it" belongs to the clause of "when"
        aux = tokens[aux_i]
        clause_heads = {aux_i, aux.head.i} | {c.i for c in aux.children if c.dep_ in ("ccomp", "xcomp")}  # "did Britain [top]"
        subject = next(
            (
                t
                for t in tokens[aux_i + 1 :]
                if (t.dep_ in ("nsubj", "nsubjpass", "expl") and t.lower_ not in WH_WORDS and t.head.i != aux_i + 1
                    and t.head.i in clause_heads) or t.lower_ == "there"
            ),
            None,
        )
    if subject is not None and aux_i is not None and subject.i > aux_i:
        aux = tokens[aux_i]
        # The subject ends before any clause hanging on it ("the operation | called").
        # (nor an adjective after it, which in English is what the subject is said to be: "projects | viable")
        kept = [c.right_edge.i for c in subject.rights if c.dep_ not in ("acl", "relcl", "amod")]
        end = min(max([subject.i, *kept]) + 1 if subject.lower_ != "there" else subject.i + 1, len(tokens))
        parts[end - 1] = parts[end - 1].rstrip() + " "
        # do-support puts the bare verb right after the subject, whatever the tagger made of it ("finish/NN")
        verb_next = end < len(tokens) and (tokens[end].pos_ in ("VERB", "AUX") or tokens[end].i == aux.head.i)
        if aux.lower_ in ("do", "does", "did") and verb_next:
            parts[end] = inflect(tokens[end].lemma_.lower(), aux.lower_) + tokens[end].whitespace_
            parts = parts[:aux_i] + parts[aux_i + 1 : end] + parts[end:]
        else:
            parts = parts[:aux_i] + parts[aux_i + 1 : end] + [aux.lower_ + " "] + parts[end:]
    clause = closed_up(" ".join("".join(parts[first:]).split()))
    lead_word = clause.split(" ", 1)[0]
    proper = any(t.text == lead_word and keeps_capital(t) for t in tokens)
    if clause and not proper:
        clause = clause[0].lower() + clause[1:]
    return ("whether " if opening is not None else "") + clause
