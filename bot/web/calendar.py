"""Calendar files for booked intakes, behind an unguessable link."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select

from bot.db.models import Booking
from integrations.calendar import booking_ics

router = APIRouter()


@router.get("/calendar/{token}.ics", include_in_schema=False)
async def booking_calendar(token: str, request: Request) -> Response:
    """The .ics file of one booking (404 for unknown or no longer active bookings)."""

    def build() -> bytes | None:
        with request.app.state.sessions() as session:
            booking = session.scalars(
                select(Booking).where(Booking.calendar_token == token)
            ).first()
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
