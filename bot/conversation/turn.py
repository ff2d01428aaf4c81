"""One turn of a conversation, the same for every channel: read, ask Rasa, write."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import anyio
import structlog
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.language import Lang, detect_language, normalise_language
from bot.conversation.locks import ConversationLocks
from bot.conversation.other_languages import other_languages, recognise
from bot.conversation.rasa import Rasa, RasaUnavailableError
from bot.conversation.redis_guard import RedisGuard
from bot.db.models import Conversation
from bot.db.repositories import conversations as repo
from bot.db.repositories.leads import touch_lead
from bot.messages import Button, InboundMessage, OutboundMessage
from bot.texts import say
from bot.understanding.choices import offers_choices, yes_or_no

log = structlog.get_logger(__name__)
# (session, the message, the language it is in): bot/learning/questions.record_other_language
QuestionRecorder = Callable[[Session, InboundMessage, str], object]


class TurnObserver(Protocol):
    """Told of every turn: its channel, how long Rasa took, whether Rasa failed it."""

    def __call__(self, channel: str, seconds: float, *, rasa_failed: bool) -> None:
        """Count the turn."""
        ...


MAX_TEXT_LENGTH = 2000
_LEADING_SLASHES = re.compile(r"^[\s/]+")
_VOWELS = re.compile(r"[aeiouyàáâäèéêëìíîïòóôöùúûü]")
_CONSONANTS = re.compile(r"[^aeiouyàáâäèéêëìíîïòóôöùúûü]{5,}")
GIBBERISH = "/gibberish"  # keyboard mashing: "say it differently", not "only the training"


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


@dataclass(frozen=True)
class Turn:
    """A message checked against what the conversation knows, ready for Rasa.

    `text` is what Rasa gets; None when Tekkie answers at once with `replies` (no Rasa).
    `language` is detected once, here, and handed to Rasa with the message.
    """

    message: InboundMessage
    language: Lang
    text: str | None
    handed_off: bool = False
    replies: tuple[OutboundMessage, ...] = ()
    other_language: str | None = None  # written in this language, which Tekkie does not speak


@dataclass(frozen=True)
class Answer:
    """What the turn produced: the replies, and the language the conversation is in now."""

    turn: Turn
    replies: list[OutboundMessage]
    language: Lang


class ConversationService:
    """Runs turns: read the conversation's state, ask Rasa, write what the turn changed.

    A turn is one read before Rasa (`prepare`) and one write after it (`conclude`), each in
    the caller's transaction: the web chat uses `handle`; the channel pipeline runs the same
    steps inside the transactions that take and finish the stored message.
    """

    def __init__(
        self, *, sessions: sessionmaker[Session], rasa: Rasa,
        record_question: QuestionRecorder | None = None, observe: TurnObserver | None = None,
        locks: ConversationLocks | None = None,
    ) -> None:  # fmt: skip
        self._sessions = sessions
        self._rasa = rasa
        self._locks = locks or ConversationLocks(RedisGuard(None))
        self._observe = observe  # turn times and Rasa failures for /metrics (bot/metrics.py)
        # keeps a question in a language Tekkie does not speak for staff (the learning loop)
        self._record_question = record_question

    async def handle(self, message: InboundMessage) -> list[OutboundMessage]:
        """Handle one inbound message and return Tekkie's replies.

        While a person has the conversation (human handoff) Tekkie says nothing: the message
        only goes into Rasa's tracker, the transcript staff read, and the reply list is empty.
        One turn of a conversation runs at a time, across app instances when Redis is there;
        with Redis down the web chat carries on (a page sends one message at a time).
        """
        key = f"{message.channel}:{message.channel_user_id}"
        replies: list[OutboundMessage] | None = None
        try:
            async with self._locks.hold(key):
                replies = await self._handle(message)
        except RedisError:
            if replies is not None:  # the lock's release failed after the turn: it is done
                return replies
            if not self._locks.shared:
                raise
            log.warning("webchat.lock_unavailable", channel=message.channel)
            async with self._locks.hold(key, local_only=True):
                return await self._handle(message)
        return replies

    async def _handle(self, message: InboundMessage) -> list[OutboundMessage]:
        turn = await anyio.to_thread.run_sync(self._read, message)
        answer = await self.ask(turn)
        await anyio.to_thread.run_sync(self._write, answer)
        return answer.replies

    def prepare(self, session: Session, message: InboundMessage) -> Turn:
        """Check the message against the conversation (reads only); raise TurnRefusedError."""
        found = repo.find_conversation(
            session, channel=message.channel, channel_user_id=message.channel_user_id
        )
        known = found.language if found is not None else None
        language = detect_language(message.text or "", current=known, hint=message.locale)
        handed_off = found is not None and found.handoff_status is not None
        if message.unsupported is not None:
            key = "edited_message" if message.unsupported == "edited" else "unsupported_message"
            reply = OutboundMessage(text=say(key, language))
            return Turn(message, language, text=None, replies=(reply,))
        if not handed_off and (other := _in_other_language(message)) is not None:
            code, reply = other
            return Turn(message, language, text=None, replies=(reply,), other_language=code)
        text = _rasa_text(session, found, message, language, literal=handed_off)
        return Turn(message, language, text=text, handed_off=handed_off)

    async def ask(self, turn: Turn) -> Answer:
        """Hand the turn to Rasa (no database); TurnRefusedError("unavailable") when it is down."""
        started, failed = time.monotonic(), False
        try:
            return await self._ask(turn)
        except TurnRefusedError:
            failed = True
            raise
        finally:
            if self._observe is not None:
                self._observe(turn.message.channel, time.monotonic() - started, rasa_failed=failed)

    async def _ask(self, turn: Turn) -> Answer:
        if turn.text is None:
            return Answer(turn, list(turn.replies), turn.language)
        message, language = turn.message, turn.language
        metadata = {
            "channel": message.channel, "locale": message.locale, **message.metadata,
            "language": language,  # detected once, here; Rasa's action uses it as it is
        }  # fmt: skip
        try:
            if turn.handed_off:
                await self._record_for_staff(message, turn.text, metadata)
                return Answer(turn, [], language)
            reply = await self._rasa.send(
                sender_id=message.conversation_id, text=turn.text, metadata=metadata
            )
        except RasaUnavailableError as error:
            log.error("rasa.unavailable", error=str(error), channel=message.channel)
            raise TurnRefusedError(
                "unavailable", say("unavailable", language), later=say("delayed", language)
            ) from error
        language = normalise_language(reply.language) or language
        if not reply.messages and not reply.paused:
            log.warning("rasa.no_reply", conversation=message.conversation_id)
            return Answer(turn, [OutboundMessage(text=say("no_reply", language))], language)
        return Answer(turn, reply.messages, language)  # paused: handed to a person just now

    def conclude(self, session: Session, answer: Answer) -> None:
        """Remember the offered buttons and the language; record the activity."""
        message = answer.turn.message
        conversation = repo.get_or_create_conversation(
            session, channel=message.channel, channel_user_id=message.channel_user_id
        )
        buttons = [button for reply in answer.replies for button in reply.buttons]
        repo.remember_turn_buttons(session, conversation=conversation, buttons=buttons)
        repo.touch(session, conversation=conversation)
        conversation.language = answer.language
        touch_lead(session, channel=message.channel, channel_user_id=message.channel_user_id)
        if answer.turn.other_language is not None and self._record_question is not None:
            self._keep_question(session, message, answer.turn.other_language)

    def _keep_question(self, session: Session, message: InboundMessage, language: str) -> None:
        """Keep a question in a language Tekkie does not speak for staff; never fail the turn."""
        assert self._record_question is not None
        try:
            with session.begin_nested():
                self._record_question(session, message, language)
        except SQLAlchemyError as error:
            log.warning(  # the error holds the prospect's words: only its kind
                "learning.record_failed", channel=message.channel, error=type(error).__name__
            )

    def _read(self, message: InboundMessage) -> Turn:
        with self._sessions() as session:
            return self.prepare(session, message)

    def _write(self, answer: Answer) -> None:
        with self._sessions.begin() as session:
            self.conclude(session, answer)

    async def _record_for_staff(
        self, message: InboundMessage, text: str, metadata: dict[str, object]
    ) -> None:
        """Add the message to Rasa's tracker without a turn, and stay silent.

        Not through the channel webhook: after an hour's silence Rasa would start a new
        session there, which ends the pause, and Tekkie would answer while staff have it.
        The old numbered choices stop working (`conclude` clears them).
        """
        parse_data = {"intent": {}, "entities": [], "text": text}  # not parsed: nobody predicts
        event = {"event": "user", "text": text, "parse_data": parse_data, "metadata": metadata}
        await self._rasa.append_events(message.conversation_id, [event])


def _in_other_language(message: InboundMessage) -> tuple[str, OutboundMessage] | None:
    """The answer to typed text in a language Tekkie does not speak, in that language."""
    if message.text is None or message.command or message.payload or message.button_ref:
        return None
    code = recognise(message.text)
    if code is None:
        return None
    log.info("conversation.other_language", language=code, channel=message.channel)
    both = f"{say('other_language', 'nl')}\n{say('other_language', 'en')}"
    # The payload carries the language, so the staff notice names it (actions/handoff.py).
    payload = '/talk_to_person{"spoken_language": "%s"}' % code  # noqa: UP031 - JSON braces
    person = Button(say("talk_to_person_button", "en"), payload)
    text = f"{other_languages()[code].text}\n\n{both}"
    return code, OutboundMessage(text=text, buttons=(person,))


def _rasa_text(
    session: Session, found: Conversation | None, message: InboundMessage, language: Lang, *,
    literal: bool,
) -> str:  # fmt: skip
    """What Rasa gets: a checked payload, or typed text that can never act as one.

    `literal`: a person reads it (handoff), so typed text stays as the prospect wrote it.
    """
    if message.command is not None:
        return message.command  # Tekkie's own channel command (/start, /help, ...)
    if message.payload is not None or message.button_ref is not None:
        payload = None if found is None else _offered_payload(session, found, message)
        if payload is None:
            raise TurnRefusedError("stale_button", say("stale_button", language))
        return payload
    text = neutralise_text(message.text or "")
    if not text:
        raise TurnRefusedError("empty", say("empty", language))
    if len(text) > MAX_TEXT_LENGTH:
        raise TurnRefusedError("too_long", say("too_long", language, limit=MAX_TEXT_LENGTH))
    if literal:
        return text
    if found is not None and found.last_buttons and (message.numbered_choices or len(text) < 40):
        buttons = repo.last_turn_buttons(session, conversation=found)
        payloads, said = [b.payload for b in buttons], _plain(text)
        if choice := yes_or_no(payloads, said):
            return choice  # "ja" to "Bedoel je ...?": the question it offered first
        # a choice's own words choose it; a number too where options are numbered text
        choosing = message.numbered_choices or offers_choices(payloads)
        if choosing and (choice := _typed_choice(buttons, said, numbers=message.numbered_choices)):
            return choice
    return GIBBERISH if looks_like_mashing(text) else text


def _offered_payload(session: Session, found: Conversation, message: InboundMessage) -> str | None:
    if message.button_ref is not None:
        return repo.payload_for_ref(session, conversation=found, ref=message.button_ref)
    payload = str(message.payload)
    return (
        payload if repo.payload_was_offered(session, conversation=found, payload=payload) else None
    )


def _typed_choice(buttons: list[Button], said: str, *, numbers: bool) -> str | None:
    """Typed words of an option (or, with `numbers`, its number "2") choose it."""
    if numbers and said.isdigit() and 1 <= int(said) <= len(buttons):
        return buttons[int(said) - 1].payload
    return next((b.payload for b in buttons if _plain(b.title) == said), None)


def _plain(text: str) -> str:
    """Lowercase words only: "2." -> "2", "📍 Op locatie" -> "op locatie"."""
    return " ".join(re.findall(r"\w+", text.lower()))
