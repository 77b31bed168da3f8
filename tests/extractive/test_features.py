"""What the ranker knows about a candidate: every feature present, and the ones that tie a span to the
question (the noun it counts, the role it fills for the asked verb) where the sentence says so."""

from __future__ import annotations

import pytest

from rag.extractive.features import FEATURES
from tests.passages import passage


def ranked(answerer, question, text):
    return {c.text: c for c in answerer.rank(question, [passage(text)]).candidates}


def test_every_candidate_has_every_feature_the_weights_name(answerer):
    for c in ranked(answerer, "Who did Pakistan blame?", "Pakistan's interior minister blamed India for the attacks.").values():
        assert set(c.features) == set(FEATURES)
        assert 0.0 < c.probability < 1.0


def test_the_object_of_the_asked_verb_fills_the_asked_role_and_its_subject_does_not(answerer):
    found = ranked(answerer, "Who did Pakistan blame?", "Pakistan's interior minister Mohsin Naqvi blamed India on Sunday.")
    assert found["India"].features["role_agrees"] > 0 and found["India"].features["role_differs"] == 0
    assert found["Mohsin Naqvi"].features["role_differs"] > 0


def test_the_object_of_a_verb_that_causes_the_asked_one_fills_its_subject(answerer):
    found = ranked(answerer, "How many soldiers died?", "Fighters killed 17 soldiers on Saturday, and 40 fighters fled.")
    assert found["17"].features["role_agrees"] > 0 and found["17"].features["role_differs"] == 0


def test_a_figure_is_tied_to_the_noun_it_counts(answerer):
    found = ranked(answerer, "How many civilians were killed?", "Fighters killed 31 civilians and 17 security personnel on Saturday.")
    assert found["31"].features["focus_exact"] == 1.0 and found["17"].features["focus_exact"] == 0.0


def test_a_figure_counting_a_synonym_or_kind_of_the_asked_noun_is_tied_to_it(answerer):
    found = ranked(answerer, "How many assaults were recorded?", "There were 254 attacks in the province, and 400 deaths.")
    assert found["254"].features["focus_wordnet"] == 0.5 and found["400"].features["focus_wordnet"] == 0.0
    assert found["254"].features["focus_exact"] == 0.0  # not the asked word itself


def test_the_asked_verb_in_other_words_is_aligned_by_wordnet(answerer):
    found = ranked(answerer, "Who seized the ship?", "Rebels captured the ship on Sunday, the navy said.")
    assert found["Rebels"].features["predicate_wordnet"] == 1.0 and found["Rebels"].features["role_wordnet"] == 1.0


def test_a_candidate_that_repeats_the_question_is_marked_so(answerer):
    found = ranked(answerer, "Which company recalled the cars?", "Toyota recalled the cars after a fault in the brakes.")
    assert found["cars"].features["in_question"] == 1.0 and found["Toyota"].features["in_question"] == 0.0


def test_an_acronym_of_the_questions_words_repeats_the_question(answerer):
    text = "FDI is regulated by the Board of Investment, officials said."
    found = ranked(answerer, "Which body regulates foreign direct investment?", text)
    assert found["FDI"].features["in_question"] == 1.0 and found["the Board of Investment"].features["in_question"] < 1.0


def test_a_name_spelled_out_repeats_the_acronym_the_question_uses(answerer):
    text = "After a meeting in Geneva, the European Broadcasting Union decided to let the entry compete."
    found = ranked(answerer, "Where did the EBU meet?", text)
    assert found["the European Broadcasting Union"].features["in_question"] == 1.0
    assert found["Geneva"].features["in_question"] == 0.0


def test_the_country_of_a_nationality_the_question_uses_repeats_it(answerer):
    text = "The U.S. and Mexican negotiators are meeting in Washington this week."
    found = ranked(answerer, "Where are American and Mexican negotiators meeting?", text)
    assert found["U.S."].features["in_question"] == 1.0 and found["Washington"].features["in_question"] == 0.0


def test_a_capital_does_not_repeat_a_place_question_about_its_country(answerer):
    text = "U.S. and Mexican negotiators are meeting in Washington this week for a second round of talks."
    found = ranked(answerer, "Where are this week's US-Mexico trade talks?", text)
    assert found["Washington"].features["in_question"] == 0.0
    # asked anything else, the seat of a government is its country again: "Washington rejected the claim"
    assert ranked(answerer, "Who did US negotiators meet?", text)["Washington"].features["in_question"] == 1.0


def test_the_object_of_a_preposition_of_place_answers_where(answerer):
    text = "Russia confirmed that Putin and Xi will meet in Samarkand this week."
    found = ranked(answerer, "Where are Putin and Xi meeting?", text)
    assert found["Samarkand"].features["place_phrase"] == 1.0 and found["Russia"].features["place_phrase"] == 0.0
    assert ranked(answerer, "Who confirmed the meeting?", text)["Samarkand"].features["place_phrase"] == 0.0
    # the same prepositions before a time or a measure place nothing
    text = "Benedict was the first pope to step down in some 600 years, and the jet was at about 16,000 feet."
    found = ranked(answerer, "Where has Benedict been living?", text)
    assert found["600 years"].features["place_phrase"] == 0.0 and found["about 16,000 feet"].features["place_phrase"] == 0.0
    text = "Gunmen opened fire on the convoy in broad daylight near Kandahar, and a second one at dawn."
    found = ranked(answerer, "Where was the convoy attacked?", text)
    assert found["broad daylight"].features["place_phrase"] == 0.0 and found["dawn"].features["place_phrase"] == 0.0
    assert found["Kandahar"].features["place_phrase"] == 1.0


def test_a_group_after_a_preposition_of_place_is_told_from_a_place(answerer):
    text = "The gunmen belonged to the Baloch Liberation Army and struck in Quetta on Saturday."
    found = ranked(answerer, "Where did the gunmen strike?", text)
    group = found["the Baloch Liberation Army"]  # tagged an organisation
    assert group.features["place_phrase"] == 1.0 and group.features["place_phrase_named"] == 1.0
    assert found["Quetta"].features["place_phrase"] == 1.0 and found["Quetta"].features["place_phrase_named"] == 0.0


def test_a_title_in_front_of_a_name_is_marked_as_naming_no_one_else(answerer):
    text = "President-elect Donald Trump rounded out his Cabinet picks Saturday by naming Brooke Rollins."
    found = ranked(answerer, "Who was Trump's pick for agriculture secretary?", text)
    assert found["President-elect"].features["title_of_name"] == 1.0
    assert found["Brooke Rollins"].features["title_of_name"] == 0.0 and found["Cabinet"].features["title_of_name"] == 0.0


def test_a_name_whose_head_is_a_kind_of_place_answers_where(answerer):
    text = "Smith served his sentence at the Indian Creek Correctional Center, with the Virginia Bar Association's help."
    found = ranked(answerer, "Where did Smith serve his sentence?", text)
    assert found["the Indian Creek Correctional Center"].features["place_head"] == 1.0
    assert found["the Virginia Bar Association's"].features["place_head"] == 0.0
    assert ranked(answerer, "Who helped Smith?", text)["the Indian Creek Correctional Center"].features["place_head"] == 0.0


def test_a_name_whose_title_is_what_the_question_asks_for_is_marked(answerer):
    text = "The ministry's spokesperson Randhir Jaiswal rejected the claims, and the Mercer Institute backed him."
    found = ranked(answerer, "Who rejected the claims?", text)
    assert found["Randhir Jaiswal"].features["title_fits"] == 1.0  # a person by his title, whatever its tag
    assert found["the Mercer Institute"].features["title_fits"] == 0.0
    # the title must be of the asked category: a spokesperson is no company
    assert ranked(answerer, "Which company rejected the claims?", text)["Randhir Jaiswal"].features["title_fits"] == 0.0


def test_a_name_whose_title_says_it_does_what_the_question_asks_is_marked(answerer):
    text = "Transit Administrator Ana Ruiz met spokesman Tom Hale at the Lisbon office."
    found = ranked(answerer, "Who heads the transit agency?", text)
    assert found["Transit Administrator Ana Ruiz"].features["title_does"] == 1.0  # an administrator heads
    assert found["Tom Hale"].features["title_does"] == 0.0  # a spokesman does not
    # the asked one must be the one doing it: whom an administrator met is not told by her title
    assert ranked(answerer, "Whom did the agency head meet?", text)["Transit Administrator Ana Ruiz"].features["title_does"] == 0.0


def test_a_candidate_with_nouns_saying_what_it_is_is_marked(answerer):
    found = ranked(answerer, "How many sites were hit?", "Gunmen struck 12 locations, police said, and 40 died.")
    assert found["12"].features["has_context"] == 1.0 and found["40"].features["has_context"] == 0.0  # "12" counts "locations"
    assert found["12"].features["focus_near"] + found["12"].features["focus_close"] == 1.0  # "locations" means "sites"
    assert found["40"].features["focus_near"] == found["40"].features["focus_close"] == 0.0
    # a sentence that uses the asked noun itself means something else by a near one
    found = ranked(answerer, "How many civilians were killed?", "Fighters killed 31 civilians and 17 security personnel.")
    assert found["17"].features["focus_near"] == found["17"].features["focus_close"] == 0.0
    assert found["31"].features["focus_exact"] == 1.0
    # a question naming no thing asked about ("who") marks nothing
    assert all(c.features["has_context"] == 0.0 for c in ranked(answerer, "Who was hit?", "Gunmen struck 12 locations.").values())


def test_a_date_that_names_no_day_month_or_year_is_marked(answerer):
    text = "Congress adopted the flag on this day, June 14, 1777, and the city has celebrated it ever since the 1990s."
    found = ranked(answerer, "When was the flag adopted?", text)
    assert {t: c.features["undated"] for t, c in found.items()} == {"June 14, 1777": 0.0, "the 1990s": 0.0, "this day": 1.0}


def test_who_a_sentence_is_according_to_is_who_says_it(answerer):
    found = ranked(answerer, "Which agency reported the figures?", "According to the statistics office, exports fell by 4 percent.")
    assert found["statistics office"].features["speaker"] == 1.0 and found["exports"].features["speaker"] == 0.0


def test_a_sentence_that_asks_is_marked(answerer):
    asks, says = "Has Justin Rose won the Masters?", "Rory McIlroy won the Masters on Sunday."
    found = ranked(answerer, "Who won the Masters?", f"{asks} {says}")
    assert found["Justin Rose"].features["asks"] == 1.0 and found["Rory McIlroy"].features["asks"] == 0.0


def test_a_headline_among_the_sentences_is_marked(answerer):
    headline, says = "Putin, North Korea's Kim meet in Russia", "Kim Jong Un met Vladimir Putin at the Vostochny Cosmodrome."
    found = ranked(answerer, "Where did Kim and Putin meet?", f"{headline}\n\n{says}")
    assert found["Russia"].features["headline"] == 1.0 and found["Vostochny Cosmodrome"].features["headline"] == 0.0


def test_a_possibility_is_marked_and_a_fact_is_not(answerer):
    text = "Officials said 12 people died. The toll could reach 40 people if more bodies are found."
    found = ranked(answerer, "How many people died?", text)
    assert found["12"].features["hedged"] == 0.0 and found["40"].features["hedged"] == 1.0


def test_a_candidate_told_in_another_tense_than_asked_is_marked(answerer):
    text = "The second round was held on May 2. The third round will be held on June 9."
    found = ranked(answerer, "When will the third round be held?", text)
    assert found["May 2"].features["tense_differs"] == 1.0 and found["June 9"].features["tense_differs"] == 0.0


def test_a_longer_sentence_counts_against_the_others_and_not_against_the_question(answerer):
    short = "Rivera won the race."
    long = "After a long season of crashes, protests and a change of team owners in the spring, Ortiz won the race in the end."
    found = ranked(answerer, "Who won the race?", f"{short} {long}")
    assert found["Rivera"].features["sentence_length"] < 0 < found["Ortiz"].features["sentence_length"]
    # what is left is the candidates' own lengths, less their mean: a source's long sentences lower no answer's confidence
    everyone = answerer.rank("Who won the race?", [passage(f"{short} {long}")]).candidates
    assert sum(c.features["sentence_length"] for c in everyone) == pytest.approx(0.0)


def test_a_yes_no_sentence_may_restate_the_question_and_is_marked_when_it_replies_outright(answerer):
    replies, restates = "Yes, Ana Ruiz is listed as a starter for the club.", "Ana Ruiz was a starter in the club's last final."
    found = ranked(answerer, "Is Ana Ruiz a starter for the club?", f"{replies} {restates}")
    assert found[replies].features["replies"] == 1.0 and found[restates].features["replies"] == 0.0
    assert all(c.features["in_question"] == 0.0 and c.features["length"] == 0.0 for c in found.values())


def test_a_modifier_of_the_asked_thing_missing_from_the_sentence_is_marked(answerer):
    text = "Attacks rose 26 percent in 2025. The literacy rate stood at 46 percent."
    found = ranked(answerer, "What is the literacy rate?", text)
    assert found["26 percent"].features["modifiers_missing"] == 1.0 and found["46 percent"].features["modifiers_missing"] == 0.0
    plain = ranked(answerer, "What is the rate?", text)  # no modifier asked: nothing can be missing
    assert all(c.features["modifiers_missing"] == 0.0 for c in plain.values())


def test_other_sources_giving_the_same_value_are_counted(answerer):
    passages = [passage("The storm killed 40 people.", source_id="a"), passage("Forty people died in the storm.", source_id="b", rank=1)]
    forty = [c for c in answerer.rank("How many people did the storm kill?", passages).candidates if c.value & {40.0}]
    assert forty and all(c.features["other_sources"] > 0 for c in forty)


def test_other_articles_stating_a_value_however_written_are_counted(answerer):
    passages = [
        passage("Interior Minister Mohsin Naqvi blamed India for the attacks.", source_id="a"),
        passage("Naqvi said India was behind the attacks.", source_id="b", rank=1),
        passage("Officials in India said the attacks cost 1.4 million dollars.", source_id="c", rank=2),
    ]
    ranking = answerer.candidates("Who blamed India for the attacks?", passages)
    found = {(c.text, c.evidence.sentence.chunk.source_id): c for c in ranking.candidates}
    assert found[("Mohsin Naqvi", "a")].features["articles_agree"] > 0  # "Naqvi" in article b
    assert found[("Naqvi", "b")].features["articles_agree"] > 0
    assert found[("India", "a")].features["articles_agree"] > found[("Mohsin Naqvi", "a")].features["articles_agree"]  # b and c
    assert found[("Officials", "c")].features["articles_agree"] == 0  # no other article says it
