"""The text of a staff-written answer, for the action that says it (actions/feedback.py).

Staff answers are not in Rasa's domain (see bot/learning/project.py): their text is read
from the content version the running model was trained from. That is the live version; for
the moment between Rasa switching to a new model and the build being marked live, a key
the live version lacks is looked up in the newest version that has it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.db.repositories import content as repo
from bot.learning.content import NEW_KEY, parse
from bot.learning.publish import live_version


def is_staff_answer(key: str) -> bool:
    """True for the keys of answers staff wrote ("fact/staff_3")."""
    return NEW_KEY.match(key) is not None


def staff_answer(session: Session, *, key: str, language: str) -> str | None:
    """The answer's text in `language` (Dutch unless English), or None when there is none."""
    live = live_version(session)
    versions = repo.versions(session, limit=1000)
    ordered = [v for v in versions if v.id == live] + [v for v in versions if v.id > live]
    for version in ordered:
        found = parse(version.document).answer(key)
        if found is not None:
            return found.answer.get(language)
    return None
