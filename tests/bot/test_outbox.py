"""The outbox on SQLite and PostgreSQL; several workers at once on PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import OutboxMessage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Recorder:
    """A sender that records deliveries and fails the first `failures` attempts."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.delivered: list[str] = []
        self.lock = threading.Lock()

    async def send(self, message: OutboxMessage) -> None:
        with self.lock:
            if self.failures > 0:
                self.failures -= 1
                raise ConnectionError("channel down")
            self.delivered.append(message.idempotency_key)


def add(session: Session, key: str, due: datetime = NOW, channel: str = "webchat") -> None:
    outbox.enqueue(
        session,
        key=key,
        kind="reminder_2h",
        audience="prospect",
        channel=channel,
        recipient="u1",
        payload={"text": key},
        due_at=due,
    )


def status(sessions: sessionmaker[Session], key: str) -> OutboxMessage:
    with sessions() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()


async def test_due_messages_are_sent_once_and_future_ones_wait(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        add(session, "due")
        add(session, "due")  # same idempotency key: stored once
        add(session, "later", due=NOW + timedelta(hours=1))
    sender = Recorder()
    worker = outbox.OutboxWorker(sessions, {"webchat": sender})
    assert await worker.run_once(now=NOW) == 1
    assert await worker.run_once(now=NOW) == 0
    assert sender.delivered == ["due"]
    assert status(sessions, "due").status == "sent"
    assert await worker.run_once(now=NOW + timedelta(hours=1)) == 1
    assert sender.delivered == ["due", "later"]


async def test_failures_are_retried_with_backoff_then_marked_failed(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        add(session, "flaky")
        add(session, "broken", channel="sms")  # no sender for this channel at all
    sender = Recorder(failures=100)
    worker = outbox.OutboxWorker(sessions, {"webchat": sender})
    now = NOW
    await worker.run_once(now=now)
    first = status(sessions, "flaky")
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.next_attempt_at == now + timedelta(seconds=30)
    assert "channel down" in (first.last_error or "")
    assert status(sessions, "broken").status == "unsendable"
    waits = []
    while status(sessions, "flaky").status == "pending":
        previous = status(sessions, "flaky").next_attempt_at
        assert (
            await worker.run_once(now=previous - timedelta(seconds=1)) == 0
        )  # not before its time
        await worker.run_once(now=previous)
        waits.append(status(sessions, "flaky").next_attempt_at - previous)
        now = previous
    final = status(sessions, "flaky")
    assert (final.status, final.attempts) == ("failed", final.max_attempts)
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]


async def test_a_worker_that_dies_mid_send_loses_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        add(session, "important")
    with sessions.begin() as session:  # a worker claims it, then crashes before sending
        assert len(outbox.claim_due(session, now=NOW)) == 1
    sender = Recorder()
    worker = outbox.OutboxWorker(sessions, {"webchat": sender})
    assert await worker.run_once(now=NOW + timedelta(seconds=30)) == 0  # still leased
    assert await worker.run_once(now=NOW + outbox.LEASE + timedelta(seconds=1)) == 1
    assert sender.delivered == ["important"]
    assert status(sessions, "important").status == "sent"


@pytest.mark.postgres
def test_two_workers_deliver_each_message_exactly_once(postgres_url: str) -> None:
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        for i in range(200):
            add(session, f"m{i}")
    sender = Recorder()
    workers = [outbox.OutboxWorker(sessions, {"webchat": sender}) for _ in range(2)]
    handled = Counter[int]()

    def drain(index: int) -> None:
        # each worker on its own event loop, in its own thread: two app instances
        while (count := asyncio.run(workers[index].run_once(now=NOW, limit=7))) > 0:
            handled[index] += count

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    print(f"\ntwo workers: {dict(handled)} messages each, {len(sender.delivered)} delivered")
    assert sorted(sender.delivered) == sorted(f"m{i}" for i in range(200))
    assert len(set(sender.delivered)) == 200
    assert handled[0] > 0  # both really worked
    assert handled[1] > 0
