"""Several Rasa servers behind one `Rasa`: each conversation always goes to the same one.

Rasa Open Source keeps a conversation's order only inside one server (its lock store is not
safe across servers: Rasa issue #9213). So every conversation has a home server, chosen by
rendezvous hashing of its id over the servers' URLs: stable while the servers stay the same,
and when one is down only its conversations move, spread over the others. The trackers live
in the shared tracker store (Redis, or one SQLite file on one machine), so the next server
carries on where the first stopped. Inside the app, one conversation's turns already run one
at a time (`bot/conversation/locks.py`), across app instances too.

Faults: a server that cannot be reached (connection refused or no answer to connect) had no
part in the turn, so the turn goes to the conversation's next server at once, and the failed
one is skipped for `pause` seconds. Any other failure (a timeout in the middle of a turn, a
500, the action server down) may have half-happened there: it is raised, and the caller's
usual retry decides (a channel message waits and is tried again; the web chat asks to retry).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

import structlog

from bot.conversation.rasa import RasaReply, RasaUnavailableError

log = structlog.get_logger(__name__)
T = TypeVar("T")
PAUSE = 5.0  # seconds an unreachable server is skipped


class RasaServer(Protocol):
    """One Rasa server (integrations/rasa_client.py): where it is, and its calls."""

    @property
    def url(self) -> str:
        """The server's base URL (its identity for the hash)."""
        ...

    async def send(
        self, *, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> RasaReply:
        """One message in, the replies out."""
        ...

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Add events to a tracker without a turn."""
        ...

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        """The conversation's tracker."""
        ...

    async def is_ready(self) -> bool:
        """True when the server answers with a model loaded."""
        ...

    async def aclose(self) -> None:
        """Close its connections."""
        ...


def _weight(url: str, conversation: str) -> bytes:
    return hashlib.blake2b(f"{url}\0{conversation}".encode(), digest_size=8).digest()


def home_order(urls: Sequence[str], conversation: str) -> list[int]:
    """The servers (indexes) in the order this conversation tries them: home first."""
    return sorted(range(len(urls)), key=lambda i: _weight(urls[i], conversation), reverse=True)


class RasaRouter:
    """Sends each conversation to its home Rasa server, or the next one when it is down."""

    def __init__(
        self, servers: Sequence[RasaServer], *, pause: float = PAUSE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        if not servers:
            raise ValueError("RasaRouter needs at least one Rasa server")
        self.servers = list(servers)
        self._urls = [server.url for server in servers]
        self._pause = pause
        self._clock = clock
        self._down_until = [0.0] * len(servers)

    def _order(self, conversation: str) -> list[int]:
        order = home_order(self._urls, conversation)
        now = self._clock()
        up = [i for i in order if self._down_until[i] <= now]
        return up + [i for i in order if i not in up]  # all down: try them anyway

    async def _call(self, conversation: str, call: Callable[[RasaServer], Awaitable[T]]) -> T:
        last: RasaUnavailableError | None = None
        for index in self._order(conversation):
            try:
                result = await call(self.servers[index])
            except RasaUnavailableError as error:
                if not error.unreached:
                    raise
                last = error
                self._down_until[index] = self._clock() + self._pause
                log.warning("rasa.server_unreachable", server=self._urls[index])
                continue
            self._down_until[index] = 0.0
            return result
        assert last is not None
        raise last

    async def send(
        self, *, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> RasaReply:
        """The conversation's turn on its home server (or the next reachable one)."""
        return await self._call(
            sender_id, lambda server: server.send(sender_id=sender_id, text=text, metadata=metadata)
        )

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Add events on the server that holds the conversation now."""
        await self._call(sender_id, lambda server: server.append_events(sender_id, events))

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        """The conversation's tracker (the same on every server: the store is shared)."""
        return await self._call(sender_id, lambda server: server.tracker(sender_id))

    async def is_ready(self) -> bool:
        """True when at least one server can answer."""
        for server in self.servers:
            if await server.is_ready():
                return True
        return False

    async def aclose(self) -> None:
        """Close every server's connections."""
        for server in self.servers:
            await server.aclose()
