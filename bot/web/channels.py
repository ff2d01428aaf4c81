"""Telegram and WhatsApp webhooks: verify, parse, store; the conversation runs after the reply."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any
from xml.sax.saxutils import escape

import anyio
import structlog
from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update

from bot import outbox
from bot.conversation.inbound import InboundPipeline
from bot.conversation.language import detect_language
from bot.settings import Settings
from bot.texts import say
from integrations import telegram, whatsapp

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
Schedule = Callable[..., Any]


@router.post("/webhooks/telegram")
async def telegram_webhook(request: Request, background: BackgroundTasks) -> Response:
    """One Telegram update: the secret header must match; stored once, handled after the 200."""
    settings: Settings = request.app.state.settings
    bot: Bot | None = request.app.state.telegram_bot
    if bot is None or settings.telegram_webhook_secret is None:
        return JSONResponse({"detail": "Telegram is not configured"}, status_code=404)
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
    if not hmac.compare_digest(given, settings.telegram_webhook_secret.get_secret_value().encode()):
        return JSONResponse({"detail": "wrong secret token"}, status_code=403)
    try:
        update = Update.de_json(await request.json(), bot)
    except Exception:  # noqa: BLE001 - any unparsable body is the sender's mistake
        return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
    pipeline = request.app.state.pipeline
    response = await _stored(receive_telegram(pipeline, bot, update, background.add_task))
    if response.status_code == 503:  # Telegram delivers the update again later
        await _apologise_once(bot, update, request.app.state.apologies)
    return response


class OncePerOutage:
    """Remembers whom Tekkie told about an outage, so each prospect hears it once.

    An outage is taken to last at most `window` seconds; in-process (each app instance may
    say sorry once as well: better than a prospect left without a word).
    """

    def __init__(self, window: float = 600.0) -> None:
        self._window = window
        self._told: dict[str, float] = {}

    def first(self, who: str) -> bool:
        """True the first time `who` is asked about within the window."""
        now = time.monotonic()
        if len(self._told) > 10_000:
            self._told = {k: t for k, t in self._told.items() if now - t < self._window}
        if now - self._told.get(who, -self._window) < self._window:
            return False
        self._told[who] = now
        return True


async def _apologise_once(bot: Bot, update: Update, apologies: OncePerOutage) -> None:
    """The database is down: say sorry once per chat (best effort, nothing stored)."""
    message = telegram.parse_update(update)
    if message is None or not apologies.first(f"telegram:{message.channel_user_id}"):
        return
    language = detect_language(message.text or "", hint=message.locale)
    try:
        await bot.send_message(int(message.channel_user_id), say("delayed", language))
    except Exception:  # Telegram unreachable too: its redelivery remains
        log.warning("telegram.apology_failed", update_id=update.update_id, exc_info=True)


async def receive_telegram(
    pipeline: InboundPipeline, bot: Bot, update: Update, schedule: Schedule
) -> None:
    """Store the update's message once, acknowledge a pressed button, schedule the handling."""
    message = telegram.parse_update(update)
    if update.callback_query is not None:
        schedule(_answer_callback, bot, update.callback_query.id)
    if message is not None and await pipeline.accept(str(update.update_id), message):
        schedule(pipeline.drain, message.channel, message.channel_user_id)


async def _answer_callback(bot: Bot, query_id: str) -> None:
    """Stop the button's spinner (a failure here must not stop the conversation)."""
    try:
        await bot.answer_callback_query(query_id)
    except Exception:  # noqa: BLE001 - Telegram may refuse an old query; nothing to do
        log.warning("telegram.answer_callback_failed", query_id=query_id)


@router.post("/webhooks/whatsapp")
async def whatsapp_webhook(request: Request, background: BackgroundTasks) -> Response:
    """One WhatsApp message from Twilio: signature checked, stored once, handled after."""
    form = await _signed_form(request)
    if isinstance(form, Response):
        return form
    message = whatsapp.parse_message(form)
    if message is None:
        return Response(EMPTY_TWIML, media_type="text/xml")
    pipeline: InboundPipeline = request.app.state.pipeline
    outcome: str
    try:
        outcome = await pipeline.accept_or_keep(form["MessageSid"], message)
    except (SQLAlchemyError, OSError):  # neither the database nor the disk took it
        log.exception("whatsapp.not_stored")
        outcome = "lost"
    if outcome == "stored":
        background.add_task(pipeline.drain, message.channel, message.channel_user_id)
    apologies: OncePerOutage = request.app.state.apologies
    if outcome in ("stored", "duplicate") or (
        outcome == "kept" and not apologies.first(f"whatsapp:{message.channel_user_id}")
    ):
        return Response(EMPTY_TWIML, media_type="text/xml")
    # Twilio does not deliver again: the reply itself says sorry. A kept message is told once
    # per outage; a message that could not be kept is always asked for again.
    language = detect_language(message.text or "")
    apology = escape(say("delayed" if outcome == "kept" else "unavailable", language))
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{apology}</Message></Response>',
        media_type="text/xml",
    )


@router.post("/webhooks/whatsapp/status")
async def whatsapp_status(request: Request) -> Response:
    """Twilio's status callback (delivered, read, failed, undelivered) for a sent message."""
    form = await _signed_form(request)
    if isinstance(form, Response):
        return form

    def record() -> None:
        with request.app.state.sessions.begin() as session:
            outbox.record_delivery_status(
                session, external_id=form.get("MessageSid", ""),
                status=form.get("MessageStatus", ""), error_code=form.get("ErrorCode"),
            )  # fmt: skip

    return await _stored(anyio.to_thread.run_sync(record))


async def _signed_form(request: Request) -> dict[str, str] | Response:
    settings: Settings = request.app.state.settings
    if not settings.whatsapp_enabled:
        return JSONResponse({"detail": "WhatsApp is not configured"}, status_code=404)
    form = {key: str(value) for key, value in (await request.form()).items()}
    url = settings.base_url + request.url.path
    if request.url.query:
        url += f"?{request.url.query}"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not whatsapp.signature_is_valid(settings, url, form, signature):
        return JSONResponse({"detail": "invalid Twilio signature"}, status_code=403)
    return form


async def _stored(work: Awaitable[Any]) -> Response:
    """Run the storing step; a database that is down gets a 503, so the channel retries."""
    try:
        await work
    except SQLAlchemyError:
        log.exception("webhook.database_unavailable")
        return JSONResponse({"detail": "temporarily unavailable"}, status_code=503)
    return Response(status_code=200)
