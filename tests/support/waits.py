"""Waits on the stack's database instead of fixed sleeps.

"Sleep, then assert nothing more arrived" is slow and can pass for the wrong reason (the
extra message was merely late). Instead, wait until the database shows the conversation's
work is finished (every inbound delivery handled or failed, no due outbox message still
waiting or being sent) and only then count what the channel received.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.engine import make_engine
from bot.db.models import InboundDelivery, InboundStatus, OutboxMessage, OutboxStatus, utcnow

FINISHED_INBOUND = frozenset({InboundStatus.DONE.value, InboundStatus.FAILED.value})
UNFINISHED_OUTBOX = frozenset({OutboxStatus.PENDING.value, OutboxStatus.SENDING.value})


@dataclass(frozen=True)
class Conversation:
    """What the database holds for one conversation at one moment."""

    inbound: dict[str, str]  # external id -> status
    outbox_busy: list[tuple[str, str]]  # (idempotency key, status) of due, unfinished rows

    def settled(self, external_ids: Iterable[str]) -> bool:
        expected = all(self.inbound.get(e) in FINISHED_INBOUND for e in external_ids)
        idle = all(status in FINISHED_INBOUND for status in self.inbound.values())
        return expected and idle and not self.outbox_busy

    def describe(self) -> str:
        inbound = dict(Counter(self.inbound.values())) or "none"
        return f"inbound by status {inbound}; unfinished outbox {self.outbox_busy or 'none'}"


def read_conversation(engine: Engine, channel: str, channel_user_id: str) -> Conversation:
    with Session(engine) as session:
        inbound = session.execute(
            select(InboundDelivery.external_id, InboundDelivery.status).where(
                InboundDelivery.channel == channel,
                InboundDelivery.channel_user_id == channel_user_id,
            )
        ).all()
        busy = session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.status).where(
                OutboxMessage.channel == channel,
                OutboxMessage.recipient == channel_user_id,
                OutboxMessage.status.in_(UNFINISHED_OUTBOX),
                OutboxMessage.due_at <= utcnow(),  # a reminder for next week is not work now
            )
        ).all()
    return Conversation(
        inbound={row.external_id: row.status for row in inbound},
        outbox_busy=[(row.idempotency_key, row.status) for row in busy],
    )


def wait_until_settled(
    database: str | Engine,
    *,
    channel: str,
    channel_user_id: str,
    external_ids: Iterable[str] = (),
    timeout: float = 30.0,
    interval: float = 0.05,
) -> Conversation:
    """Wait until the conversation's work is finished, as the database shows it.

    Finished: each of `external_ids` is stored and done or failed, no other inbound delivery
    of the conversation is pending, and no outbox message to it that is due is still pending
    or being sent. `database` is the stack's database URL or an engine on it. Returns the
    settled state; raises AssertionError with the last state seen after `timeout` seconds.
    """
    expected = list(external_ids)
    engine = make_engine(database) if isinstance(database, str) else database
    try:
        deadline = time.monotonic() + timeout
        while True:
            state = read_conversation(engine, channel, channel_user_id)
            if state.settled(expected):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{channel} conversation {channel_user_id} did not settle in {timeout} s"
                    f" (waiting for {expected or 'no particular message'}): {state.describe()}"
                )
            time.sleep(interval)
    finally:
        if isinstance(database, str):
            engine.dispose()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll `condition` until it holds; the seconds it took, or AssertionError naming `what`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.25)
    return time.monotonic() - started
