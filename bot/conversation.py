"""One turn of a conversation, the same for every channel: check, ask Rasa, remember buttons."""

from __future__ import annotations

import re

import anyio
import structlog
from sqlalchemy.orm import Session, sessionmaker

from bot.db.repositories import conversations as repo
from bot.db.repositories.leads import touch_lead
from bot.language import Lang, detect_language
from bot.messages import InboundMessage, OutboundMessage
from bot.texts import say
from integrations.rasa_client import RasaClient, RasaUnavailableError

log = structlog.get_logger(__name__)
MAX_TEXT_LENGTH = 2000
_LEADING_SLASHES = re.compile(r"^[\s/]+")


class TurnRefusedError(Exception):
    """The message cannot be handled; `reply` says why, in the prospect's language."""

    def __init__(self, reason: str, reply: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reply = reply


def neutralise_text(text: str) -> str:
    """Typed text never acts as a Rasa payload: leading slashes go ("/greet" -> "greet")."""
    stripped = text.strip()
    return _LEADING_SLASHES.sub("", stripped) if stripped.startswith("/") else stripped


class ConversationService:
    """Runs turns: validates input, passes it to Rasa, keeps the offered buttons."""

    def __init__(self, *, sessions: sessionmaker[Session], rasa: RasaClient) -> None:
        self._sessions = sessions
        self._rasa = rasa

    async def handle(self, message: InboundMessage) -> list[OutboundMessage]:
        """Handle one inbound message and return Tekkie's replies."""
        language = detect_language(message.text or "", hint=message.locale)
        rasa_text = await anyio.to_thread.run_sync(self._check_and_prepare, message, language)
        metadata = {"channel": message.channel, "locale": message.locale, **message.metadata}
        try:
            replies = await self._rasa.send(
                sender_id=message.conversation_id, text=rasa_text, metadata=metadata
            )
        except RasaUnavailableError as error:
            log.error("rasa.unavailable", error=str(error), channel=message.channel)
            raise TurnRefusedError("unavailable", say("unavailable", language)) from error
        if not replies:
            log.warning("rasa.no_reply", conversation=message.conversation_id)
            return [OutboundMessage(text=say("no_reply", language))]
        offered = [button.payload for reply in replies for button in reply.buttons]
        await anyio.to_thread.run_sync(self._remember, message, offered)
        return replies

    def _check_and_prepare(self, message: InboundMessage, language: Lang) -> str:
        if message.payload is not None:
            with self._sessions.begin() as session:
                conversation = repo.get_or_create_conversation(
                    session, channel=message.channel, channel_user_id=message.channel_user_id
                )
                if not repo.payload_was_offered(
                    session, conversation=conversation, payload=message.payload
                ):
                    raise TurnRefusedError("stale_button", say("stale_button", language))
            return message.payload
        text = neutralise_text(message.text or "")
        if not text:
            raise TurnRefusedError("empty", say("empty", language))
        if len(text) > MAX_TEXT_LENGTH:
            raise TurnRefusedError("too_long", say("too_long", language, limit=MAX_TEXT_LENGTH))
        return text

    def _remember(self, message: InboundMessage, offered: list[str]) -> None:
        with self._sessions.begin() as session:
            conversation = repo.get_or_create_conversation(
                session, channel=message.channel, channel_user_id=message.channel_user_id
            )
            repo.remember_offered_payloads(session, conversation=conversation, payloads=offered)
            repo.touch(session, conversation=conversation)
            touch_lead(session, channel=message.channel, channel_user_id=message.channel_user_id)
