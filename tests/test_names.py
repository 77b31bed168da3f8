"""Names match strictly: as written, as a nationality adjective, as an acronym or a defined alias, or by
surname; never by a near spelling. A country also goes by its capital and its other names (`other_names`)."""

from __future__ import annotations

import unicodedata

from rag.names import Words, defined_acronyms, find_name, name_parts, other_names, same_name_word


def found(name: str, text: str, aliases: dict | None = None) -> bool:
    return find_name(name, Words.of(text), aliases or {}) is not None


def test_acronyms_the_text_defines_are_found_both_ways_round():
    text = "According to the Pakistan Institute for Peace Studies (PIPS), attacks rose. The BLA (Baloch Liberation Army) said."
    assert defined_acronyms(text) == {"PIPS": "Pakistan Institute for Peace Studies", "BLA": "Baloch Liberation Army"}
    assert defined_acronyms("Last year the Securities and Exchange Commission (SEC) sued.") == {"SEC": "Securities and Exchange Commission"}
    assert defined_acronyms("The port (Gwadar) and the IMF (a lender)") == {}


def test_a_name_is_found_as_written_by_acronym_alias_or_surname():
    assert found("Baloch Liberation Army", "The BLA claimed the attacks.")
    assert found("BLA", "The Baloch Liberation Army claimed the attacks.")
    assert found("PIPS", "The Pakistan Institute for Peace Studies counted them.", {"PIPS": "Pakistan Institute for Peace Studies"})
    assert found("Mohsin Naqvi", "Naqvi blamed India.")
    assert found("United States", "The U.S. Navy said.") and found("US", "The U.S. Navy said.")


def test_names_never_match_a_near_spelling_or_a_lower_case_word():
    assert not found("China", "India's External Affairs Ministry said.")
    assert not found("Iran", "Forces in Iraq said.")
    assert not found("Mohsin Naqvi", "the naqvi family")  # a surname alone must be written as a name


def test_a_place_matches_its_nationality_adjective():
    assert same_name_word("pakistan", "pakistani") and same_name_word("china", "chinese") and same_name_word("iran", "iranian")
    assert not same_name_word("india", "indiana") and not same_name_word("iran", "iraq")
    assert found("Pakistan", "Pakistani officials said.")


def test_a_nationality_adjective_is_found_whichever_way_round():
    # find_name looks a name's nationality forms up instead of comparing it with every word of an article:
    # every word the rule accepts must be among the forms looked up, either way round.
    words = ["pakistan", "pakistani", "china", "chinese", "kenya", "kenyan", "italy", "italian", "iraq", "iraqi",
             "sudan", "sudanese", "turkey", "turkish", "yemen", "yemeni", "nigeria", "nigerian", "arab", "arabic"]
    for a in words:
        for b in words:
            if a != b and same_name_word(a, b):
                assert found(a.title(), f"{b.title()} officials said."), (a, b)
    assert found("Kenyan", "Kenya's president said.") and found("Italy", "Italian police said.")


def test_accents_titles_and_possessives_do_not_stand_in_the_way():
    decomposed = unicodedata.normalize("NFD", "Mbappé is listed as a starter.")
    assert found("Kylian Mbappé", decomposed)
    assert name_parts("Dr. Mohammed Alawadhi's") == ("mohammed", "alawadhi")
    assert name_parts("the Great Barrier Reef authority") == ("great", "barrier", "reef")


def test_every_mention_of_a_name_is_found_not_only_the_first():
    words = Words.of("Naqvi spoke first. Mohsin Naqvi later said Naqvi had been misquoted.")
    assert words.positions("naqvi") == [0, 4, 7]
    assert find_name("Mohsin Naqvi", words) == {0, 3, 4, 7}  # each of its words, wherever it is written
    assert find_name("Naqvi", words) == {0, 4, 7}
    assert words.positions("imran") == []


def test_a_country_goes_by_its_capital_its_adjective_and_its_initials():
    assert "India" in other_names("Delhi") and "India" in other_names("New Delhi")
    assert "Pakistan" in other_names("Islamabad") and "Islamabad" in other_names("Pakistan")
    assert "United States" in other_names("Washington") and "United States" in other_names("U.S.")
    assert "United Kingdom" in other_names("British") and "United Kingdom" in other_names("UK")
    assert "China" in other_names("Chinese")  # Hong Kong's people are Chinese too; the name goes to the larger
    # a city that is no capital and a province WordNet does not know stand for nothing else
    assert other_names("Quetta") == other_names("Balochistan") == ()
    assert "India" not in other_names("Beijing")


def test_a_country_can_be_named_without_its_capital():
    assert "Islamabad" not in other_names("Pakistan", capitals=False)
    assert not {"Washington", "Washington D.C."} & set(other_names("U.S.", capitals=False))
    assert "American" in other_names("U.S.", capitals=False) and "Pakistani" in other_names("Pakistan", capitals=False)


def test_a_place_or_body_goes_by_the_names_wordnet_gives_it():
    assert {"United Kingdom", "UK", "Great Britain"} <= set(other_names("Britain"))
    assert "DoD" in other_names("Department of Defense") and "Hamas" in other_names("Islamic Resistance Movement")
    # a US state's code that spells a little word would match that word anywhere
    assert other_names("Indiana") == ("Hoosier State",) and "OR" not in other_names("Oregon")
    # never a description, a common word, or a person standing for a company
    assert "capital of France" not in other_names("Paris") and other_names("Ford") == ()
    assert "Defense" not in other_names("Department of Defense")
