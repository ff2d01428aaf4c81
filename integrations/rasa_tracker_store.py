"""Rasa's tracker store, read by nobody but Rasa, except to erase a conversation (privacy)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import redis

from bot.db.models import OutboxMessage
from bot.outbox import BlockingSender
from bot.settings import Settings


class TrackerEraser(BlockingSender):
    """Removes a conversation from Rasa's tracker store (after the turn that asked for it)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send_blocking(self, message: OutboxMessage) -> str | None:
        """Delete the conversation's events from Redis or from Rasa's SQLite file."""
        sender_id = message.recipient
        if self._settings.redis_url:
            client = redis.Redis.from_url(self._settings.redis_url)
            try:
                client.delete(f"{self._settings.redis_key_prefix}:tracker:{sender_id}")
            finally:
                client.close()
            return None
        database = self._settings.rasa_tracker_db
        if not database.exists():
            return None
        with closing(sqlite3.connect(database, timeout=15)) as connection, connection:
            try:
                connection.execute("DELETE FROM events WHERE sender_id = ?", (sender_id,))
            except sqlite3.OperationalError as error:
                if "no such table" not in str(error):  # Rasa has stored nothing yet
                    raise
        return None
