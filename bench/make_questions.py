"""Derive the benchmark questions from the archive, deterministically (same archive → same file).

    .venv/bin/python bench/make_questions.py [--archive PATH] [--out bench/questions.jsonl]

Answerable questions come from one specific article each, in two forms that newsroom users type:
  - "headline": the article's headline (cleaned of outlet suffixes), asked about;
  - "lead_check": "Is it true that <the lead sentence>?", a fact check of the article's first sentence.
Unanswerable questions name things the archive never mentions (each one's key phrase is checked
against every article) so the answerer has nothing to cite. Articles are picked by a hash of their id,
not by position, so the questions spread over the whole archive. Each line records the article the
question came from (`source_id`), so retrieval hit rates can be compared too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

from common import DEFAULT_ARCHIVE, DEFAULT_QUESTIONS, read_archive

from rag.sources import slugify

OUTLET_SUFFIX = re.compile(r"\s*(?:[-|–]\s*(?:USA Today|USA TODAY|CNN|The Week|IndyStar|Opinion|Column)\s*)+$")
LABEL_PREFIX = re.compile(r"^(?:Opinion|Analysis|Fact check|Exclusive|Perspective)\s*:\s*", re.I)
DATELINE = re.compile(r"^[A-Z][A-Z .,'’]+(?:,\s*[A-Z][a-z.]+)?\s*[—–-]+\s*")
NOT_A_LEAD = re.compile(
    r"^(?:editor|a version of this|purchases you make|love movies|sign up|this story|updated|from usa today|"
    r"cnn\b|\d+:\d+|(?:jan|feb|march|april|may|june|july|aug|sept|oct|nov|dec)[a-z]*\.? \d)",
    re.I,
)
SENTENCE_END = re.compile(r"(?<=[a-z0-9”\"')][.!?])\s+(?=[A-Z“\"])")
LOWER_FIRST = {"the", "a", "an", "it", "this", "that", "there", "in", "on", "at", "for", "after", "as", "when", "more", "some", "yet",
               "they", "they've", "here's", "here’s", "but", "while", "during", "before"}

# Things the archive does not cover. Fictional ones cannot be there; real ones are kept only when the
# key phrase (second item) appears in no article.
FICTIONAL_PLACES = ["Veltrania", "Quorvik", "Ostrelund", "Marisport-on-Tavel", "Zephyrine Bay", "Kallubria",
                    "Drovenholm", "Essavia", "Tarn Morrow", "Ilvaskia"]
FICTIONAL_TEMPLATES = [
    "Who won the mayoral election in {place}?",
    "What did the finance minister of {place} announce about its new currency?",
    "How many people attended the lantern festival in {place} last year?",
    "Why was the suspension bridge in {place} closed to traffic?",
    "What caused the week-long power outage in {place}?",
]
REAL_ABSENT = [
    ("What is the half-life of technetium-99m?", "technetium"),
    ("Who composed the opera Rusalka?", "rusalka"),
    ("How tall is the Kuala Lumpur Petronas tower spire?", "petronas"),
    ("What is the recipe for Nepalese sel roti?", "sel roti"),
    ("When was the Treaty of Westphalia signed?", "westphalia"),
    ("What is the airspeed of an unladen swallow according to Monty Python?", "unladen"),
    ("Which enzyme does the drug allopurinol inhibit?", "allopurinol"),
    ("What is the population of the Faroe Islands?", "faroe"),
    ("Who discovered the Burgess Shale fossils?", "burgess shale"),
    ("What is the melting point of gallium?", "gallium"),
    ("How does a Stirling engine work?", "stirling engine"),
    ("What language is spoken in Tuvalu?", "tuvalu"),
    ("Who painted the Garden of Earthly Delights?", "earthly delights"),
    ("What is the capital of Burkina Faso?", "burkina"),
    ("How many moons does Neptune have?", "neptune"),
    ("What is the Chandrasekhar limit?", "chandrasekhar"),
]


def stable_hash(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()


def headline(title: str) -> str | None:
    text = LABEL_PREFIX.sub("", OUTLET_SUFFIX.sub("", title.strip())).rstrip(". ")
    # Cut headlines ("...") and bylined ones ("| NAME") read badly as questions; digests have no one topic.
    if title.rstrip().endswith(("...", "…")) or "|" in text or len(text.split()) < 4:
        return None
    if re.search(r"ten things|news from around|live updates|the week in|\d+ photos", text, re.I):
        return None
    return text


def lead_sentence(text: str) -> str | None:
    for para in (p.strip() for p in text.split("\n")):
        if len(para.split()) < 12 or NOT_A_LEAD.match(para):
            continue
        sentence = SENTENCE_END.split(DATELINE.sub("", para), 1)[0].strip()
        words = sentence.split()
        first_person = re.search(r"\b(?:I|I'm|we|my|our)\b", sentence)
        if 8 <= len(words) <= 40 and sentence.endswith(".") and "?" not in sentence and not first_person:
            first = words[0]
            if first.lower() in LOWER_FIRST:
                sentence = first.lower() + sentence[len(first):]
            return sentence[:-1]
        return None
    return None


def answerable(records: list[dict], count: int) -> list[dict]:
    questions = []
    for record in sorted(records, key=lambda r: stable_hash(str(r["id"]))):
        digest = stable_hash("q:" + str(record["id"]))
        kind = "headline" if int(digest, 16) % 2 else "lead_check"
        if kind == "headline":
            title = headline(record.get("title") or "")
            if title is None:
                continue
            text = title if title.endswith("?") else f"What does the coverage say about {title}?"
        else:
            lead = lead_sentence(record.get("text") or "")
            if lead is None:
                continue
            text = f"Is it true that {lead}?"
        questions.append({"question": text, "answerable": True, "source_id": slugify(str(record["id"])), "kind": kind})
        if len(questions) == count:
            break
    return questions


def unanswerable(records: list[dict], count: int) -> list[dict]:
    corpus = "\n".join(f"{r.get('title', '')}\n{r.get('text', '')}".lower() for r in records)
    candidates = [(t.format(place=p), p) for t in FICTIONAL_TEMPLATES for p in FICTIONAL_PLACES] + REAL_ABSENT
    kept = [{"question": q, "answerable": False, "source_id": None, "kind": "absent"}
            for q, key in candidates if key.lower() not in corpus]
    kept.sort(key=lambda q: stable_hash(q["question"]))
    return kept[:count]


def make(archive: Path, n_answerable: int, n_unanswerable: int) -> list[dict]:
    records = read_archive(archive)
    questions = answerable(records, n_answerable) + unanswerable(records, n_unanswerable)
    # Interleave deterministically so any prefix (--questions N) mixes both kinds.
    questions.sort(key=lambda q: stable_hash(q["question"]))
    return [{"id": f"q{i:03d}", **q} for i, q in enumerate(questions, 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument("--out", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--answerable", type=int, default=220)
    parser.add_argument("--unanswerable", type=int, default=50)
    args = parser.parse_args()
    questions = make(args.archive, args.answerable, args.unanswerable)
    args.out.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
    yes = sum(q["answerable"] for q in questions)
    print(f"wrote {args.out}: {yes} answerable, {len(questions) - yes} unanswerable")


if __name__ == "__main__":
    main()
