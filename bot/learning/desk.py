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
from bot.texts import ContentError


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
    session: Session, before: Learned, after: Learned, *, by: str, summary: str, now: datetime
) -> ContentVersion:
    try:
        check(content(), after)
    except ContentError as error:
        raise DeskError(str(error).removeprefix("staff content: ")) from error
    return content_repo.add_version(
        session, document=after.model_dump(mode="json", exclude_none=True), author=by,
        summary=summary, diff=diff(before, after), now=now,
    )  # fmt: skip


def answer(
    session: Session, *, group_id: int, nl: str, en: str, by: str,
    question_nl: str | None = None, question_en: str | None = None,
    examples: list[str] | None = None, now: datetime | None = None,
) -> tuple[ContentVersion, str]:  # fmt: skip
    """A new answer for the group: its questions teach it. Returns the version and the key."""
    now = now or utcnow()
    view = _open_group(session, group_id)
    _, before = current(session)
    taught = examples if examples is not None else view.examples
    title = view.title if view.examples else ""
    try:
        new = NewAnswer.model_validate({
            "key": before.next_key(),
            "question": {"nl": question_nl or title, "en": question_en or question_nl or title},
            "answer": {"nl": nl.strip(), "en": en.strip()}, "examples": taught,
            "group_id": group_id,
        })  # fmt: skip
    except ValidationError as error:
        raise DeskError(_problems(error)) from error
    version = _store(session, before, before.with_answer(new), by=by, now=now,
                     summary=f"new answer {new.key} for questions #{group_id}")  # fmt: skip
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
    _, before = current(session)
    taught = examples if examples is not None else view.examples
    if not taught:
        raise DeskError("the group has no questions left to learn from (they were erased)")
    try:
        after = before.with_examples(answer_key, taught)
    except ValidationError as error:
        raise DeskError(_problems(error)) from error
    version = _store(session, before, after, by=by, now=now,
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
    """A new version with the document of an earlier one (0: no staff content at all)."""
    if version == 0:
        target = Learned()
    elif (stored := content_repo.get_version(session, version=version)) is not None:
        target = parse(stored.document)
    else:
        raise DeskError(f"there is no content version {version}")
    _, before = current(session)
    return _store(session, before, target, by=by, now=now or utcnow(),
                  summary=f"rollback to version {version}")  # fmt: skip


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'text'}: {e['msg']}" for e in error.errors()
    )
