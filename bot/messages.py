"""The one internal message type every channel adapter translates to and from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    """A choice Tekkie offers; `payload` goes back to Rasa when it is chosen."""

    title: str
    payload: str


@dataclass(frozen=True)
class InboundMessage:
    """What a prospect sent, on any channel: typed text or a pressed button's payload."""

    channel: str
    channel_user_id: str
    text: str | None = None
    payload: str | None = None
    locale: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def conversation_id(self) -> str:
        """Rasa's sender id: channel and user together, so channels never collide."""
        return f"{self.channel}:{self.channel_user_id}"


@dataclass(frozen=True)
class OutboundMessage:
    """What Tekkie says back: text and optional buttons."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
