"""What the conversation needs from Rasa, as a protocol: the app wires the HTTP client in.

`integrations/rasa_client.py` implements it over Rasa's HTTP API; tests pass a stand-in.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.messages import OutboundMessage


class RasaUnavailableError(RuntimeError):
    """Rasa (or its action server) could not be reached or failed to handle the message."""


class Rasa(Protocol):
    """One message in, Tekkie's replies out; events added to a conversation's tracker."""

    async def send(
        self, *, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[OutboundMessage]:
        """Hand one message to Rasa and return its replies."""
        ...

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Add events to the conversation's tracker without a turn."""
        ...
