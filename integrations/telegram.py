"""Telegram through python-telegram-bot 22: updates in, replies out.

`start_bot` makes the client, `poll_updates` fetches updates by long polling (development) and
hands each to the caller; `parse_update` turns an update into the internal message type (text,
a pressed inline button, a command, or something Tekkie cannot read); `TelegramSender` delivers
outbox messages with inline keyboards, `StaffTelegramSender` posts staff notices in the group.
Buttons carry a short reference (`button_ref`), never the payload itself: callback_data holds at
most 64 bytes, and only payloads Tekkie offered may come back.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import Any

import anyio
import structlog
from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit, ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot.db.models import OutboxMessage
from bot.messages import InboundMessage, OutboundMessage, button_ref
from bot.settings import Settings

log = structlog.get_logger(__name__)
CHANNEL = "telegram"
# Tekkie's own commands and the payload each stands for (trusted: Tekkie made them).
COMMANDS = {
    "start": "/greet", "help": "/menu", "menu": "/menu", "privacy": "/what_do_you_know",
    "stop": "/delete_my_data", "delete": "/delete_my_data",
}  # fmt: skip
_CAMPAIGN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # Telegram's deep-link alphabet
_UNSUPPORTED = ("voice", "audio", "photo", "sticker", "document", "video", "video_note",
                "animation", "location", "venue", "contact", "poll", "dice")  # fmt: skip
_SPLIT_AT = 3500  # characters before escaping; escaped HTML stays within 4096
_BOLD = re.compile(r"\*([^*\n]+)\*")


def make_bot(settings: Settings) -> ExtBot[int]:
    """The bot client: rate limited (30/s overall, about 1/s per chat), retrying on 429."""
    assert settings.telegram_bot_token is not None  # only called when configured
    return ExtBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        rate_limiter=ChatRateLimiter(max_retries=3),
    )


async def start_bot(settings: Settings) -> Bot | None:
    """The Telegram client when configured; a failing check is logged, not fatal."""
    if not settings.telegram_enabled:
        return None
    bot = make_bot(settings)
    try:
        await bot.initialize()
    except TelegramError:
        log.exception("telegram.unavailable_at_start")
    return bot


async def poll_updates(
    bot: Bot, handle: Callable[[Update], Awaitable[None]], *, pause: float = 2.0
) -> None:
    """Development mode: fetch updates by long polling instead of a webhook, until cancelled.

    Each update goes to `handle` once, in order; the next fetch confirms it (offset). A failing
    fetch is logged and tried again after `pause` seconds.
    """
    await bot.delete_webhook()
    offset = 0
    while True:
        try:
            updates = await bot.get_updates(offset=offset, timeout=10)
        except TelegramError:
            log.exception("telegram.polling_error")
            await anyio.sleep(pause)
            continue
        for update in updates:
            offset = update.update_id + 1
            await handle(update)


class ChatRateLimiter(AIORateLimiter):
    """PTB's limiter (overall and per group) plus about one message per second per chat."""

    def __init__(self, *, max_retries: int) -> None:
        super().__init__(max_retries=max_retries)
        self._chats: defaultdict[int, AsyncLimiter] = defaultdict(lambda: AsyncLimiter(3, 3))

    async def process_request(  # noqa: PLR0917 - PTB's signature
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Wait for the chat's turn, then let PTB's limiter do the rest."""
        chat_id = data.get("chat_id")
        if isinstance(chat_id, int) and chat_id > 0 and endpoint.startswith("send"):
            async with self._chats[chat_id]:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def parse_update(update: Update) -> InboundMessage | None:
    """The internal message for an update; None for updates Tekkie does not answer."""
    if update.callback_query is not None:
        query = update.callback_query
        chat = getattr(query.message, "chat", None)
        chat_id = chat.id if chat is not None else query.from_user.id
        return InboundMessage(
            channel=CHANNEL, channel_user_id=str(chat_id), button_ref=query.data or "",
            locale=query.from_user.language_code,
            metadata={"callback_query_id": query.id, "name_hint": query.from_user.first_name},
        )  # fmt: skip
    if update.edited_message is not None and _private(update.edited_message):
        chat = update.edited_message.chat
        return InboundMessage(channel=CHANNEL, channel_user_id=str(chat.id), unsupported="edited")
    message = update.message
    if message is None or not _private(message):
        return None  # groups, channels, membership changes: not a prospect talking
    user = message.from_user
    base = InboundMessage(
        channel=CHANNEL,
        channel_user_id=str(message.chat.id),
        locale=user.language_code if user else None,
        metadata={"name_hint": user.first_name} if user and user.first_name else {},
    )
    if message.text is not None:
        command, _, argument = message.text.partition(" ")
        name = command[1:].split("@", 1)[0].lower() if command.startswith("/") else ""
        if name in COMMANDS:
            campaign = argument.strip().lower() if name == "start" else ""
            return replace(
                base, command=COMMANDS[name],
                campaign=campaign if _CAMPAIGN.fullmatch(campaign) else None,
            )  # fmt: skip
        return replace(base, text=message.text)
    kind = next((k for k in _UNSUPPORTED if getattr(message, k, None)), "other")
    return replace(base, unsupported=kind)


def _private(message: Any) -> bool:
    """A one-to-one chat with the bot (a malformed update without a chat is not one)."""
    return getattr(getattr(message, "chat", None), "type", None) == "private"


def to_html(text: str) -> str:
    """Escape for Telegram's HTML parse mode; *bold* in the content becomes bold."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def split_text(text: str, limit: int = _SPLIT_AT) -> list[str]:
    """Split long text at paragraph, line or word boundaries into parts of at most `limit`."""
    parts, rest = [], text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " "))
        cut = cut if cut > limit // 2 else limit
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [*parts, rest] if rest else parts or [""]


def keyboard(reply: OutboundMessage) -> InlineKeyboardMarkup | None:
    """One button per row; callback_data is the payload's short reference."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.title, callback_data=button_ref(b.payload))]
            for b in reply.buttons
        ]
    )


async def send_reply(bot: Bot, chat_id: str, reply: OutboundMessage) -> str:
    """Send one reply (split when long, buttons under the last part); the last message id."""
    parts = split_text(reply.text or "👇")
    assert all(len(to_html(p)) <= MessageLimit.MAX_TEXT_LENGTH for p in parts)
    sent_id = ""
    for index, part in enumerate(parts):
        sent = await bot.send_message(
            chat_id=int(chat_id), text=to_html(part), parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply) if index == len(parts) - 1 else None,
        )  # fmt: skip
        sent_id = str(sent.message_id)
    return sent_id


class TelegramSender:
    """Outbox sender for Telegram; the outbox awaits it on the app's event loop."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, message: OutboxMessage) -> str | None:
        """Deliver the stored reply or notice; raises on failure (the outbox retries)."""
        reply = OutboundMessage.from_payload(message.payload)
        return await send_reply(self._bot, message.recipient, reply)


class StaffTelegramSender:
    """Staff notices in the school's staff Telegram group (through Tekkie's bot)."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self._bot = bot
        self._chat_id = chat_id

    async def send(self, message: OutboxMessage) -> str | None:
        """Post the notice in the group."""
        reply = OutboundMessage(text=str(message.payload.get("text", "")))
        return await send_reply(self._bot, str(self._chat_id), reply)


def start_payload_campaign(payload: str) -> str | None:
    """The campaign Tekkie reads when a t.me link's `start=<payload>` makes Telegram send /start.

    Campaigns check their codes with it (bot/prospects/campaigns.py): a code is only usable
    when it comes back unchanged.
    """
    start = Update.de_json(
        {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": f"/start {payload}",
                                     "chat": {"id": 1, "type": "private"}}},
        None,
    )  # fmt: skip
    opened = parse_update(start)
    return opened.campaign if opened else None
