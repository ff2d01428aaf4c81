"""What staff do with a group of unanswered questions: answer, link, dismiss, reply, roll back.

Each content change is a new version of the whole staff document (bot/learning/content.py),
with who, when and a diff; nothing is live until it is published (bot/learning/publish.py).
The dashboard's routes and `tekkie questions ...` / `tekkie content ...` call these.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.db.models import ContentVersion, GroupStatus, utcnow
from bot.db.repositories import content as content_repo
from bot.db.repositories import questions as repo
from bot.guidance.content import content
from bot.learning.content import Learned, NewAnswer, check, diff, parse
from bot.learning.questions import GroupView, group_view
from bot.texts import ContentError, problems


class DeskError(ValueError):
    """What staff asked cannot be done; the message says why, for them to read."""


def current(session: Session) -> tuple[int, Learned]:
    """The newest content version's number (0: none yet) and its document."""
    latest = content_repo.latest_version(session)
    return (latest.id, parse(latest.document)) if latest is not None else (0, Learned())


def _open_group(session: Session, group_id: int) -> GroupView:
    view = group_view(session, group_id=group_id)
    if view is None:
        raise DeskError(f"there is no question group {group_id}")
    if view.group.status != GroupStatus.OPEN:
        raise DeskError(f"question group {group_id} is {view.group.status} already")
    return view


def _store(
    session: Session, parent: int, before: Learned, after: Learned, *, by: str, summary: str,
    now: datetime,
) -> ContentVersion:  # fmt: skip
    """Version `parent` + 1; DeskError when it does not fit the files or someone was quicker."""
    try:
        check(content(), after)
    except ContentError as error:
        raise DeskError(str(error).removeprefix("staff content: ")) from error
    try:
        return content_repo.add_version(
            session, number=parent + 1, document=after.model_dump(mode="json", exclude_none=True),
            author=by, summary=summary, diff=diff(before, after), now=now,
        )  # fmt: skip
    except content_repo.VersionTakenError as error:
        raise DeskError("someone else saved a change at the same moment; try again") from error


def _new_key(session: Session) -> str:
    """A staff answer key no version ever used (old 👍/👎 counts stay with their answer)."""
    used = [Learned(), *(parse(document) for document in content_repo.documents(session))]
    numbers = [int(a.key.rsplit("_", 1)[1]) for learned in used for a in learned.answers]
    return f"fact/staff_{max(numbers, default=0) + 1}"


def answer(
    session: Session, *, group_id: int, nl: str, en: str, by: str,
    question_nl: str | None = None, question_en: str | None = None,
    examples: list[str] | None = None, now: datetime | None = None,
) -> tuple[ContentVersion, str]:  # fmt: skip
    """A new answer for the group: its questions teach it. Returns the version and the key."""
    now = now or utcnow()
    view = _open_group(session, group_id)
    parent, before = current(session)
    taught = _taught(view, examples)
    title = view.title if view.examples else ""
    try:
        new = NewAnswer.model_validate({
            "key": _new_key(session),
            "question": {"nl": question_nl or title, "en": question_en or question_nl or title},
            "answer": {"nl": nl.strip(), "en": en.strip()}, "examples": taught,
            "group_id": group_id,
        })  # fmt: skip
    except ValidationError as error:
        raise DeskError(problems(error, whole="text")) from error
    version = _store(session, parent, before, before.with_answer(new), by=by, now=now,
                     summary=f"new answer {new.key} for questions #{group_id}: "
                             f"{new.question.nl[:120]}")  # fmt: skip
    repo.resolve(session, group=view.group, status=GroupStatus.ANSWERED, answer_key=new.key,
                 by=by, now=now)  # fmt: skip
    return version, new.key


def link(
    session: Session, *, group_id: int, answer_key: str, by: str,
    examples: list[str] | None = None, now: datetime | None = None,
) -> ContentVersion:  # fmt: skip
    """The group's questions become examples of an existing answer."""
    now = now or utcnow()
    view = _open_group(session, group_id)
    parent, before = current(session)
    taught = _taught(view, examples)
    try:
        after = before.with_examples(answer_key, taught)
    except ValidationError as error:
        raise DeskError(problems(error, whole="text")) from error
    version = _store(session, parent, before, after, by=by, now=now,
                     summary=f"questions #{group_id} linked to {answer_key}")  # fmt: skip
    repo.resolve(session, group=view.group, status=GroupStatus.LINKED, answer_key=answer_key,
                 by=by, now=now)  # fmt: skip
    return version


def dismiss(session: Session, *, group_id: int, by: str, now: datetime | None = None) -> None:
    """Not worth an answer (spam, a one-off): the group leaves the inbox."""
    view = _open_group(session, group_id)
    repo.resolve(session, group=view.group, status=GroupStatus.DISMISSED, answer_key=None,
                 by=by, now=now or utcnow())  # fmt: skip


def rollback(
    session: Session, *, version: int, by: str, now: datetime | None = None
) -> ContentVersion:
    """A new version with the document of an earlier one (0: no staff content at all).

    Groups answered or linked after that version are open again: their answer is gone.
    """
    now = now or utcnow()
    if version == 0:
        target, since = Learned(), None
    elif (stored := content_repo.get_version(session, version=version)) is not None:
        target, since = parse(stored.document), stored.created_at
    else:
        raise DeskError(f"there is no content version {version}")
    parent, before = current(session)
    restored = _store(session, parent, before, target, by=by, now=now,
                      summary=f"rollback to version {version}")  # fmt: skip
    repo.reopen_resolved(session, since=since)
    return restored


def _taught(view: GroupView, examples: list[str] | None) -> list[str]:
    """What the answer learns from: staff's edited list, else the group's own questions."""
    taught = view.examples if examples is None else examples
    if not taught:
        raise DeskError("give at least one question for Tekkie to learn from")
    return taught
