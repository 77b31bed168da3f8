"""Parsing: passages are parsed without named entities, which are recognised only when something asks for them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from rag.language import embedded_question
from rag.nlp import entities, load_nlp, parse, parse_question, sentence_spans, with_entities

NAQVI = (
    "Interior Minister Mohsin Naqvi blamed neighboring India for the attacks in Balochistan on Saturday. "
    "The Baloch Liberation Army said it carried out 254 attacks in 2025, according to the Pakistan Institute for Peace Studies."
)


def _annotations(doc):
    return [(t.text, t.tag_, t.lemma_, t.dep_, t.head.i, t.is_sent_start, t.ent_type_, t.ent_iob_) for t in doc]


def test_entities_on_demand_match_a_full_parse():
    nlp = load_nlp()
    text = NAQVI + " (first test)"
    lazy = parse(nlp, text)
    assert not lazy.has_annotation("ENT_IOB")  # nothing recognised yet: that is the saving
    assert [(e.text, e.label_) for e in entities(lazy)] == [(e.text, e.label_) for e in nlp(text).ents]
    assert _annotations(lazy) == _annotations(nlp(text))
    assert ("Mohsin Naqvi", "PERSON") in [(e.text, e.label_) for e in entities(lazy)]


def test_sentences_do_not_need_entities():
    nlp = load_nlp()
    text = NAQVI + " (second test)"
    sentences = [s.text for s in sentence_spans(parse(nlp, text))]
    assert sentences[0].startswith("Interior Minister") and sentences[1].startswith("The Baloch Liberation Army")
    assert not parse(nlp, text).has_annotation("ENT_IOB")


def test_threads_sharing_a_parse_all_see_its_entities():
    nlp = load_nlp()
    text = NAQVI + " (third test)"
    doc = parse(nlp, text)
    expected = [(e.text, e.label_) for e in nlp(text).ents]
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda _: [(e.text, e.label_) for e in with_entities(doc).ents], range(32)))
    assert all(s == expected for s in seen)


def test_a_cached_parse_keeps_no_token_vectors():
    # ~80 KB a chunk that nothing reads after parsing; the caches hold thousands of parsed chunks.
    doc = parse(load_nlp(), NAQVI + " (fourth test)")
    assert doc.tensor.size == 0
    assert {"Mohsin Naqvi", "India"} <= {e.text for e in entities(doc)}


def test_a_text_without_names_gets_no_entities():
    doc = with_entities(parse(load_nlp(), "nothing to see here, it was quiet."))
    assert doc.has_annotation("ENT_IOB") and doc.ents == ()


def test_a_question_s_bare_verb_after_did_is_a_verb_and_the_shared_parse_is_left_as_parsed():
    nlp = load_nlp()
    question = "How long does the IMF program run?"
    assert parse_question(nlp, question)[-2].pos_ == "VERB"
    assert parse(nlp, question)[-2].pos_ == "NOUN"  # what the tagger says, for every other reader of the text
    assert embedded_question(parse_question(nlp, question)) == "how long the IMF program runs"
