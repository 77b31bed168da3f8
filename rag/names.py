"""Named things, matched strictly: the same words, a nationality adjective, an acronym, or an alias the
source itself defines. Never a near spelling: "China" must not match "India", nor "Iran" match "Iraq".

    defined_acronyms("the Pakistan Institute for Peace Studies (PIPS) said")
        == {"PIPS": "Pakistan Institute for Peace Studies"}
    find_name("PIPS", Words.of(text), aliases)   # positions where the name (or what it stands for) is

Matching works on plain words (no parse), so a whole article can be searched for a name cheaply.

    other_names("Delhi") == ("India", "New Delhi", "Indian", ...)   # a country's names, from countryinfo
    other_names("Britain") == ("United Kingdom", "UK", ...)          # and WordNet's, for places and bodies
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from spacy.tokens import Token

from rag import wordnet

_CONNECTORS = {"of", "for", "and", "the", "on", "in", "to", "&", "de", "du", "la", "al", "el", "von", "van"}
# Titles and honorifics that precede a name without being part of it.
HONORIFICS = {"mr", "mrs", "ms", "dr", "sen", "rep", "gov", "prof", "gen", "col", "lt", "sgt", "st", "sir", "dame", "rev", "president"}
_LONG = r"(?:[A-Z][\w’'.-]*)(?:\s+(?:(?:of|for|and|the|on|in|to|&|de|du|la)\s+)*[A-Z][\w’'.-]*){1,8}"
_ACRONYM = r"[A-Z][A-Za-z&.]{1,9}"
_LONG_THEN_SHORT = re.compile(rf"({_LONG})\s+\(({_ACRONYM})\)")
_SHORT_THEN_LONG = re.compile(rf"\b({_ACRONYM})\s+\(({_LONG})\)")
_WORD = re.compile(r"[^\W_][\w’'.&+]*")
# Nationality adjectives are the place name plus one of these ("Pakistani", "Iranian", "Kenyan", "Chinese").
_DEMONYM_ENDINGS = ("i", "n", "an", "ian", "ese", "ish", "ic")


@functools.lru_cache(maxsize=65536)  # an article's words repeat, and the same articles come back
def fold(word: str) -> str:
    """Lower case, accents and dots dropped, a possessive 's removed: "Mbappé’s" -> "mbappe"."""
    word = unicodedata.normalize("NFKD", word)
    word = "".join(c for c in word if not unicodedata.combining(c)).lower().replace(".", "")
    return re.sub(r"[’']s?$", "", word)


@dataclass
class Words:
    """A text's words, folded, with where each came from (a token index, or its place in the text)."""

    words: list[str]
    capital: list[bool]
    ids: list[int]

    @functools.cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.words)

    def positions(self, word: str) -> list[int]:
        """Where `word` is in `words`. A whole article is read for every question that names something,
        but only a few of its words are looked up: a set and a scan in C are cheaper than indexing each word."""
        if word not in self.vocabulary:
            return []
        found, n = [], -1
        try:
            while True:
                n = self.words.index(word, n + 1)
                found.append(n)
        except ValueError:
            return found

    @classmethod
    def of(cls, text: str) -> Words:
        found = _WORD.findall(text)
        return cls([fold(w) for w in found], [w[:1].isupper() for w in found], list(range(len(found))))

    @classmethod
    def of_tokens(cls, tokens: Sequence[Token]) -> Words:
        tokens = [t for t in tokens if not t.is_space and not t.is_punct]
        return cls([fold(t.text) for t in tokens], [t.text[:1].isupper() for t in tokens], [t.i for t in tokens])


def word_matches(text: str) -> Iterator[re.Match]:
    """The words of `text` as `Words.of` reads them, with their offsets."""
    return _WORD.finditer(text)


def word_set(text: str) -> set[str]:
    """The folded words of `text` ("U.S." -> "us", "Mbappé" -> "mbappe"), without parsing."""
    return set(Words.of(text).words)


def initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[\w’']+", name) if w.lower() not in _CONNECTORS).upper()


def _letters(acronym: str) -> str:
    return re.sub(r"[^A-Za-z]", "", acronym).upper()


def defined_acronyms(text: str) -> dict[str, str]:
    """Acronyms a text defines, with what they stand for: "Full Name (FN)" or "FN (Full Name)"."""
    found: dict[str, str] = {}
    for long, short in [m.groups() for m in _LONG_THEN_SHORT.finditer(text)] + [m.groups()[::-1] for m in _SHORT_THEN_LONG.finditer(text)]:
        letters = _letters(short)
        if len(letters) < 2 or sum(c.isupper() for c in short) < 2:
            continue
        words = re.findall(r"[\w’'.-]+", long)
        # The long form may start with words that are not part of the name ("Last year the Foo Bar (FB)").
        for start in range(len(words)):
            if words[start].lower() in _CONNECTORS:
                continue
            candidate = " ".join(words[start:])
            if initials(candidate) == letters:
                found.setdefault(short, candidate)
                break
    return found


@functools.lru_cache(maxsize=65536)  # each candidate's name is looked for in every sentence
def name_parts(name: str) -> tuple[str, ...]:
    """The words that identify a name, folded: "the Abdul Basit's" -> ("abdul", "basit"); a title before it
    ("Dr.") and, in a name that has capitals, its lower-case words ("the reef authority") are left out."""
    words = _WORD.findall(name)
    if any(w[:1].isupper() for w in words):
        words = [w for w in words if w[:1].isupper() or w[:1].isdigit()]
    parts = [fold(w) for w in words]
    while parts and parts[0] in HONORIFICS:
        parts = parts[1:]  # "Dr." alone is no name
    return tuple(p for p in parts if p and p not in _CONNECTORS)


def other_names(name: str, capitals: bool = True) -> tuple[str, ...]:
    """The other names of what `name` stands for. For a country: the country, its capital (news names a
    government by its seat: "Delhi rejected the charge"; left out with `capitals=False`, where the capital
    is a place of its own), its nationality adjective ("British" for the United Kingdom, which no ending
    rule finds) and its longer official names; a name that two countries answer to is taken for the more
    populous one's. For any place or body WordNet knows, the names it gives the same thing ("Britain":
    "UK"; "Department of Defense": "DoD"). Empty for anything else."""
    countries = _countries()
    country = countries.names.get(name_parts(name), ())
    found = (other for other in dict.fromkeys((*country, *wordnet.other_names(name))) if other != name)
    return tuple(other for other in found if capitals or name_parts(other) not in countries.capitals)


class _Countries(NamedTuple):
    names: dict[tuple[str, ...], tuple[str, ...]]  # any name's parts -> all the names of its country
    capitals: frozenset[tuple[str, ...]]  # the parts of every capital, short forms included


@functools.lru_cache(maxsize=1)
def _countries() -> _Countries:
    from countryinfo import CountryInfo  # 250 small JSON files, read on the first question that names a place

    claims: dict[tuple[str, ...], list[tuple[int, tuple[str, ...]]]] = {}
    capitals: set[tuple[str, ...]] = set()
    for info in CountryInfo.all().values():
        capital = info.get("capital") or ""
        if isinstance(capital, list):  # one country lists its capital
            capital = capital[0] if capital else ""
        if not capital:  # uninhabited territories: no government to name
            continue
        spellings = [a for a in info.get("altSpellings") or [] if " " in a and "," not in a and a.isascii()]
        names = tuple(dict.fromkeys(n for n in (info["name"], capital, info.get("demonym"), *spellings) if n))
        keys = {name_parts(n) for n in names}
        keys |= {(initials(n).lower(),) for n in names if len(name_parts(n)) > 1}  # "US", "UAE", "PRC"
        parts = name_parts(capital)
        capital_keys = {parts}
        if len(parts) == 2:  # "Delhi" for New Delhi, "Washington" for Washington D.C.
            capital_keys |= {(p,) for p in parts if len(p) > 3}
        capitals |= capital_keys
        for key in (keys | capital_keys) - {()}:
            claims.setdefault(key, []).append((info.get("population") or 0, names))
    # a name two countries could answer to ("Chinese": China, or Hong Kong) is the more populous one's
    return _Countries({key: max(found)[1] for key, found in claims.items()}, frozenset(capitals))


def same_name_word(a: str, b: str) -> bool:
    """One word of a name against another: equal, or a place and its nationality adjective."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) < 3:
        return False
    stems = {short, short[:-1]} if short[-1] in "aey" else {short}
    return any(long_ == stem + ending for stem in stems for ending in _DEMONYM_ENDINGS)


@functools.lru_cache(maxsize=4096)
def _name_word_forms(part: str) -> frozenset[str]:
    """Every word `same_name_word` could accept for `part` (and some it rejects), so a name is looked up
    instead of compared with each word of an article: the part with a nationality ending, or the part
    as such an adjective with the ending taken off (and the "a", "e" or "y" it may have replaced)."""
    longer = {stem + ending for stem in (part, part[:-1]) for ending in _DEMONYM_ENDINGS}
    shorter = {part[: -len(ending)] + tail for ending in _DEMONYM_ENDINGS for tail in ("", "a", "e", "y")}
    return frozenset(longer | shorter)


def find_name(name: str, words: Words, aliases: Mapping[str, str] = {}) -> set[int] | None:  # noqa: B006 (read only)
    """Where `name` is mentioned among `words` (their ids), or None.

    A mention is every word of the name; its acronym (spelled by the initials of consecutive words, or
    defined by the source); the long form of an acronym the source defines; or, for a name of two or
    three words, its last word written with a capital ("Naqvi" for "Mohsin Naqvi")."""
    parts = name_parts(name)
    if not parts:
        return None
    found: set[int] = set()
    for part in parts:
        hits = words.positions(part) or [n for word in _name_word_forms(part) if word in words.vocabulary and same_name_word(part, word)
                                         for n in words.positions(word)]
        if not hits:
            break
        found.update(hits)
    else:
        return {words.ids[n] for n in found}
    compact = name.replace(".", "").strip()
    letters = _letters(name) if compact.isupper() and " " not in compact else initials(" ".join(parts))
    if len(letters) >= 2:
        if letters.lower() in words.vocabulary:  # the name spelled out in the question, its acronym in the text
            return {words.ids[n] for n in words.positions(letters.lower())}
        spelled = _spelled_out(letters, words)
        if spelled:
            return spelled
    for short, long in aliases.items():
        if _letters(short) == letters and fold(long) != fold(name):
            hit = find_name(long, words)
            if hit:
                return hit
        if name_parts(long) == parts and fold(short) in words.vocabulary:
            return {words.ids[n] for n in words.positions(fold(short))}
    if len(parts) in (2, 3):
        last = [n for n in words.positions(parts[-1]) if words.capital[n]]
        if last:
            return {words.ids[n] for n in last}
    return None


def _spelled_out(letters: str, words: Words) -> set[int] | None:
    """Consecutive capitalised words (connectors allowed between them) whose initials spell `letters`."""
    first_letter = letters[0].lower()
    for i, word in enumerate(words.words):
        if not words.capital[i] or not word.startswith(first_letter):
            continue
        got, used = "", []
        for n in range(i, len(words.words)):
            w = words.words[n]
            if w in _CONNECTORS and got:
                continue
            if not words.capital[n]:
                break
            got += w[0].upper()
            used.append(words.ids[n])
            if got == letters:
                return set(used)
            if not letters.startswith(got):
                break
    return None
