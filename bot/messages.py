"""The one internal message type every channel adapter translates to and from."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Button:
    """A choice Tekkie offers; `payload` goes back to Rasa when it is chosen."""

    title: str
    payload: str


def button_ref(payload: str) -> str:
    """A short stand-in for a payload (Telegram's callback_data holds at most 64 bytes)."""
    return "b" + hashlib.sha256(payload.encode()).hexdigest()[:24]


def rasa_sender_id(channel: str, channel_user_id: str) -> str:
    """Rasa's sender id of a conversation: channel and user together, so channels never collide."""
    return f"{channel}:{channel_user_id}"


@dataclass(frozen=True)
class InboundMessage:
    """What a prospect sent, on any channel: typed text or a pressed button.

    Web chat sends the button's `payload`; Telegram and WhatsApp send its `button_ref`.
    `command` is a payload Tekkie's own channel commands stand for (Telegram's /start ->
    "/greet"); `unsupported` names what came instead of text (voice, photo, edited, ...).
    `numbered_choices` lets "1", "2" or an option's words choose a button (WhatsApp text).
    """

    channel: str
    channel_user_id: str
    text: str | None = None
    payload: str | None = None
    button_ref: str | None = None
    command: str | None = None
    unsupported: str | None = None
    numbered_choices: bool = False
    campaign: str | None = None
    locale: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def conversation_id(self) -> str:
        """Rasa's sender id of this conversation."""
        return rasa_sender_id(self.channel, self.channel_user_id)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for storing the message before it is handled."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InboundMessage:
        """The message stored by `to_dict` (unknown keys ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class OutboundMessage:
    """What Tekkie says back: text and optional buttons."""

    text: str = ""
    buttons: tuple[Button, ...] = ()

    def to_payload(self) -> dict[str, Any]:
        """Plain data for the outbox."""
        return {"text": self.text, "buttons": [asdict(b) for b in self.buttons]}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> OutboundMessage:
        """The message stored by `to_payload`."""
        buttons = tuple(
            Button(str(b["title"]), str(b["payload"])) for b in data.get("buttons") or []
        )
        return cls(text=str(data.get("text") or ""), buttons=buttons)
