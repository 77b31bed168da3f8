"""WordNet read in place: synonyms and kinds, for the words a paraphrase swaps."""

from __future__ import annotations

import pytest

from rag.wordnet import category, causes, does, related, senses


@pytest.mark.parametrize(
    ("a", "b", "pos", "expected"),
    [
        ("seize", "capture", "v", 1.0),  # share a sense
        ("rebel", "insurgent", "n", 1.0),
        ("assault", "attack", "n", 0.5),  # an assault is a kind of attack
        ("attack", "assault", "n", 0.5),  # either way round
        ("slay", "kill", "v", 0.5),
        ("civilian", "fighter", "n", 0.0),
        ("attack", "attack", "n", 0.0),  # the same word is no paraphrase (exact matches are other features)
        ("zymurgy", "qwertyuiop", "n", 0.0),  # a word WordNet lacks
        ("new york", "city", "n", 0.5),  # a lemma of several words
    ],
)
def test_synonyms_and_kinds(a, b, pos, expected):
    assert related(a, b, pos) == expected


def test_a_word_has_its_senses_and_parts_of_speech_are_apart():
    assert len(senses("attack", "n")) > 1 and len(senses("attack", "v")) > 1
    assert senses("attack", "n").isdisjoint(senses("attack", "v"))
    assert senses("", "n") == frozenset() and senses("aaaaaa", "v") == frozenset()


def test_a_noun_s_category_is_the_file_its_most_frequent_sense_is_filed_under():
    assert category("pollster") == "person" and category("season") == "time" and category("weather") == "phenomenon"
    assert category("drugmaker") is None  # a word WordNet lacks


def test_a_title_says_what_its_holder_does_when_it_is_a_kind_of_one_derived_from_the_verb():
    assert does("administrator", "head") and does("superintendent", "lead") and does("chairman", "chair")
    assert not does("spokesman", "head") and not does("administrator", "kill")
    assert not does("administrator", "qwertyuiop") and not does("zymurgy", "head")  # words WordNet lacks


def test_a_verb_causes_what_its_object_then_does():
    assert causes("kill", "die") and causes("murder", "die") and causes("raise", "rise")
    assert not causes("die", "kill") and not causes("blame", "die") and not causes("kill", "kill")
