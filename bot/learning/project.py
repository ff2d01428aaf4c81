"""Staff content as Rasa training files, next to the developers' files in dialogues/.

A new answer becomes examples of the retrieval intent `fact/staff_<n>` and a response
`utter_fact/staff_<n>` (Dutch, and English when the conversation is in English): the rules
for school facts answer it, and the "Bedoel je ...?" choices can offer its examples. Extra
examples of an existing answer are NLU examples of that intent. Nothing else changes, so
the stories and rules stay valid.

(Rasa's fine-tuning would be quicker, but it refuses a changed domain and cannot add a
label to the ResponseSelector: a new answer needs a full training.)
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.guidance.content_build import EN
from bot.learning.content import Learned
from bot.understanding.nlu_files import render

HEADER = "# Written by staff in the dashboard (bot/learning/project.py); not a file to edit.\n"
NLU_FILE = "data/nlu/staff.yml"
DOMAIN_FILE = "domain/staff.yml"


def training_files(learned: Learned) -> dict[str, str]:
    """Paths (inside dialogues/) and texts of the files the staff content adds; {} for none."""
    if learned.empty:
        return {}
    pairs = [(answer.key, text) for answer in learned.answers for text in answer.examples]
    pairs += [(key, text) for key, texts in learned.examples.items() for text in texts]
    files = {NLU_FILE: render(pairs, header=HEADER)}
    if learned.answers:
        responses: dict[str, list[dict[str, Any]]] = {
            f"utter_{answer.key}": [
                {"text": answer.answer.nl}, {"condition": EN, "text": answer.answer.en}
            ]
            for answer in learned.answers
        }  # fmt: skip
        body = yaml.safe_dump({"version": "3.1", "responses": responses}, allow_unicode=True,
                              sort_keys=False, width=1000)  # fmt: skip
        files[DOMAIN_FILE] = HEADER + body
    return files
