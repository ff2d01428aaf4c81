"""The handoff inbox: conversations where a prospect asked for a person, answered by staff here."""

from __future__ import annotations

import re
import secrets
from typing import Annotated

import anyio
import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.conversation.rasa import RasaUnavailableError
from bot.db.models import OutboxMessage
from bot.db.repositories import handoffs as repo
from bot.prospects import handoff
from bot.web.dashboard.auth import Staff, StaffForm, redirect, sessions_of
from bot.web.dashboard.lead import transcript
from bot.web.dashboard.templating import flash, render
from bot.web.dashboard.users import StaffUser
from integrations.rasa_client import RasaClient

router = APIRouter()
log = structlog.get_logger(__name__)
REPLY_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_DONE = {"replied", "released", "not_handed_off"}


def _inbox(request: Request) -> list[repo.HandoffRow]:
    with sessions_of(request)() as session:
        return repo.open_handoffs(session)


def _row(request: Request, conversation_id: int) -> repo.HandoffRow | None:
    with sessions_of(request)() as session:
        return repo.handoff_row(session, conversation_id=conversation_id)


def _replies(request: Request, conversation_id: int) -> list[OutboxMessage]:
    with sessions_of(request)() as session:
        return repo.staff_replies(session, conversation_id=conversation_id)


def _not_found(request: Request, staff: StaffUser) -> Response:
    return render(request, "error.html", staff=staff, status_code=404,
                  title="not_found_title", message="handoff_not_found")  # fmt: skip


def _flash(request: Request, staff: StaffUser) -> str | None:
    return flash(request, staff.language, _DONE, prefix="handoff_done_")


async def _deliver(request: Request, message_id: int | None) -> None:
    """Send the message now, as replies to a turn are (the outbox worker would retry it)."""
    worker = getattr(request.app.state, "outbox_worker", None)
    if worker is not None and message_id is not None:
        await anyio.to_thread.run_sync(worker.deliver_now, [message_id])


@router.get("/handoffs", response_class=HTMLResponse)
async def inbox(request: Request, staff: Staff) -> Response:
    """Conversations waiting for a person or held by one, oldest request first."""
    rows = await anyio.to_thread.run_sync(_inbox, request)
    return render(request, "handoffs.html", staff=staff, rows=rows, flash=_flash(request, staff))


async def _page(
    request: Request, staff: StaffUser, row: repo.HandoffRow, *, status_code: int = 200,
    error: str | None = None, text: str = "",
) -> Response:  # fmt: skip
    lines = await transcript(request, handoff.sender_id(row.conversation))
    replies = await anyio.to_thread.run_sync(_replies, request, row.conversation.id)
    return render(
        request, "handoff.html", staff=staff, row=row, transcript=lines, error=error, text=text,
        replies=replies,
        reply_id=secrets.token_urlsafe(12), flash=_flash(request, staff), status_code=status_code,
        max_length=handoff.MAX_REPLY_LENGTH,
    )  # fmt: skip


@router.get("/handoffs/{conversation_id}", response_class=HTMLResponse)
async def conversation_page(request: Request, staff: Staff, conversation_id: int) -> Response:
    """The transcript, a reply box and the button that hands the conversation back."""
    row = await anyio.to_thread.run_sync(_row, request, conversation_id)
    if row is None:
        return _not_found(request, staff)
    return await _page(request, staff, row)


def _record_reply(
    request: Request, staff: StaffUser, conversation_id: int, text: str, reply_id: str
) -> int | None:
    with sessions_of(request).begin() as session:
        return handoff.record_reply(
            session, conversation_id=conversation_id, account_id=staff.account_id,
            staff_name=staff.name, text=text, reply_id=reply_id,
        )  # fmt: skip


def _already_sent(request: Request, conversation_id: int, reply_id: str) -> bool:
    with sessions_of(request)() as session:
        return handoff.reply_was_sent(session, conversation_id=conversation_id, reply_id=reply_id)


@router.post("/handoffs/{conversation_id}/reply")
async def reply(
    request: Request,
    staff: StaffForm,
    conversation_id: int,
    text: Annotated[str, Form()] = "",
    reply_id: Annotated[str, Form()] = "",
) -> Response:
    """Answer the prospect on their channel; the staff member has the conversation from now."""
    row = await anyio.to_thread.run_sync(_row, request, conversation_id)
    if row is None:
        return _not_found(request, staff)
    cleaned = handoff.clean_reply(text)
    if cleaned is None:
        return await _page(request, staff, row, status_code=422, text=text[:5000],
                           error="handoff_reply_invalid")  # fmt: skip
    reply_id = reply_id if REPLY_ID.match(reply_id) else secrets.token_urlsafe(12)
    page = f"/dashboard/handoffs/{conversation_id}"
    if await anyio.to_thread.run_sync(_already_sent, request, conversation_id, reply_id):
        return redirect(f"{page}?done=replied")  # the same form twice: sent once
    rasa: RasaClient = request.app.state.rasa
    events = [] if row.conversation.handoff_status else [{"event": "pause"}]
    try:  # the transcript first: a message staff cannot see there is never sent
        await rasa.append_events(
            handoff.sender_id(row.conversation), [*events, handoff.staff_event(cleaned, staff.name)]
        )
    except RasaUnavailableError as error:
        log.warning("handoff.reply_not_sent", conversation=conversation_id, error=str(error))
        return await _page(request, staff, row, status_code=503, text=text,
                           error="handoff_rasa_unavailable")  # fmt: skip
    message_id = await anyio.to_thread.run_sync(
        _record_reply, request, staff, conversation_id, cleaned, reply_id
    )
    await _deliver(request, message_id)
    log.info("handoff.replied", conversation=conversation_id, by=staff.account_id)
    return redirect(f"{page}?done=replied")


def _release(request: Request, conversation_id: int, note: str) -> int | None:
    with sessions_of(request).begin() as session:
        return handoff.release(session, conversation_id=conversation_id, note=note)


@router.post("/handoffs/{conversation_id}/release")
async def release(request: Request, staff: StaffForm, conversation_id: int) -> Response:
    """Hand the conversation back to Tekkie; the prospect is told Tekkie is back."""
    row = await anyio.to_thread.run_sync(_row, request, conversation_id)
    if row is None:
        return _not_found(request, staff)
    page = f"/dashboard/handoffs/{conversation_id}"
    if row.conversation.handoff_status is None:
        return redirect(f"{page}?done=not_handed_off")
    note = handoff.release_note(row.conversation)
    rasa: RasaClient = request.app.state.rasa
    try:
        await rasa.append_events(handoff.sender_id(row.conversation), handoff.release_events(note))
    except RasaUnavailableError as error:
        log.warning("handoff.release_failed", conversation=conversation_id, error=str(error))
        return await _page(request, staff, row, status_code=503, error="handoff_rasa_unavailable")
    message_id = await anyio.to_thread.run_sync(_release, request, conversation_id, note)
    await _deliver(request, message_id)
    log.info("handoff.released", conversation=conversation_id, by=staff.account_id)
    return redirect("/dashboard/handoffs?done=released")
