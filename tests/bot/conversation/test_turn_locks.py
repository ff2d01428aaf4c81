"""Web chat turns of one conversation run one at a time, also across app instances (Redis).

Rasa keeps a conversation's order only within one server, so the app must never hand it two
turns of one conversation at once. Rasa is a stand-in that notes overlapping turns; the
database and Redis are real.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import structlog
from redis.asyncio import Redis
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.locks import ConversationLocks
from bot.conversation.rasa import RasaReply
from bot.conversation.redis_guard import RedisGuard
from bot.conversation.turn import ConversationService
from bot.messages import InboundMessage, OutboundMessage
from integrations.redis_client import make_redis
from tests.support.stack import free_port


class SlowRasa:
    """Takes a moment per turn and notes how many turns of a conversation ran at once."""

    def __init__(self) -> None:
        self.running: dict[str, int] = {}
        self.most = 0
        self.texts: list[str] = []

    async def send(self, *, sender_id: str, text: str, metadata: Any = None) -> RasaReply:
        self.running[sender_id] = self.running.get(sender_id, 0) + 1
        self.most = max(self.most, self.running[sender_id])
        await asyncio.sleep(0.02)  # Rasa's work: a turn that arrives meanwhile must wait
        self.texts.append(text)
        self.running[sender_id] -= 1
        return RasaReply([OutboundMessage(text=f"antwoord op {text}")])

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        raise AssertionError("not handed off here")


def web(text: str, user: str = "u1") -> InboundMessage:
    return InboundMessage(channel="webchat", channel_user_id=user, text=text)


async def test_two_messages_of_one_conversation_at_once_run_one_after_the_other(
    sessions: sessionmaker[Session],
) -> None:
    rasa = SlowRasa()
    service = ConversationService(sessions=sessions, rasa=rasa)
    answers = await asyncio.gather(*(service.handle(web(f"vraag {n}")) for n in range(4)))
    assert rasa.most == 1
    assert [a[0].text for a in answers] == [f"antwoord op vraag {n}" for n in range(4)]


async def test_two_app_instances_share_the_conversation_lock_through_redis(
    sessions: sessionmaker[Session], redis_clients: tuple[Redis, Redis]
) -> None:
    rasa, prefix = SlowRasa(), f"t{uuid.uuid4().hex[:8]}"
    instances = [
        ConversationService(sessions=sessions, rasa=rasa,
                            locks=ConversationLocks(RedisGuard(client), prefix=prefix))
        for client in redis_clients
    ]  # fmt: skip
    await asyncio.gather(*(instances[n % 2].handle(web(f"vraag {n}")) for n in range(6)))
    assert rasa.most == 1
    assert len(rasa.texts) == 6


async def test_with_redis_down_the_web_chat_still_answers(sessions: sessionmaker[Session]) -> None:
    down = make_redis(f"redis://127.0.0.1:{free_port()}/0")
    rasa = SlowRasa()
    service = ConversationService(sessions=sessions, rasa=rasa,
                                  locks=ConversationLocks(RedisGuard(down)))  # fmt: skip
    try:
        with structlog.testing.capture_logs() as logs:
            replies = await service.handle(web("hoi"))
    finally:
        await down.aclose()
    assert [r.text for r in replies] == ["antwoord op hoi"]
    assert any(entry["event"] == "webchat.lock_unavailable" for entry in logs)
