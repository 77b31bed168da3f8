"""What the ranker knows about each candidate: numbers, one per feature, in a fixed order.

    describe(q, candidates, evidence, meaning)   # fills candidate.features (all but the prior)

Sentence-level: closeness to the question (e5, `rag.relevance`), the question's names / nouns / verbs it uses, whether its names
and dates are in the sentence itself, the passage's retrieval rank and place in its article.
Candidate-level: how well the words around it (the noun it counts, the title it carries, its column)
match the thing asked about, in meaning and as WordNet's synonyms and kinds; whether a name's title is of
the kind asked for (a person for "who"); whether it fills the asked role of a verb that means what the
question's verb means (or is its synonym); how close it sits to the question's words; whether it repeats
the question; whether a figure is part of a longer name; whether other sentences and other sources give
the same value. What kind of sentence it is in: one that asks, a headline, a possibility, a tense other
than the question's, a longer one than the others'. A yes/no question's candidates are whole sentences:
whether one says no, or replies "yes" or "no" outright. The weights are fitted (`evals/fit.py`), not set
here.
"""

from __future__ import annotations

import math
from collections import defaultdict

from spacy.tokens import Span, Token

from rag.extractive.candidates import DATE_LABELS, NUMBER_LABELS, Candidate
from rag.extractive.evidence import Evidence, forms, meaning_within, word_match
from rag.extractive.question import ALIGNED_VERB, Form, Question, asked_verb
from rag.extractive.values import holds
from rag.language import HEDGES, KIND_OF_LABEL, LIGHT_VERBS, PLACE_PREPOSITIONS, SAY_VERBS, TIME_UNITS, clause_verb, denies, replies, tense
from rag.meaning import Meaning
from rag.names import Words, find_name, name_parts, other_names
from rag.nlp import entities, text_of
from rag.normalise import find_dates
from rag.wordnet import category, causes, does, is_a, related

# The order of the weights in rag/extractive/weights.json; "prior" is filled in by the ranker.
FEATURES = (
    "prior",
    "kind_fit",
    "place_head",
    "place_phrase",
    "place_phrase_named",
    "undated",
    "dense",
    "dense_gap",
    "cov_names",
    "cov_nouns",
    "cov_verbs",
    "cov_meaning",
    "names_away",
    "numbers_away",
    "dates_away",
    "passage_rank",
    "article_position",
    "is_row",
    "has_context",
    "focus_near",
    "focus_close",
    "focus_exact",
    "focus_in_span",
    "title_fits",
    "title_does",
    "modifiers",
    "modifiers_missing",
    "predicate_sim",
    "role_agrees",
    "role_differs",
    "focus_wordnet",
    "predicate_wordnet",
    "role_wordnet",
    "speaker",
    "in_question",
    "in_name",
    "title_of_name",
    "proximity",
    "clause_terms",
    "clause_meaning",
    "tree_proximity",
    "quoted",
    "asks",
    "headline",
    "hedged",
    "tense_differs",
    "says_no",
    "replies",
    "length",
    "sentence_length",
    "agreement",
    "other_sources",
    "articles_agree",
)


def describe(q: Question, candidates: list[Candidate], evidence: list[Evidence], meaning: Meaning) -> None:
    top_dense = max((e.dense for e in evidence), default=0.0)
    asks_place = q.key == "where" or (bool(q.kinds) and max(q.kinds, key=q.kinds.get) == "place")
    # "India" repeats a question about Delhi, except where the question asks for a place: a capital is
    # where a country's talks are held ("Where are the US-Mexico talks?" "In Washington")
    named = [n for name in q.entities for n in (name, *other_names(name, capitals=not asks_place))]
    # "the U.S." repeats a question about "American" negotiators (matched as a name, not word by word)
    norp = [n for e in entities(q.doc) if e.label_ == "NORP" for n in other_names(e.text, capitals=not asks_place)]
    spelled_names = named + norp
    question_words = {w for t in q.terms for w in t.words} | {p for name in named for p in name_parts(name)}
    initials = _initials(q)
    asked = _asked_category(q)
    asked_tense = tense(next((t for t in q.doc if t.dep_ == "ROOT"), None))
    for c in candidates:
        e, s = c.evidence, c.evidence.sentence
        f = c.features
        f["kind_fit"] = q.kinds.get(_kind(c.label), 0.0) if q.kinds else 0.0
        # "the Indian Creek Correctional Center", tagged an organisation, is a place to a "Where …?"
        f["place_head"] = float(asks_place and _names_a_place(c.span))
        # "negotiators are meeting in Washington this week": where something happens is said by a preposition
        f["place_phrase"] = float(asks_place and _after_place_preposition(c.span))
        # ... though not every such phrase is a place: "belonged to the National Liberation Front" (a group
        # tagged as one, whose head noun is no place either)
        named = _kind(c.label) in ("person", "organisation")
        f["place_phrase_named"] = float(f["place_phrase"] and named and not f["place_head"])
        # "this day", "daily", "the same day": tagged a date, yet no day, month, year or decade a reader can use
        vague = c.label in DATE_LABELS and not any(ch.isdigit() for ch in c.text)
        f["undated"] = float(vague and not find_dates(c.text, s.chunk.published))
        f["dense"] = e.dense
        f["dense_gap"] = e.dense - top_dense
        f["cov_names"], f["cov_nouns"], f["cov_verbs"], f["cov_meaning"] = e.cov_names, e.cov_nouns, e.cov_verbs, e.cov_meaning
        f["names_away"], f["numbers_away"], f["dates_away"] = e.names_away, e.numbers_away, e.dates_away
        f["passage_rank"] = 1 / (1 + s.rank)
        f["article_position"] = 1 / (1 + s.chunk.position)
        f["is_row"] = float(s.is_row)
        nouns = context_nouns(c)
        f["has_context"] = float(q.focus is not None and bool(nouns))
        # "locations" for "sites", by meaning. The similarity of two unrelated nouns is about 0.3, not 0, so
        # as a linear feature it marked every noun; in bands the fit weighs near and close meanings apart.
        others = [t.lemma_.lower() for t in nouns if q.focus is not None and word_match(q.focus, t) < 1.0]
        # a sentence that uses the asked noun itself means something else by its near words: in "killed 31
        # civilians and 17 security personnel", the personnel are not the civilians asked about
        says_focus = q.focus is not None and any(word_match(q.focus, t) >= 1.0 for t in e.tokens)
        closeness = meaning.best(q.focus.lemma, others) if others and not says_focus else 0.0
        f["focus_near"] = float(NEAR_MEANING <= closeness < CLOSE_MEANING)
        f["focus_close"] = float(closeness >= CLOSE_MEANING)
        f["focus_exact"] = float(q.focus is not None and any(word_match(q.focus, t) >= 1.0 for t in nouns if t not in c.span))
        f["focus_in_span"] = float(q.focus is not None and any(word_match(q.focus, t) >= 1.0 for t in c.span))
        # "spokesperson Ana Ruiz", the phrase tagged an organisation, is a person by her title
        f["title_fits"] = float(asked is not None and any(category(t.lemma_.lower()) == asked for t in _titles(c.span)))
        # "Who heads the agency?": "[Transit Administrator] Ana Ruiz" is the one whose title says she does it
        f["title_does"] = float(q.predicate is not None and q.role == "subject"
                                and any(does(t.lemma_.lower(), q.predicate.lemma) for t in _titles(c.span)))
        around = [*nouns, *c.span, *_near(c.span)]
        near = forms(around)
        f["modifiers"] = _share([any(w in near for w in m.words) for m in q.focus_modifiers])
        # "literacy" of "the literacy rate" nowhere in the sentence: it cannot be about that rate (kept
        # apart from `modifiers`, where 0 would also mean the question named no modifier)
        f["modifiers_missing"] = _share([not any(w in e.words_said for w in m.words) for m in q.focus_modifiers])
        verb, role = governing_verb(c.span)
        if verb is not None and q.predicate is not None and role is not None and causes(verb.lemma_.lower(), q.predicate.lemma):
            # "Fighters killed 17 soldiers" answers "How many soldiers died?": what a verb does to its object,
            # the verb it causes says of its subject; its own subject (the fighters) did not die
            role = {"object": "subject", "subject": "cause"}.get(role, role)
        similarity = 0.0
        if q.predicate is not None and c.label == "SENTENCE":  # a yes/no or reason sentence: its best verb
            verbs = [t.lemma_.lower() for t in c.span if t.pos_ == "VERB"]
            similarity = meaning.best(q.predicate.lemma, verbs)
        elif q.predicate is not None and verb is not None:
            similarity = meaning.similarity(q.predicate.lemma, verb.lemma_.lower())
        f["predicate_sim"] = similarity
        aligned = similarity >= ALIGNED_VERB and q.role is not None and role is not None
        f["role_agrees"] = similarity if aligned and role == q.role else 0.0
        f["role_differs"] = similarity if aligned and role != q.role else 0.0
        # A paraphrase's words by WordNet: "assaults" for the attacks a figure counts, "slain" for "killed"
        f["focus_wordnet"] = max((related(q.focus.lemma, t.lemma_.lower(), "n") for t in nouns), default=0.0) if q.focus else 0.0
        f["predicate_wordnet"] = related(q.predicate.lemma, verb.lemma_.lower(), "v") if q.predicate and verb is not None else 0.0
        f["role_wordnet"] = f["predicate_wordnet"] if role == q.role else 0.0
        f["speaker"] = float((verb is not None and verb.lemma_.lower() in SAY_VERBS and role == "subject") or _according_to(c.span))
        words = [t for t in c.span if not t.is_stop and any(ch.isalpha() for ch in t.text)]  # "U.S." too
        # A yes/no question's candidates are whole sentences, meant to restate it: repeating its words
        # is no fault there, and a sentence's length says nothing (the sentence features weigh them).
        whole = q.form is Form.YESNO
        # "the European Broadcasting Union" repeats a question about the EBU, as "EBU" would
        spelled = _names_in(spelled_names, c.span) if any(t.is_title or t.is_upper for t in words) else set()
        repeats = [t.lower_ in question_words or t.lemma_.lower() in question_words
                   or (t.is_upper and t.lower_ in initials) or t.i in spelled for t in words]
        f["in_question"] = 0.0 if whole else _share(repeats)
        # "Herof 2.0", "Boeing 737", "Apollo 11": a figure inside a name names something, it counts nothing
        f["in_name"] = float(any(ch.isdigit() for ch in c.text) and _within_name(c.span))
        # "[President-elect] Donald Trump", "[Majority Leader] Chuck Schumer": words the tagger called no
        # name, in front of a name, are its title: they say what that one is and name no one else
        f["title_of_name"] = float(c.label in ("PROPN", "NP") and _title_of_name(c.span))
        f["proximity"] = _proximity(e, c.span)
        f["clause_terms"] = _clause_terms(e, c.span)
        clause = clause_of(c.span) - set(range(c.span.start, c.span.end))
        f["clause_meaning"] = meaning_within(e, clause)
        f["tree_proximity"] = _tree_proximity(c.span, e.near_question - set(range(c.span.start, c.span.end)))
        f["quoted"] = float(c.label == "QUOTED" or _within_quotes(c.span))
        # "Has Justin Rose won the Masters?": an explainer's subheading asks, it does not say
        last = _last_mark(s.span)
        f["asks"] = float(last == "?")
        # "Putin, North Korea's Kim meet in Russia", "Met Gala 2023 best dressed: See …": a headline or a
        # link to another story, not a sentence of this one
        f["headline"] = float(not s.is_row and last not in ".!?:;")
        # a sentence that settles a yes/no question often does so by saying no ("No one was injured")
        c.verb = asked_verb(q, c.span, e.matched, meaning) if c.label == "SENTENCE" else None
        f["says_no"] = float(c.label == "SENTENCE" and denies(c.span, c.verb))
        # "the toll could reach 50", "if the talks fail": a possibility, not a fact
        stating = c.verb if c.verb is not None else clause_verb(c.span)
        f["hedged"] = float(stating is not None and any(ch.lower_ in HEDGES and ch.dep_ in ("aux", "mark") for ch in stating.children))
        # "When will the third round be held?" is not answered by when the second one was
        f["tense_differs"] = float({asked_tense, tense(stating)} == {"future", "past"})
        # "Yes, X is listed as a starter": a sentence that replies to a question, as explainers do
        f["replies"] = float(whole and replies(c.span) is not None)
        f["length"] = 0.0 if whole else math.log1p(len(c.span))
    _agreement(candidates)
    _articles_agree(candidates, evidence)
    _sentence_lengths(candidates)


_PLACE_KINDS = ("location", "structure", "facility")
# MiniLM similarity of two nouns: synonyms sit at 0.55-0.76 ("site"/"location" 0.56, "price"/"cost" 0.73),
# unrelated nouns at 0.25-0.4
NEAR_MEANING, CLOSE_MEANING = 0.5, 0.65


def _asked_category(q: Question) -> str | None:
    """WordNet's category of what an entity question asks for: a person for "Who …?", the asked noun's
    for "Which pollster …?" (the category its prior is keyed on)."""
    if q.key == "who":
        return "person"
    wh, _, kind = q.key.partition(":")
    return kind if wh in ("which", "what") and kind else None


def _titles(span: Span) -> list[Token]:
    """The nouns a name carries as its title: "[Interior Minister] Mohsin Naqvi", "[spokesperson] Randhir
    Jaiswal", "Abdul Basit, a research [fellow]"."""
    root = span.root
    # a capitalised title ("Prime Minister"), not a word of a name ("Mercer" of "the Mercer Institute")
    out = [ch for ch in root.children if ch.dep_ in ("compound", "appos")
           and (ch.pos_ == "NOUN" or (ch.pos_ == "PROPN" and not ch.ent_type_))]
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        out.append(root.head)  # "India's foreign ministry [spokesman], Randhir Jaiswal"
    return out


def _names_a_place(span: Span) -> bool:
    """Whether the span's head noun is, by WordNet, a kind of location, structure or facility: "center",
    "prison", "site", "library"."""
    head = span.root
    return head.pos_ in ("NOUN", "PROPN") and _is_place_word(head.lemma_.lower())


def _after_place_preposition(span: Span) -> bool:
    """"in Washington", "at the Iowa Capitol"; not "in some 600 years", "at about 16,000 feet", "in broad
    daylight", "at dawn" (a time or a measure after the same prepositions)."""
    root = span.root
    measured = any(t.like_num for t in span) or root.lemma_.lower() in TIME_UNITS or root.ent_type_ in DATE_LABELS
    return root.dep_ == "pobj" and root.head.lower_ in PLACE_PREPOSITIONS and not measured and not _names_a_time(root)


def _names_a_time(head: Token) -> bool:
    """Whether a common noun is, by WordNet, only a period of time ("daylight", "dawn", "the morning"), in
    no sense a place ("spring" is also where water rises)."""
    lemma = head.lemma_.lower()
    return head.pos_ == "NOUN" and is_a(lemma, "time_period") and not _is_place_word(lemma)


def _is_place_word(lemma: str) -> bool:
    return any(is_a(lemma, kind) for kind in _PLACE_KINDS)


def _names_in(names: list[str], span: Span) -> set[int]:
    """The tokens of `span` that mention one of `names`, under any of the forms `find_name` knows."""
    words = Words.of_tokens(list(span))
    return {i for name in names for i in find_name(name, words) or ()}


def _initials(q: Question) -> set[str]:
    """The acronyms a run of the question's words would make: "fdi" for "foreign direct investment", so
    that "FDI" in a source repeats the question rather than answering it."""
    words = [t.lower_ for t in q.doc if t.is_alpha and not t.is_stop]
    return {"".join(w[0] for w in words[i:j]) for i in range(len(words)) for j in range(i + 2, min(i + 7, len(words) + 1))}


def _sentence_lengths(candidates: list[Candidate]) -> None:
    """A long sentence's closeness in meaning is spread over more things than the one asked about. Its
    length counts against the other candidates' (log words, less their mean): how long one source writes
    its sentences says nothing about how sure an answer is."""
    lengths = [math.log1p(len(c.evidence.sentence.span)) for c in candidates]
    mean = sum(lengths) / len(lengths) if lengths else 0.0
    for c, length in zip(candidates, lengths, strict=True):
        c.features["sentence_length"] = length - mean


def _last_mark(sentence: Span) -> str:
    """The sentence's last character, closing quotes and brackets aside: its full stop, if it has one."""
    return sentence.text.rstrip(" \n”\"’')")[-1:]


def _according_to(span: Span) -> bool:
    """ "According to the central bank, …": the bank is who says it, as the subject of "said" would be."""
    prep = span.root.head
    return span.root.dep_ == "pobj" and prep.lower_ == "to" and prep.head.lower_ == "according"


def _title_of_name(span: Span) -> bool:
    """Whether the span only modifies a name that follows it: its head, through the words of a compound
    ("Majority [Leader] Chuck Schumer"), is a word of a person's or an organisation's name outside it."""
    tok = span.root
    while tok.dep_ == "compound" and tok.head.i > tok.i:
        tok = tok.head
        if not span.start <= tok.i < span.end and tok.ent_type_ in ("PERSON", "ORG"):
            return True
    return False


def _within_name(span: Span) -> bool:
    """Whether the span is part of a longer name the tagger found (not a figure or a date of its own)."""
    return any(
        ent.start <= span.start and span.end <= ent.end and len(ent) > len(span) and ent.label_ not in NUMBER_LABELS | DATE_LABELS
        for ent in entities(span.doc)
    )


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def _kind(label: str) -> str:
    if label in ("DURATION", "AGE"):
        return "number"
    if label.startswith("CAUSE:"):
        return "reason"
    return KIND_OF_LABEL.get(label, "thing")


def context_nouns(c: Candidate) -> list[Token]:
    """The nouns that say what a candidate is: the noun a number counts, the title before a name, the
    noun a phrase is apposed to or is the subject of, its own common nouns, a dataset cell's column."""
    span, doc = c.span, c.span.doc
    s = c.evidence.sentence
    if s.is_row:  # the other cells and the column names: "Indicator: Attacks in Balochistan · Unit: attacks"
        first = s.chunk.cells[0].start - s.chunk.start if s.chunk.cells else 0
        return [t for t in s.span if t.idx >= first and t.pos_ in ("NOUN", "PROPN") and t not in span]
    root = span.root
    out = [t for t in span if t.pos_ == "NOUN"]
    if root.head != root and root.head.pos_ in ("NOUN", "PROPN") and root.head not in span:
        out.append(root.head)  # "254 [attacks]", "[leader] Bashir Zeb" (as head), "India's [ministry]"
    # a title is often tagged as a proper noun: "Interior [Minister] Mohsin Naqvi"
    titles = [ch for ch in root.children if ch.dep_ in ("compound", "appos", "amod", "nmod") and ch.pos_ in ("NOUN", "PROPN")]
    out += [t for t in titles if t not in span]
    out += [t for t in doc[span.end : min(span.end + 3, len(doc))] if t.pos_ == "NOUN"][:2]
    head = root.head
    if root.dep_ in ("nsubj", "nsubjpass") and head.lemma_ == "be":
        out += [ch for ch in head.children if ch.dep_ == "attr" and ch.pos_ == "NOUN"]
    if root.dep_ == "attr":
        out += [ch for ch in head.children if ch.dep_ in ("nsubj", "nsubjpass") and ch.pos_ == "NOUN"]
    if root.dep_ == "pobj" and head.dep_ == "prep" and head.head.pos_ == "NOUN":
        out.append(head.head)  # "the number of [deaths]" … "a total of 30"
    for prep in (ch for ch in root.children if ch.dep_ == "prep" and ch.lower_ == "of"):
        out += [o for o in prep.children if o.dep_ == "pobj" and o.pos_ == "NOUN"]  # "15 million of … [people]"
    return list(dict.fromkeys(out))


def _near(span: Span) -> list[Token]:
    doc = span.doc
    return list(doc[max(span.start - 3, 0) : span.start]) + list(doc[span.end : min(span.end + 3, len(doc))])


def governing_verb(span: Span) -> tuple[Token | None, str | None]:
    """The nearest content verb above a span (a reporting verb counts; "be", "have", "get" do not), and the
    span's role for it: subject, object or oblique."""
    child, tok = span.root, span.root
    while tok.head != tok:
        child, tok = tok, tok.head
        if tok.pos_ == "VERB" and tok.lemma_.lower() not in LIGHT_VERBS - SAY_VERBS:
            return tok, _role(child)
    return None, None


def _role(child: Token) -> str | None:
    if child.dep_ in ("nsubj", "csubj", "agent"):  # "agent": the "by …" of a passive verb
        return "subject"
    if child.dep_ in ("dobj", "nsubjpass", "attr", "dative", "oprd", "ccomp", "xcomp"):
        return "object"
    return "oblique" if child.dep_ == "prep" else None


def _proximity(e: Evidence, span: Span) -> float:
    positions = [i for i in e.matched if not span.start <= i < span.end]
    if not positions:
        return 0.0
    distance = min(min(abs(i - span.start), abs(i - (span.end - 1))) for i in positions)
    return 1 / (1 + distance / 3)


def _tree_proximity(span: Span, near: set[int]) -> float:
    """1 / (1 + the fewest dependency arcs from the candidate to a word that says part of the question)."""
    if not near:
        return 0.0
    doc = span.doc
    distance: dict[int, int] = {span.root.i: 0}
    frontier = [span.root.i]
    while frontier:
        nxt = []
        for i in frontier:
            tok = doc[i]
            for j in [tok.head.i, *(c.i for c in tok.children)]:
                if j not in distance:
                    distance[j] = distance[i] + 1
                    if j in near:
                        return 1 / (1 + distance[j])
                    nxt.append(j)
        frontier = nxt
    return 0.0


def clause_of(span: Span) -> set[int]:
    """Token indices of the clause that states `span`: its nearest verb's subtree (through "X said ...")."""
    verb = span.root
    while verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("amod", "acl"):
        if verb.head == verb:
            break
        verb = verb.head
    while verb.dep_ in ("ccomp", "xcomp") and verb.head.lemma_ in SAY_VERBS:
        verb = verb.head
    if verb.dep_ == "relcl":
        verb = verb.head
    return set(range(verb.left_edge.i, verb.right_edge.i + 1))


def _clause_terms(e: Evidence, span: Span) -> float:
    outside = [i for i in e.matched if not span.start <= i < span.end]
    if not outside:
        return 0.0
    clause = clause_of(span)
    return sum(i in clause for i in outside) / len(outside)


def _within_quotes(span: Span) -> bool:
    text, end = text_of(span.doc), span.start_char
    start = text.rfind("\n", 0, end) + 1  # counted on the candidate's line, without copying the text
    return text.count("“", start, end) > text.count("”", start, end) or text.count('"', start, end) % 2 == 1


def _agreement(candidates: list[Candidate]) -> None:
    sentences: dict[frozenset, set[int]] = defaultdict(set)
    sources: dict[frozenset, set[str]] = defaultdict(set)
    for c in candidates:
        if c.value:
            sentences[c.value].add(id(c.evidence))
            sources[c.value].add(c.evidence.sentence.chunk.source_id)
    for c in candidates:
        if not c.value:
            c.features["agreement"] = c.features["other_sources"] = 0.0
            continue
        c.features["agreement"] = math.log1p(len(sentences[c.value]) - 1)
        c.features["other_sources"] = math.log1p(len(sources[c.value] - {c.evidence.sentence.chunk.source_id}))


def _articles_agree(candidates: list[Candidate], evidence: list[Evidence]) -> None:
    """How many other articles have an evidence sentence stating the candidate's value, however written
    ("Naqvi" for "Mohsin Naqvi", "$1.4bn" for "1.4 billion"): redundancy across reports."""
    for c in candidates:
        own = c.evidence.sentence.chunk.source_id
        others = {e.sentence.chunk.source_id for e in evidence if e.sentence.chunk.source_id != own and holds(c, e)}
        c.features["articles_agree"] = math.log1p(len(others))
