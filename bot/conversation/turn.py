"""One turn of a conversation, the same for every channel: check, ask Rasa, remember buttons."""

from __future__ import annotations

import re

import anyio
import structlog
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.language import Lang, detect_language
from bot.conversation.rasa import Rasa, RasaUnavailableError
from bot.db.repositories import conversations as repo
from bot.db.repositories.leads import touch_lead
from bot.messages import Button, InboundMessage, OutboundMessage
from bot.texts import say

log = structlog.get_logger(__name__)
MAX_TEXT_LENGTH = 2000
_LEADING_SLASHES = re.compile(r"^[\s/]+")
_VOWELS = re.compile(r"[aeiouyàáâäèéêëìíîïòóôöùúûü]")
_CONSONANTS = re.compile(r"[^aeiouyàáâäèéêëìíîïòóôöùúûü]{5,}")
OUT_OF_SCOPE = "/out_of_scope"


class TurnRefusedError(Exception):
    """The message cannot be handled; `reply` says why, in the prospect's language."""

    def __init__(self, reason: str, reply: str, *, later: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reply = reply
        self.later = later or reply  # for a message that is kept and answered later


def looks_like_mashing(text: str) -> bool:
    """True for keyboard mashing ("qwzx plorf vrrmb"): most words cannot be pronounced.

    A word of 4+ letters without a vowel, or with 5+ consonants in a row, is unpronounceable
    in Dutch and English alike. Short replies ("ok", "thx", "pls") and digits never count.
    Rasa's NLU is confident about almost any text, so this check sends such a message to the
    friendly fallback instead of letting it be taken for a question.
    """
    words = [w for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) >= 3]
    odd = [w for w in words if (len(w) >= 4 and not _VOWELS.search(w)) or _CONSONANTS.search(w)]
    return len(odd) * 2 > len(words)


def neutralise_text(text: str) -> str:
    """Typed text never acts as a Rasa payload: leading slashes go ("/greet" -> "greet")."""
    stripped = text.strip()
    return _LEADING_SLASHES.sub("", stripped) if stripped.startswith("/") else stripped


class ConversationService:
    """Runs turns: validates input, passes it to Rasa, keeps the offered buttons."""

    def __init__(self, *, sessions: sessionmaker[Session], rasa: Rasa) -> None:
        self._sessions = sessions
        self._rasa = rasa

    async def handle(self, message: InboundMessage) -> list[OutboundMessage]:
        """Handle one inbound message and return Tekkie's replies.

        While a person has the conversation (human handoff) Tekkie says nothing: the message
        only goes into Rasa's tracker, the transcript staff read, and the reply list is empty.
        """
        known, handoff = await anyio.to_thread.run_sync(self._known_state, message)
        language = detect_language(message.text or "", current=known, hint=message.locale)
        if message.unsupported is not None:
            await anyio.to_thread.run_sync(self._remember, message, [])
            key = "edited_message" if message.unsupported == "edited" else "unsupported_message"
            return [OutboundMessage(text=say(key, language))]
        rasa_text = await anyio.to_thread.run_sync(
            self._check_and_prepare, message, language, handoff is not None
        )
        await anyio.to_thread.run_sync(self._remember_language, message, language)
        metadata = {"channel": message.channel, "locale": message.locale, **message.metadata}
        try:
            if handoff is not None:
                return await self._record_for_staff(message, rasa_text, metadata)
            replies = await self._rasa.send(
                sender_id=message.conversation_id, text=rasa_text, metadata=metadata
            )
        except RasaUnavailableError as error:
            log.error("rasa.unavailable", error=str(error), channel=message.channel)
            raise TurnRefusedError(
                "unavailable", say("unavailable", language), later=say("delayed", language)
            ) from error
        if not replies:
            if (await anyio.to_thread.run_sync(self._known_state, message))[1] is not None:
                await anyio.to_thread.run_sync(self._remember, message, [])
                return []  # handed to a person in this very turn: Rasa is paused
            log.warning("rasa.no_reply", conversation=message.conversation_id)
            return [OutboundMessage(text=say("no_reply", language))]
        buttons = [button for reply in replies for button in reply.buttons]
        await anyio.to_thread.run_sync(self._remember, message, buttons)
        return replies

    async def _record_for_staff(
        self, message: InboundMessage, text: str, metadata: dict[str, object]
    ) -> list[OutboundMessage]:
        """Add the message to Rasa's tracker without a turn, and stay silent.

        Not through the channel webhook: after an hour's silence Rasa would start a new
        session there, which ends the pause, and Tekkie would answer while staff have it.
        """
        parse_data = {"intent": {}, "entities": [], "text": text}  # not parsed: nobody predicts
        event = {"event": "user", "text": text, "parse_data": parse_data, "metadata": metadata}
        await self._rasa.append_events(message.conversation_id, [event])
        await anyio.to_thread.run_sync(self._remember, message, [])  # old numbers stop working
        return []

    def _known_state(self, message: InboundMessage) -> tuple[str | None, str | None]:
        """The conversation's language and handoff status, as far as they are known."""
        with self._sessions() as session:
            found = repo.find_conversation(
                session, channel=message.channel, channel_user_id=message.channel_user_id
            )
            if found is None:
                return None, None
            return found.language, found.handoff_status

    def _remember_language(self, message: InboundMessage, language: Lang) -> None:
        with self._sessions.begin() as session:
            conversation = repo.get_or_create_conversation(
                session, channel=message.channel, channel_user_id=message.channel_user_id
            )
            conversation.language = language

    def _check_and_prepare(self, message: InboundMessage, language: Lang, literal: bool) -> str:
        """What Rasa gets: a checked payload, or typed text that can never act as one.

        `literal`: a person reads it (handoff), so typed text stays as the prospect wrote it.
        """
        if message.command is not None:
            return message.command  # Tekkie's own channel command (/start, /help, ...)
        if message.payload is not None or message.button_ref is not None:
            return self._offered_payload(message, language)
        text = neutralise_text(message.text or "")
        if not text:
            raise TurnRefusedError("empty", say("empty", language))
        if len(text) > MAX_TEXT_LENGTH:
            raise TurnRefusedError("too_long", say("too_long", language, limit=MAX_TEXT_LENGTH))
        if literal:
            return text
        if message.numbered_choices and (choice := self._numbered_choice(message, text)):
            return choice
        return OUT_OF_SCOPE if looks_like_mashing(text) else text

    def _offered_payload(self, message: InboundMessage, language: Lang) -> str:
        with self._sessions.begin() as session:
            conversation = repo.get_or_create_conversation(
                session, channel=message.channel, channel_user_id=message.channel_user_id
            )
            if message.button_ref is not None:
                payload = repo.payload_for_ref(
                    session, conversation=conversation, ref=message.button_ref
                )
            elif repo.payload_was_offered(
                session, conversation=conversation, payload=str(message.payload)
            ):
                payload = message.payload
            else:
                payload = None
        if payload is None:
            raise TurnRefusedError("stale_button", say("stale_button", language))
        return payload

    def _numbered_choice(self, message: InboundMessage, text: str) -> str | None:
        """Typed "2" or an option's words choose one of the latest turn's numbered options."""
        with self._sessions() as session:
            conversation = repo.get_or_create_conversation(
                session, channel=message.channel, channel_user_id=message.channel_user_id
            )
            buttons = repo.last_turn_buttons(session, conversation=conversation)
            session.commit()
        said = _plain(text)
        if said.isdigit() and 1 <= int(said) <= len(buttons):
            return buttons[int(said) - 1].payload
        return next((b.payload for b in buttons if _plain(b.title) == said), None)

    def _remember(self, message: InboundMessage, buttons: list[Button]) -> None:
        with self._sessions.begin() as session:
            conversation = repo.get_or_create_conversation(
                session, channel=message.channel, channel_user_id=message.channel_user_id
            )
            repo.remember_turn_buttons(session, conversation=conversation, buttons=buttons)
            repo.touch(session, conversation=conversation)
            touch_lead(session, channel=message.channel, channel_user_id=message.channel_user_id)


def _plain(text: str) -> str:
    """Lowercase words only: "2." -> "2", "📍 Op locatie" -> "op locatie"."""
    return " ".join(re.findall(r"\w+", text.lower()))
