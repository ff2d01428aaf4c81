"""One lead's page (profile, assessment, support, bookings, consent, transcript) and its actions."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.conversation.rasa import RasaUnavailableError
from bot.conversation.transcript import Line, lines_from_events
from bot.db.models import IntakeSlot, Lead, LeadStatus, utcnow
from bot.db.repositories import dashboard as repo
from bot.db.repositories import leads
from bot.intake import booking as bookings
from bot.intake.slots import free_slots
from bot.messages import rasa_sender_id
from bot.web.dashboard.auth import Staff, StaffForm, redirect, sessions_of
from bot.web.dashboard.intakes import track_names
from bot.web.dashboard.templating import flash, render

router = APIRouter()
log = structlog.get_logger(__name__)
ATTENDANCE = (LeadStatus.ATTENDED, LeadStatus.NO_SHOW)


class LeadNotFoundError(Exception):
    """No lead with this id (erased, or a mistyped link)."""


async def transcript(request: Request, sender_id: str) -> list[Line] | None:
    """The conversation as Rasa keeps it; None when Rasa cannot be asked right now."""
    try:
        tracker = await request.app.state.rasa.tracker(sender_id)
    except (RasaUnavailableError, ValueError):
        log.warning("dashboard.transcript_unavailable", sender=sender_id)
        return None
    return lines_from_events(tracker.get("events") or [])


def _load(request: Request, lead_id: int) -> dict[str, Any]:
    with sessions_of(request)() as session:
        lead = repo.get_lead(session, lead_id=lead_id)
        if lead is None:
            raise LeadNotFoundError(lead_id)
        active = bookings.active_booking(session, lead=lead)
        return {
            "lead": lead,
            "history": list(lead.status_history),
            "bookings": repo.lead_bookings(session, lead_id=lead_id),
            "active": active,
            "free": [_slot_choice(slot) for slot in free_slots(session, now=utcnow(), limit=30)],
            "conversation": repo.lead_conversation(session, lead=lead),
        }


def _slot_choice(slot: IntakeSlot) -> dict[str, Any]:
    """A free slot as the booking form shows it."""
    return {"id": slot.id, "starts_at": slot.starts_at, "mode": slot.mode,
            "location": slot.location, "staff": slot.staff.name}  # fmt: skip


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
async def lead_page(request: Request, staff: Staff, lead_id: int) -> Response:
    """Everything Tekkie knows about one lead, and what staff can do for them."""
    data = await anyio.to_thread.run_sync(_load, request, lead_id)
    lead: Lead = data["lead"]
    lines = await transcript(request, rasa_sender_id(lead.channel, lead.channel_user_id))
    return render(
        request, "lead.html", staff=staff, transcript=lines,
        track_names=track_names(staff.language), flash=flash(request, staff.language, _DONE),
        **data,
    )  # fmt: skip


_DONE = {"attended", "no_show", "booked", "rescheduled", "cancelled", "slot_taken", "no_booking"}


@router.post("/leads/{lead_id}/attendance")
def mark_attendance(
    request: Request, staff: StaffForm, lead_id: int, status: Annotated[str, Form()]
) -> Response:
    """Mark the lead's intake attended or no-show."""
    if status not in ATTENDANCE:
        return redirect(f"/dashboard/leads/{lead_id}")
    with sessions_of(request).begin() as session:
        lead = leads.find_lead_by_id(session, lead_id=lead_id)
        if lead is None:
            raise LeadNotFoundError(lead_id)
        leads.set_status(lead, LeadStatus(status))
    log.info("dashboard.attendance", lead=lead_id, status=status, by=staff.account_id)
    return redirect(f"/dashboard/leads/{lead_id}?done={status}")


@router.post("/leads/{lead_id}/book")
def book_for_lead(
    request: Request, staff: StaffForm, lead_id: int, slot_id: Annotated[int, Form()]
) -> Response:
    """Book (or move) the lead's intake; the prospect is told on their channel."""
    notices = request.app.state.notices
    with sessions_of(request).begin() as session:
        lead = leads.find_lead_by_id(session, lead_id=lead_id)
        if lead is None:
            raise LeadNotFoundError(lead_id)
        try:
            _, done = bookings.book_or_reschedule(
                session, lead=lead, slot_id=slot_id, notices=notices
            )
        except bookings.BookingError:
            done = "slot_taken"
    log.info("dashboard.booking", lead=lead_id, slot=slot_id, result=done, by=staff.account_id)
    return redirect(f"/dashboard/leads/{lead_id}?done={done}")


@router.post("/leads/{lead_id}/cancel")
def cancel_for_lead(request: Request, staff: StaffForm, lead_id: int) -> Response:
    """Cancel the lead's intake; the prospect is told on their channel."""
    with sessions_of(request).begin() as session:
        lead = leads.find_lead_by_id(session, lead_id=lead_id)
        if lead is None:
            raise LeadNotFoundError(lead_id)
        try:
            bookings.cancel(
                session, lead=lead, notices=request.app.state.notices,
                reason=f"by staff ({staff.name})", notify_prospect=True,
            )  # fmt: skip
            done = "cancelled"
        except bookings.NoActiveBookingError:
            done = "no_booking"
    return redirect(f"/dashboard/leads/{lead_id}?done={done}")
