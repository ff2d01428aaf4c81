"""The one internal message type every channel adapter translates to and from."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Control characters (NUL, ESC, ...) and lone surrogates, except tab and line breaks: they
# carry no meaning in a chat, and PostgreSQL refuses NUL in text and JSON.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text as a channel may pass it on: no control characters, Unicode in NFC form."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", text.replace("\r\n", "\n")))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


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

    def __post_init__(self) -> None:
        """Every channel's input is cleaned here, at the edge, before it is stored or used."""
        for name in ("text", "payload", "button_ref", "campaign", "locale", "metadata"):
            object.__setattr__(self, name, _clean(getattr(self, name)))

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
