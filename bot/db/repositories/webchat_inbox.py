"""Repository functions for the web chat inbox (messages outside a reply)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import WebchatInboxItem, utcnow


def add_item(session: Session, *, channel_user_id: str, payload: dict[str, Any]) -> None:
    """Queue a message for the visitor's page to fetch."""
    session.add(WebchatInboxItem(channel_user_id=channel_user_id, payload=payload))


def take_undelivered(session: Session, *, channel_user_id: str) -> list[dict[str, Any]]:
    """Return the visitor's waiting messages (oldest first) and mark them delivered."""
    items = session.scalars(
        select(WebchatInboxItem)
        .where(
            WebchatInboxItem.channel_user_id == channel_user_id,
            WebchatInboxItem.delivered_at.is_(None),
        )
        .order_by(WebchatInboxItem.id)
        .with_for_update(skip_locked=True)
    ).all()
    now = utcnow()
    for item in items:
        item.delivered_at = now
    return [item.payload for item in items]


def erase(session: Session, *, channel_user_id: str) -> None:
    """Remove every inbox message of the visitor (privacy erasure)."""
    for item in session.scalars(
        select(WebchatInboxItem).where(WebchatInboxItem.channel_user_id == channel_user_id)
    ):
        session.delete(item)
