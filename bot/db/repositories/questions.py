"""Queries on unanswered questions, their groups and answer feedback (keyword-only args)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import AnswerFeedback, GroupStatus, QuestionGroup, UnansweredQuestion

Order = Literal["frequent", "recent"]
COMPARED_PER_GROUP = 3  # the newest questions of a group a new one is compared with
MAX_COMPARED_GROUPS = 200


def comparable_questions(session: Session, *, language: str) -> list[tuple[int, str]]:
    """(group id, text) of recent questions in open or dismissed groups in this language."""
    groups = select(QuestionGroup.id).where(
        QuestionGroup.status.in_([GroupStatus.OPEN, GroupStatus.DISMISSED]),
        QuestionGroup.language == language,
    )
    groups = groups.order_by(QuestionGroup.last_seen_at.desc()).limit(MAX_COMPARED_GROUPS)
    ranked = (
        select(
            UnansweredQuestion.group_id,
            UnansweredQuestion.text,
            func.row_number()
            .over(
                partition_by=UnansweredQuestion.group_id,
                order_by=UnansweredQuestion.id.desc(),
            )
            .label("position"),
        )
        .where(UnansweredQuestion.group_id.in_(groups))
        .subquery()
    )
    query = select(ranked.c.group_id, ranked.c.text).where(ranked.c.position <= COMPARED_PER_GROUP)
    return [(group_id, text) for group_id, text in session.execute(query)]


def new_group(session: Session, *, language: str, now: datetime) -> QuestionGroup:
    """An empty open group."""
    group = QuestionGroup(
        language=language, status=GroupStatus.OPEN, count=0, reasons={},
        first_seen_at=now, last_seen_at=now,
    )  # fmt: skip
    session.add(group)
    session.flush()
    return group


def get_group(session: Session, *, group_id: int, for_update: bool = False) -> QuestionGroup | None:
    """One group, or None; `for_update` locks it until the transaction ends (counting)."""
    return session.get(QuestionGroup, group_id, with_for_update=for_update)


def add_question(session: Session, *, group: QuestionGroup, question: UnansweredQuestion) -> None:
    """Count the question in its group and keep it."""
    group.count += 1
    group.reasons = {**group.reasons, question.reason: group.reasons.get(question.reason, 0) + 1}
    group.last_seen_at = max(group.last_seen_at, question.created_at)
    question.group_id = group.id
    session.add(question)
    session.flush()


def latest_question_of(
    session: Session, *, channel: str, channel_user_id: str, reason: str
) -> UnansweredQuestion | None:
    """The person's newest recorded question with this reason."""
    query = (
        select(UnansweredQuestion)
        .where(
            UnansweredQuestion.channel == channel,
            UnansweredQuestion.channel_user_id == channel_user_id,
            UnansweredQuestion.reason == reason,
        )
        .order_by(UnansweredQuestion.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def change_reason(session: Session, *, question: UnansweredQuestion, reason: str) -> None:
    """A question turns out worse than first thought ("Bedoel je" -> "Iets anders")."""
    group = session.get(QuestionGroup, question.group_id)
    if group is not None and question.reason != reason:
        counts = dict(group.reasons)
        counts[question.reason] = max(0, counts.get(question.reason, 0) - 1)
        counts[reason] = counts.get(reason, 0) + 1
        group.reasons = {name: count for name, count in counts.items() if count}
    question.reason = reason
    session.flush()


def groups(
    session: Session, *, status: str | None = GroupStatus.OPEN, order: Order = "frequent",
    limit: int = 200,
) -> list[QuestionGroup]:  # fmt: skip
    """Groups for the inbox: the most frequent first, or the most recently asked first."""
    query = select(QuestionGroup)
    if status is not None:
        query = query.where(QuestionGroup.status == status)
    if order == "frequent":
        query = query.order_by(QuestionGroup.count.desc(), QuestionGroup.last_seen_at.desc())
    else:
        query = query.order_by(QuestionGroup.last_seen_at.desc())
    return list(session.scalars(query.limit(limit)))


def questions_of(
    session: Session, *, group_ids: list[int], limit: int | None = None
) -> dict[int, list[UnansweredQuestion]]:
    """The recorded questions of each group, oldest first (the prospects' own words)."""
    if not group_ids:
        return {}
    query = (
        select(UnansweredQuestion)
        .where(UnansweredQuestion.group_id.in_(group_ids))
        .order_by(UnansweredQuestion.id)
    )
    found: dict[int, list[UnansweredQuestion]] = {group_id: [] for group_id in group_ids}
    for question in session.scalars(query):
        if limit is None or len(found[question.group_id]) < limit:
            found[question.group_id].append(question)
    return found


def resolve(
    session: Session, *, group: QuestionGroup, status: str, answer_key: str | None,
    by: str, now: datetime,
) -> None:  # fmt: skip
    """Staff answered, linked or dismissed the group."""
    group.status, group.answer_key, group.resolved_by, group.resolved_at = (
        status, answer_key, by, now,
    )  # fmt: skip
    session.flush()


def mark_replied(
    session: Session, *, group_id: int, channel: str, channel_user_id: str, now: datetime
) -> None:
    """Staff answered this prospect's questions of the group on their channel."""
    session.execute(
        update(UnansweredQuestion)
        .where(
            UnansweredQuestion.group_id == group_id,
            UnansweredQuestion.channel == channel,
            UnansweredQuestion.channel_user_id == channel_user_id,
        )
        .values(replied_at=now)
    )


def reopen_resolved(session: Session, *, since: datetime | None) -> None:
    """Answered or linked groups (since then; None: all) are open again (a rollback)."""
    query = update(QuestionGroup).where(
        QuestionGroup.status.in_([GroupStatus.ANSWERED, GroupStatus.LINKED])
    )
    if since is not None:
        query = query.where(QuestionGroup.resolved_at > since)
    session.execute(
        query.values(status=GroupStatus.OPEN, answer_key=None, resolved_by=None, resolved_at=None)
    )


def forget_before(session: Session, *, older_than: datetime) -> None:
    """Questions asked before then are erased (the retention period); groups keep counts."""
    session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.created_at < older_than))


def erase_person(session: Session, *, channel: str, channel_user_id: str) -> int:
    """Delete the person's recorded questions (their groups keep the counts); returns how many."""
    result = session.execute(
        delete(UnansweredQuestion).where(
            UnansweredQuestion.channel == channel,
            UnansweredQuestion.channel_user_id == channel_user_id,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def count_feedback(session: Session, *, answer_key: str, helpful: bool, now: datetime) -> None:
    """One 👍 or 👎 more for the answer (an atomic increment: prospects press at once)."""
    column = AnswerFeedback.up if helpful else AnswerFeedback.down
    increment = (
        update(AnswerFeedback)
        .where(AnswerFeedback.answer_key == answer_key)
        .values({column: column + 1, AnswerFeedback.last_at: now})
    )
    if getattr(session.execute(increment), "rowcount", 0):
        return
    try:
        with session.begin_nested():
            session.add(AnswerFeedback(
                answer_key=answer_key, up=int(helpful), down=int(not helpful), last_at=now,
            ))  # fmt: skip
    except IntegrityError:  # someone else counted the first one at the same moment
        session.execute(increment)


def feedback(session: Session) -> list[AnswerFeedback]:
    """👍/👎 counts of every answer that got any, the most 👎 first."""
    query = select(AnswerFeedback).order_by(AnswerFeedback.down.desc(), AnswerFeedback.up)
    return list(session.scalars(query))
