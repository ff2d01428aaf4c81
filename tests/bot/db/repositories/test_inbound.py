from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import InboundDelivery, InboundStatus, utcnow
from bot.db.repositories import inbound as repo


def _delivery(
    session: Session, external_id: str, *, user: str = "u1", channel: str = "telegram",
    status: str = InboundStatus.DONE, days_old: int = 0,
) -> None:  # fmt: skip
    session.add(
        InboundDelivery(
            channel=channel, channel_user_id=user, external_id=external_id,
            message={"text": "hoi"}, status=status,
            received_at=utcnow() - timedelta(days=days_old),
        )
    )  # fmt: skip


def _left(session: Session) -> list[str]:
    return sorted(session.scalars(select(InboundDelivery.external_id)))


def test_forget_inbound_of_keeps_pending_and_other_people(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        _delivery(session, "done")
        _delivery(session, "failed", status=InboundStatus.FAILED)
        _delivery(session, "pending", status=InboundStatus.PENDING)
        _delivery(session, "someone-else", user="u2")
        _delivery(session, "other-channel", channel="whatsapp")
    with sessions.begin() as session:
        repo.forget_inbound_of(session, channel="telegram", channel_user_id="u1")
    with sessions() as session:
        assert _left(session) == ["other-channel", "pending", "someone-else"]


def test_forget_inbound_before_keeps_pending_and_recent(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        _delivery(session, "old", days_old=40)
        _delivery(session, "old-failed", days_old=40, status=InboundStatus.FAILED)
        _delivery(session, "old-pending", days_old=40, status=InboundStatus.PENDING)
        _delivery(session, "recent", days_old=10)
    with sessions.begin() as session:
        repo.forget_inbound_before(session, older_than=utcnow() - timedelta(days=30))
    with sessions() as session:
        assert _left(session) == ["old-pending", "recent"]
