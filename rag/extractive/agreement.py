"""Agreement across sources: which candidates give the same answer, and which genuinely disagree.

    reports = weigh(ranked, plausible)
    reports.best, reports.agreeing, reports.rival   # stated, corroborating (other articles), disputing

News questions are answered by many articles at once, and that redundancy is the strongest signal there
is. Two candidates give *the same value* when they normalise alike (`values.same_value`: figures as
numbers, dates as days, names by the name-matching rules).

The same value from another article corroborates the answer; a different value from another article is
a *disagreement* only when both plainly report the same fact. That is decided from the evidence
sentences themselves, never from what the values are:
- different articles: one article giving two figures is giving figures for two things (two attacks,
  two years), not disputing itself;
- the same quantity: each figure counts the same noun ("31 civilians", "33 civilians"; not "31
  civilians" and "48 people", which may be a part and its total);
- the same happening: both figures hang on a verb that means what the question asks (or the same verb);
- the same period: the days the two sentences name do not differ, and the articles appeared within
  `SAME_EVENT_DAYS` of each other (a later report of a later event is an update, not a dispute).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.extractive.candidates import Candidate
from rag.extractive.features import governing_verb
from rag.extractive.question import ALIGNED_VERB
from rag.extractive.values import DAY, YEAR, kind, same_value

MAX_AGREEING = 2  # cited beside the lead's own source: "the best two or three" in all
# Reports of one event appear within days of each other; a figure published weeks later is a later count.
SAME_EVENT_DAYS = 7
# A disputing figure must be a serious reading of the question, not a stray number: at least this share
# of the stated answer's probability (and plausible: see ranker.py).
RIVAL_SHARE = 0.5


@dataclass
class Reports:
    best: Candidate  # the answer stated in the lead
    agreeing: list[Candidate] = field(default_factory=list)  # other articles giving the same value, best first
    rival: Candidate | None = None  # another article's different figure for the same fact


# --- the same fact ----------------------------------------------------------------------------------
def _article(c: Candidate) -> str:
    return c.evidence.sentence.chunk.source_id


def _outlet(c: Candidate) -> str:
    chunk = c.evidence.sentence.chunk
    return (chunk.outlet or chunk.source_id).casefold()


def counted(c: Candidate) -> set[str]:
    """The noun a figure counts, by lemma: "civilian" for "31 civilians", "death" for "the number of
    deaths … 30"; empty when the sentence does not say (and for a row, whose columns are not counts)."""
    span, doc = c.span, c.span.doc
    if c.evidence.sentence.is_row:
        return set()
    root = span.root
    if root.head not in span and root.head.pos_ == "NOUN" and root.dep_ in ("nummod", "quantmod", "amod", "compound", "nmod"):
        return {root.head.lemma_.lower()}  # "31 [civilians]", "a [$60 billion] corridor"
    if span.end < len(doc) and doc[span.end].pos_ == "NOUN":
        return {doc[span.end].lemma_.lower()}
    if root.dep_ == "pobj" and root.head.head.pos_ == "NOUN":
        return {root.head.head.lemma_.lower()}  # "a toll of 30"
    return {t.lemma_.lower() for t in span if t.pos_ == "NOUN"}


def _days(c: Candidate) -> set[str]:
    return {k for k in c.evidence.dates if DAY.match(k) or YEAR.match(k)}


def _dates_conflict(a: Candidate, b: Candidate) -> bool:
    """The sentences name different days (or different years) for what they report."""
    da, db = _days(a), _days(b)
    for pattern in (DAY, YEAR):
        pa, pb = {k for k in da if pattern.match(k)}, {k for k in db if pattern.match(k)}
        if pa and pb and not pa & pb:
            return True
    return False


def _published_apart(a: Candidate, b: Candidate) -> bool:
    """The articles appeared too far apart to be reporting the same count (the later one is an update).
    Only a dispute needs this: the same figure reported months later still corroborates."""
    pub_a, pub_b = a.evidence.sentence.chunk.published, b.evidence.sentence.chunk.published
    return bool(pub_a and pub_b and abs((pub_a - pub_b).days) > SAME_EVENT_DAYS)


def _same_happening(a: Candidate, b: Candidate) -> bool:
    """Both figures hang on the asked verb (by meaning), or on the same verb when the question has none."""
    if a.evidence.sentence.is_row or b.evidence.sentence.is_row:
        return True  # a row has no verb; its columns were read as its context
    if a.features.get("predicate_sim", 0.0) >= ALIGNED_VERB and b.features.get("predicate_sim", 0.0) >= ALIGNED_VERB:
        return True
    va, vb = governing_verb(a.span)[0], governing_verb(b.span)[0]
    return va is not None and vb is not None and va.lemma_.lower() == vb.lemma_.lower()


def compatible(a: Candidate, b: Candidate) -> bool:
    """Nothing in the two sentences says they report different things: figures count the same noun
    (when both say what they count) and the dates do not differ."""
    if kind(a) == "number" and kind(b) == "number":
        ca, cb = counted(a), counted(b)
        if ca and cb and not ca & cb:
            return False
    return not _dates_conflict(a, b)


def same_fact(a: Candidate, b: Candidate) -> bool:
    """Two figures from different articles plainly report one fact (see the module's docstring)."""
    if _article(a) == _article(b) or kind(a) != "number" or kind(b) != "number" or a.label != b.label:
        return False
    return bool(counted(a) & counted(b)) and _same_happening(a, b) and not _dates_conflict(a, b) and not _published_apart(a, b)


# --- the answer's sources ---------------------------------------------------------------------------
def weigh(ranked: list[Candidate], plausible: float) -> Reports:
    """The candidate to state, the other articles that give the same value (different outlets first, one
    candidate per article), and a rival figure when another article reports the same fact differently.
    When an article and a dataset row agree, the article's sentence leads and the row corroborates it."""
    best = ranked[0]
    likely = [c for c in ranked[1:] if c.probability >= plausible]
    same = [c for c in likely if same_value(c, best) and compatible(c, best)]
    if best.evidence.sentence.is_row:
        # A row vouches for its figure, so an article's sentence giving the same figure leads however it
        # scored alone. Not for a name or words: the row's "Al Jazeera report" is no answer "He told Al Jazeera" gives.
        vouched = ranked[1:] if kind(best) == "number" else likely
        prose = next((c for c in vouched if not c.evidence.sentence.is_row and same_value(c, best) and compatible(c, best)), None)
        if prose is not None:
            same = [best, *(c for c in same if c is not prose)]
            best = prose
    agreeing: list[Candidate] = []
    articles = {_article(best)}
    for c in same:
        if _article(c) not in articles:
            articles.add(_article(c))
            agreeing.append(c)
    return Reports(best, _outlets_first(best, agreeing)[:MAX_AGREEING], _rival(best, ranked, plausible))


def _outlets_first(best: Candidate, agreeing: list[Candidate]) -> list[Candidate]:
    """Each outlet's likeliest article first (an outlet repeating itself corroborates less), then the rest."""
    seen, first, rest = {_outlet(best)}, [], []
    for c in agreeing:
        (rest if _outlet(c) in seen else first).append(c)
        seen.add(_outlet(c))
    return first + rest


def _rival(best: Candidate, ranked: list[Candidate], plausible: float) -> Candidate | None:
    """The likeliest figure another article gives for the same fact, when that article does not also give
    the stated one. Only articles dispute: a dataset row often counts by another definition."""
    if kind(best) != "number" or best.evidence.sentence.is_row:
        return None
    agreeing = {_article(c) for c in ranked if same_value(c, best)}
    for c in ranked:
        if c.probability < max(plausible, RIVAL_SHARE * best.probability):
            break
        if _article(c) not in agreeing and not c.evidence.sentence.is_row and same_fact(best, c):
            return c
    return None
