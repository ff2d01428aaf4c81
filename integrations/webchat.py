"""Web chat channel adapter: its JSON payloads <-> Tekkie's internal message type."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import OutboxMessage
from bot.db.repositories import webchat_inbox
from bot.messages import InboundMessage, OutboundMessage
from bot.outbox import BlockingSender

CHANNEL = "webchat"
SENDER_ID = r"^[A-Za-z0-9_.:-]+$"


class WebchatButton(BaseModel):
    """A button as the web page renders it."""

    title: str
    payload: str


class WebchatMessage(BaseModel):
    """One reply bubble: text and buttons."""

    text: str
    buttons: list[WebchatButton] = []


class WebchatRequest(BaseModel):
    """`POST /api/webchat/messages`: typed text or a pressed button's payload, not both."""

    sender_id: str = Field(min_length=1, max_length=64, pattern=SENDER_ID)
    text: str | None = Field(default=None, max_length=20_000)
    payload: str | None = Field(default=None, min_length=1, max_length=500)
    locale: str | None = Field(default=None, max_length=35)

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.text is None) == (self.payload is None):
            raise ValueError("send either 'text' or 'payload'")
        return self

    def to_inbound(self) -> InboundMessage:
        """The internal message for this request."""
        return InboundMessage(
            channel=CHANNEL,
            channel_user_id=self.sender_id,
            text=self.text,
            payload=self.payload,
            locale=self.locale,
        )


class WebchatResponse(BaseModel):
    """Tekkie's replies to one request."""

    messages: list[WebchatMessage]

    @classmethod
    def from_outbound(cls, replies: list[OutboundMessage]) -> WebchatResponse:
        """Translate internal replies into the web chat's JSON."""
        return cls(
            messages=[
                WebchatMessage(
                    text=reply.text,
                    buttons=[
                        WebchatButton(title=b.title, payload=b.payload) for b in reply.buttons
                    ],
                )
                for reply in replies
            ]
        )


class WebchatInboxSender(BlockingSender):
    """Delivers to the web chat: the page fetches the message from its inbox."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def send_blocking(self, message: OutboxMessage) -> str | None:
        """Put the message in the visitor's inbox."""
        payload = {"text": message.payload.get("text", ""), "buttons": message.payload.get(
            "buttons", [])}  # fmt: skip
        with self._sessions.begin() as session:
            webchat_inbox.add_item(session, channel_user_id=message.recipient, payload=payload)
        return None
