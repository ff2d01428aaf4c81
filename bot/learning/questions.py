"""Record the questions Tekkie could not answer well, grouped with similar ones, for staff.

Recording never stands in the way of an answer: the callers catch database errors and the
prospect gets Tekkie's reply all the same (see actions/understanding.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.db.models import GroupStatus, QuestionGroup, Reason, UnansweredQuestion, utcnow
from bot.db.repositories import questions as repo
from bot.learning.similar import Similarity, from_training_data
from bot.messages import InboundMessage

MAX_TEXT = 500
ERASED_TITLE = "…"  # every prospect of the group was erased: only the counts are left


@dataclass(frozen=True)
class GroupView:
    """A group as staff see it: its questions in the prospects' words, counts and dates."""

    group: QuestionGroup
    questions: list[UnansweredQuestion]

    @property
    def title(self) -> str:
        """The group's first question that is still kept."""
        return self.questions[0].text if self.questions else ERASED_TITLE

    @property
    def examples(self) -> list[str]:
        """Different wordings of the question, as asked."""
        return list(dict.fromkeys(q.text for q in self.questions))

    @property
    def reason(self) -> str:
        """The most frequent reason."""
        reasons = self.group.reasons or {}
        return max(reasons, key=lambda name: reasons[name]) if reasons else Reason.FALLBACK

    @property
    def waiting(self) -> list[UnansweredQuestion]:
        """Questions whose prospect has not been answered by staff (one per person)."""
        people: dict[tuple[str, str], UnansweredQuestion] = {}
        for question in self.questions:
            if question.replied_at is None:
                people[(question.channel, question.channel_user_id)] = question
        return list(people.values())


def record(
    session: Session, *, similarity: Similarity, channel: str, channel_user_id: str, text: str,
    language: str, reason: Reason, answer_key: str | None = None, now: datetime | None = None,
) -> UnansweredQuestion | None:  # fmt: skip
    """Keep one message that was not answered well, in the group of questions like it.

    Empty messages and button presses ("/..." payloads) are not questions: None.
    """
    cleaned = " ".join(text.split())[:MAX_TEXT]
    if not cleaned or cleaned.startswith("/"):
        return None
    now = now or utcnow()
    candidates = repo.comparable_questions(session, language=language)
    found = similarity.best(cleaned, candidates)
    group = repo.get_group(session, group_id=found[0], for_update=True) if found else None
    if group is None:
        group = repo.new_group(session, language=language, now=now)
    question = UnansweredQuestion(
        channel=channel, channel_user_id=channel_user_id, text=cleaned, language=language,
        reason=reason, answer_key=answer_key, created_at=now,
    )  # fmt: skip
    repo.add_question(session, group=group, question=question)
    return question


def record_other_language(
    session: Session, message: InboundMessage, language: str
) -> UnansweredQuestion | None:
    """A message in a language Tekkie does not speak (the app's turn calls this)."""
    return record(
        session, similarity=from_training_data(), channel=message.channel,
        channel_user_id=message.channel_user_id, text=message.text or "", language=language,
        reason=Reason.OTHER_LANGUAGE,
    )  # fmt: skip


def declined(
    session: Session, *, similarity: Similarity, channel: str, channel_user_id: str, text: str,
    language: str, now: datetime | None = None,
) -> UnansweredQuestion | None:  # fmt: skip
    """The prospect said "Iets anders" to "Bedoel je ...?" about `text`.

    The question was recorded as needing "Bedoel je" then; it now counts as declined.
    """
    cleaned = " ".join(text.split())[:MAX_TEXT]
    earlier = repo.latest_question_of(
        session, channel=channel, channel_user_id=channel_user_id, reason=Reason.LOW_CONFIDENCE
    )
    if earlier is not None and earlier.text == cleaned:
        repo.change_reason(session, question=earlier, reason=Reason.DECLINED)
        return earlier
    return record(
        session, similarity=similarity, channel=channel, channel_user_id=channel_user_id,
        text=text, language=language, reason=Reason.DECLINED, now=now,
    )  # fmt: skip


def overview(
    session: Session, *, status: str | None = GroupStatus.OPEN, order: repo.Order = "frequent",
    limit: int = 200,
) -> list[GroupView]:  # fmt: skip
    """The groups staff see, with their questions."""
    found = repo.groups(session, status=status, order=order, limit=limit)
    questions = repo.questions_of(session, group_ids=[group.id for group in found])
    return [GroupView(group, questions[group.id]) for group in found]


def group_view(session: Session, *, group_id: int) -> GroupView | None:
    """One group with its questions, or None."""
    group = repo.get_group(session, group_id=group_id)
    if group is None:
        return None
    return GroupView(group, repo.questions_of(session, group_ids=[group.id])[group.id])
