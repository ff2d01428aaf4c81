"""The handoff inbox: conversations where a prospect asked for a person, answered by staff here.

The routes check the form and show the outcome; `bot.prospects.handoff_desk` does the work.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.db.models import OutboxMessage
from bot.db.repositories import handoffs as repo
from bot.prospects import handoff, handoff_desk
from bot.prospects.handoff_desk import Deliver, HandBackResult, ReplyResult
from bot.web.dashboard.auth import Staff, StaffForm, redirect, sessions_of
from bot.web.dashboard.lead import transcript
from bot.web.dashboard.templating import flash, render
from bot.web.dashboard.users import StaffUser

router = APIRouter()
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


def _deliver(request: Request) -> Deliver:
    """How to send just-enqueued outbox messages now (the outbox worker would retry them)."""
    deliver: Deliver = request.app.state.deliver
    return deliver


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


@router.post("/handoffs/{conversation_id}/reply")
async def reply(
    request: Request,
    staff: StaffForm,
    conversation_id: int,
    text: Annotated[str, Form()] = "",
    reply_id: Annotated[str, Form()] = "",
) -> Response:
    """Answer the prospect on their channel; the staff member has the conversation from now."""
    outcome = await handoff_desk.reply_to_prospect(
        sessions=sessions_of(request), rasa=request.app.state.rasa, deliver=_deliver(request),
        conversation_id=conversation_id, staff=staff, text=text, reply_id=reply_id,
    )  # fmt: skip
    if outcome.row is None:
        return _not_found(request, staff)
    if outcome.result is ReplyResult.INVALID:
        return await _page(request, staff, outcome.row, status_code=422, text=text[:5000],
                           error="handoff_reply_invalid")  # fmt: skip
    if outcome.result is ReplyResult.RASA_UNAVAILABLE:  # nothing was sent: the text stays
        return await _page(request, staff, outcome.row, status_code=503, text=text,
                           error="handoff_rasa_unavailable")  # fmt: skip
    return redirect(f"/dashboard/handoffs/{conversation_id}?done=replied")  # sent, or sent before


@router.post("/handoffs/{conversation_id}/release")
async def release(request: Request, staff: StaffForm, conversation_id: int) -> Response:
    """Hand the conversation back to Tekkie; the prospect is told Tekkie is back."""
    outcome = await handoff_desk.hand_back(
        sessions=sessions_of(request), rasa=request.app.state.rasa, deliver=_deliver(request),
        conversation_id=conversation_id, staff=staff,
    )  # fmt: skip
    if outcome.row is None:
        return _not_found(request, staff)
    if outcome.result is HandBackResult.NOT_HANDED_OFF:
        return redirect(f"/dashboard/handoffs/{conversation_id}?done=not_handed_off")
    if outcome.result is HandBackResult.RASA_UNAVAILABLE:
        return await _page(request, staff, outcome.row, status_code=503,
                           error="handoff_rasa_unavailable")  # fmt: skip
    return redirect("/dashboard/handoffs?done=released")
