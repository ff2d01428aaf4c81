"""Routing conversations over several Rasa servers: a stable home, and the next one when down."""

from __future__ import annotations

from typing import Any

import pytest

from bot.conversation.rasa import RasaReply, RasaUnavailableError
from bot.conversation.routing import RasaRouter, home_order
from bot.messages import OutboundMessage
from integrations.rasa_client import RasaClient
from tests.support.stack import free_port

URLS = ["http://rasa-a:5005", "http://rasa-b:5005", "http://rasa-c:5005"]


class Server:
    """A Rasa server stand-in that records which conversations it answered."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: list[str] = []
        self.failure: RasaUnavailableError | None = None
        self.closed = False

    async def send(
        self, *, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> RasaReply:
        if self.failure is not None:
            raise self.failure
        self.seen.append(sender_id)
        return RasaReply(messages=[OutboundMessage(text=f"{self.url}: {text}")])

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        await self.send(sender_id=sender_id, text="events")

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        await self.send(sender_id=sender_id, text="tracker")
        return {"sender_id": sender_id, "server": self.url}

    async def is_ready(self) -> bool:
        return self.failure is None

    async def aclose(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def unreachable() -> RasaUnavailableError:
    return RasaUnavailableError("connection refused", unreached=True)


@pytest.fixture
def servers() -> list[Server]:
    return [Server(url) for url in URLS]


async def test_a_conversation_always_goes_to_the_same_server(servers: list[Server]) -> None:
    router = RasaRouter(servers)
    for _ in range(5):
        await router.send(sender_id="webchat:anna", text="hoi")
    assert sorted(len(server.seen) for server in servers) == [0, 0, 5]


async def test_conversations_spread_over_the_servers(servers: list[Server]) -> None:
    router = RasaRouter(servers)
    for number in range(300):
        await router.send(sender_id=f"telegram:{number}", text="hoi")
    counts = [len(server.seen) for server in servers]
    assert min(counts) > 60, counts  # an even share is 100


def test_the_home_server_does_not_depend_on_the_order_of_the_list() -> None:
    homes = {URLS[home_order(URLS, f"c{n}")[0]] for n in range(20)}
    backwards = URLS[::-1]
    assert all(
        URLS[home_order(URLS, f"c{n}")[0]] == backwards[home_order(backwards, f"c{n}")[0]]
        for n in range(20)
    )
    assert len(homes) > 1


async def test_an_unreachable_server_hands_its_conversations_to_the_others(
    servers: list[Server],
) -> None:
    router = RasaRouter(servers)
    conversations = [f"whatsapp:{n}" for n in range(60)]
    home = {c: URLS[home_order(URLS, c)[0]] for c in conversations}
    servers[0].failure = unreachable()
    answers = [await router.send(sender_id=c, text="hoi") for c in conversations]
    assert all(not a.messages[0].text.startswith(URLS[0]) for a in answers)
    # Conversations of the other servers stay where they were.
    for conversation, answer in zip(conversations, answers, strict=True):
        if home[conversation] != URLS[0]:
            assert answer.messages[0].text.startswith(home[conversation])
    moved = {
        next(url for url in URLS if a.messages[0].text.startswith(url))
        for c, a in zip(conversations, answers, strict=True) if home[c] == URLS[0]
    }  # fmt: skip
    assert len(moved) == 2, moved  # spread over both survivors, not all on one


async def test_a_server_that_failed_is_skipped_for_a_while_then_tried_again(
    servers: list[Server],
) -> None:
    clock = Clock()
    router = RasaRouter(servers, pause=5.0, clock=clock)
    sender = next(f"c{n}" for n in range(100) if home_order(URLS, f"c{n}")[0] == 0)
    servers[0].failure = unreachable()
    await router.send(sender_id=sender, text="1")
    servers[0].failure = None  # back, but the router does not know yet
    await router.send(sender_id=sender, text="2")
    assert servers[0].seen == []
    clock.now += 5.1
    await router.send(sender_id=sender, text="3")
    assert servers[0].seen == [sender]


async def test_a_failure_in_the_middle_of_a_turn_is_not_repeated_elsewhere(
    servers: list[Server],
) -> None:
    """A 500 or a timeout may have half-run the turn: the caller's retry decides, not us."""
    router = RasaRouter(servers)
    sender = "telegram:42"
    home = servers[home_order(URLS, sender)[0]]
    home.failure = RasaUnavailableError("Rasa answered 500")
    with pytest.raises(RasaUnavailableError, match="500"):
        await router.send(sender_id=sender, text="hoi")
    assert [s.seen for s in servers] == [[], [], []]


async def test_all_servers_down_raises_and_they_are_tried_again_next_time(
    servers: list[Server],
) -> None:
    router = RasaRouter(servers)
    for server in servers:
        server.failure = unreachable()
    with pytest.raises(RasaUnavailableError) as raised:
        await router.send(sender_id="webchat:x", text="hoi")
    assert raised.value.unreached
    assert not await router.is_ready()
    servers[1].failure = None  # every server is paused now; they are tried all the same
    reply = await router.send(sender_id="webchat:x", text="hoi")
    assert reply.messages[0].text.startswith(URLS[1])
    assert await router.is_ready()


async def test_events_and_trackers_follow_the_same_route(servers: list[Server]) -> None:
    router = RasaRouter(servers)
    await router.append_events("telegram:7", [{"event": "resume"}])
    tracker = await router.tracker("telegram:7")
    home = URLS[home_order(URLS, "telegram:7")[0]]
    assert tracker["server"] == home
    await router.aclose()
    assert all(server.closed for server in servers)


async def test_the_http_client_tells_a_refused_connection_from_other_failures() -> None:
    client = RasaClient(f"http://127.0.0.1:{free_port()}", "token")
    try:
        with pytest.raises(RasaUnavailableError) as raised:
            await client.send(sender_id="webchat:x", text="hoi")
        assert raised.value.unreached
    finally:
        await client.aclose()


def test_a_router_needs_a_server() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RasaRouter([])
