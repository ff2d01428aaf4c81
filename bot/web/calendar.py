"""Calendar files for booked intakes, behind an unguessable link."""

from __future__ import annotations

from datetime import timedelta

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bot.db.models import Booking, utcnow
from bot.db.repositories import bookings, leads, staff_members
from bot.intake.booking import lead_fields
from bot.intake.ics import CalendarEvent, booking_ics, calendar_ics
from bot.intake.notices import staff_text

router = APIRouter()


@router.get("/calendar/{token}.ics", include_in_schema=False)
async def booking_calendar(token: str, request: Request) -> Response:
    """The .ics file of one booking (404 for unknown or no longer active bookings)."""

    def build() -> bytes | None:
        with request.app.state.sessions() as session:
            booking = bookings.find_booking_by_calendar_token(session, token=token)
            if booking is None or booking.status != "active":
                return None
            slot = booking.slot
            where = "Online (videobellen)" if slot.mode == "online" else slot.location
            return booking_ics(
                uid=f"tekkie-booking-{booking.id}@tekkie",
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                summary="Intake IT-opleiding / IT training intake",
                description="Je intake-gesprek met de school. / Your intake with the school.",
                location=where,
            )

    body = await anyio.to_thread.run_sync(build)
    if body is None:
        raise HTTPException(status_code=404, detail="Deze agenda-link werkt niet (meer).")
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.get("/calendar/staff/{token}.ics", include_in_schema=False)
async def staff_calendar(token: str, request: Request) -> Response:
    """A staff member's intakes (from 30 days ago) with the lead summary, for subscribing."""

    def build() -> bytes | None:
        with request.app.state.sessions() as session:
            staff = staff_members.find_staff_member_by_calendar_token(session, token=token)
            if staff is None:
                return None
            intakes = bookings.active_bookings_of_staff(
                session, staff_id=staff.id, since=utcnow() - timedelta(days=30)
            )
            events = [_staff_event(session, booking) for booking in intakes]
            return calendar_ics(events, name=f"Tekkie intakes: {staff.name}")

    body = await anyio.to_thread.run_sync(build)
    if body is None:
        raise HTTPException(status_code=404, detail="Unknown calendar link.")
    return Response(body, media_type="text/calendar; charset=utf-8")


def _staff_event(session: Session, booking: Booking) -> CalendarEvent:
    slot = booking.slot
    lead = leads.get_lead(session, lead_id=booking.lead_id)
    summary = staff_text(
        "staff_booked", lead=lead_fields(lead), starts_at=slot.starts_at, mode=slot.mode,
        location=slot.location, staff_name=slot.staff.name, dashboard_url=None,
    )  # fmt: skip
    return CalendarEvent(
        uid=f"tekkie-booking-{booking.id}@tekkie",
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        summary=f"Intake: {lead.display_name or 'aanmelder'}",
        description="\n".join(summary.splitlines()[2:]),  # without the header line
        location="Online" if slot.mode == "online" else slot.location,
    )
