"""Staff content as a Rasa training file, next to the developers' files in dialogues/.

A new answer becomes examples of the retrieval intent `fact/staff_<n>`: the rules for school
facts answer it, and the "Bedoel je ...?" choices can offer its examples. Extra examples of
an existing answer are NLU examples of that intent.

The domain does not change: a staff answer has no response in it. Rasa's own `utter_fact`
finds nothing to say for `fact/staff_<n>`, and `action_after_answer`, which follows it in the
rules, says the staff member's text from the database (bot/learning/answers.py). So a
publish never retrains the dialogue policies (their inputs are the domain, the stories and
the rules): only the NLU part, which keeps it well under three minutes on two cores.
"""

from __future__ import annotations

from bot.learning.content import Learned
from bot.understanding.nlu_files import render

HEADER = "# Written by staff in the dashboard (bot/learning/project.py); not a file to edit.\n"
NLU_FILE = "data/nlu/staff.yml"


def training_files(learned: Learned) -> dict[str, str]:
    """Paths (inside dialogues/) and texts of the files the staff content adds; {} for none."""
    if learned.empty:
        return {}
    pairs = [(answer.key, text) for answer in learned.answers for text in answer.examples]
    pairs += [(key, text) for key, texts in learned.examples.items() for text in texts]
    return {NLU_FILE: render(pairs, header=HEADER)}
