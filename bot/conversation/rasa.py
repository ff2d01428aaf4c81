"""What the conversation needs from Rasa, as a protocol: the app wires the HTTP client in.

`integrations/rasa_client.py` implements it over Rasa's HTTP API; tests pass a stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.messages import OutboundMessage


class RasaUnavailableError(RuntimeError):
    """Rasa (or its action server) could not be reached or failed to handle the message.

    `unreached` is True when the server could not even be connected to: it took no part in
    the turn, so another server may take it (bot/conversation/routing.py).
    """

    def __init__(self, message: str, *, unreached: bool = False) -> None:
        super().__init__(message)
        self.unreached = unreached


@dataclass(frozen=True)
class RasaReply:
    """Rasa's answer to one message, and the state the turn left the conversation in.

    `language` is the conversation's language after the turn (the prospect may have asked
    for the other one); `paused` is True when the turn handed the conversation to a person.
    The app learns both from the reply, so it never reads the conversation again after it.
    """

    messages: list[OutboundMessage] = field(default_factory=list)
    language: str | None = None
    paused: bool = False


class Rasa(Protocol):
    """One message in, Tekkie's replies out; events added to a conversation's tracker."""

    async def send(
        self, *, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> RasaReply:
        """Hand one message to Rasa and return its reply."""
        ...

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Add events to the conversation's tracker without a turn."""
        ...
