"""Warnings for staff who write a Dutch answer: B1 means short sentences and everyday words."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 15  # per sentence, at B1
# Words prospects may not know; explain them in the same answer or use everyday words.
JARGON = (
    "intake", "uwv", "bruto", "netto", "b1", "mkb", "detacheerder", "detachering", "traineeship",
    "assessment", "competenties", "portfolio", "stakeholder", "scrum", "agile", "backend",
    "frontend", "devops", "framework", "deployment", "kpi", "roi", "bbl", "bol", "mbo-niveau",
)  # fmt: skip
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
WORD = re.compile(r"[\w'\u2019-]+", re.UNICODE)  # apostrophes: "zo'n", "auto\u2019s"


@dataclass(frozen=True)
class Finding:
    """One thing to look at again: a long sentence or a jargon word."""

    kind: str  # "long_sentence" or "jargon"
    detail: str  # the sentence's start, or the word


def warnings(text: str) -> list[Finding]:
    """What makes a Dutch text harder than B1; an empty list when it reads plainly."""
    found: list[Finding] = []
    for sentence in SENTENCE_END.split(text.strip()):
        words = WORD.findall(sentence)
        if len(words) > MAX_WORDS:
            found.append(Finding("long_sentence", f"{' '.join(words[:6])}… ({len(words)})"))
    said = {word.lower() for word in WORD.findall(text)}
    found.extend(Finding("jargon", word) for word in JARGON if word in said)
    return found
