"""Admin page: weekly availability, days off, and making slots from them."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.db.repositories import availability as repo
from bot.db.repositories import staff_members
from bot.intake import availability as domain
from bot.intake.slots import generate_slots
from bot.settings import SCHOOL_TZ
from bot.web.dashboard.auth import Admin, AdminForm, redirect, sessions_of
from bot.web.dashboard.templating import flash, render

router = APIRouter()
MAX_GENERATE_DAYS = 90
_DONE = {"window_added", "window_deleted", "days_off_added", "days_off_deleted", "generated"}


def _count(request: Request) -> int:
    """How many slots the last "make slots" made (shown in its message)."""
    created = request.query_params.get("created", "")
    return int(created) if created.isdigit() else 0


def _today() -> date:
    return datetime.now(SCHOOL_TZ).date()


def _page(request: Request, admin: Admin, *, status: int = 200, **context: Any) -> Response:
    with sessions_of(request)() as session:
        members = staff_members.list_staff_members(session)
        windows = domain.weekly_windows(session)
        days_off = domain.days_off(session, since=_today())
    names = {m.id: m.name for m in members}
    return render(
        request, "availability.html", staff=admin, members=members, names=names,
        windows=windows, days_off=days_off, status_code=status,
        flash=flash(request, admin.language, _DONE, count=_count(request)),
        **context,
    )  # fmt: skip


@router.get("/availability", response_class=HTMLResponse)
def availability_page(request: Request, admin: Admin) -> Response:
    """Weekly windows and days off of every staff member."""
    return _page(request, admin)


def _time(value: str) -> time | None:
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        return None


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@router.post("/availability/windows")
def add_window(
    request: Request,
    admin: AdminForm,
    *,
    staff_id: Annotated[int, Form()],
    weekday: Annotated[int, Form()],
    start: Annotated[str, Form(max_length=8)],
    end: Annotated[str, Form(max_length=8)],
    slot_minutes: Annotated[int, Form()] = 30,
    mode: Annotated[str, Form()] = "online",
    location: Annotated[str, Form(max_length=200)] = "",
    capacity: Annotated[int, Form()] = 1,
) -> Response:
    """Add a weekly window (Amsterdam time)."""
    starts, ends = _time(start), _time(end)
    if starts is None or ends is None:
        return _page(request, admin, status=400, error="av_bad_time")
    try:
        with sessions_of(request).begin() as session:
            domain.add_availability(
                session, staff_id=staff_id, weekday=weekday, starts=starts, ends=ends,
                slot_minutes=slot_minutes, mode=mode, location=location, capacity=capacity,
            )  # fmt: skip
    except domain.AvailabilityError as error:
        return _page(request, admin, status=400, error=f"av_{error.key}")
    return redirect("/dashboard/availability?done=window_added")


@router.post("/availability/windows/{window_id}/delete")
def delete_window(request: Request, admin: AdminForm, window_id: int) -> Response:
    """Remove a weekly window (slots made from it earlier stay)."""
    with sessions_of(request).begin() as session:
        repo.delete_window(session, window_id=window_id)
    return redirect("/dashboard/availability?done=window_deleted")


@router.post("/availability/days-off")
def add_days_off(
    request: Request,
    admin: AdminForm,
    *,
    first_day: Annotated[str, Form(max_length=10)],
    last_day: Annotated[str, Form(max_length=10)],
    staff_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add days without intakes, for everybody or one staff member."""
    first, last = _day(first_day), _day(last_day)
    if first is None or last is None:
        return _page(request, admin, status=400, error="av_bad_day")
    try:
        with sessions_of(request).begin() as session:
            domain.add_days_off(
                session, first_day=first, last_day=last, reason=reason,
                staff_id=int(staff_id) if staff_id.isdigit() else None,
            )  # fmt: skip
    except domain.AvailabilityError as error:
        return _page(request, admin, status=400, error=f"av_{error.key}")
    return redirect("/dashboard/availability?done=days_off_added")


@router.post("/availability/days-off/{exception_id}/delete")
def delete_days_off(request: Request, admin: AdminForm, exception_id: int) -> Response:
    """Remove days off again."""
    with sessions_of(request).begin() as session:
        repo.delete_days_off(session, exception_id=exception_id)
    return redirect("/dashboard/availability?done=days_off_deleted")


@router.post("/availability/generate")
def generate(request: Request, admin: AdminForm, days: Annotated[int, Form()] = 14) -> Response:
    """Make the slots of the coming days from the weekly windows (existing slots stay)."""
    days = max(1, min(days, MAX_GENERATE_DAYS))
    with sessions_of(request).begin() as session:
        created = generate_slots(session, first_day=_today(), days=days)
    return redirect(f"/dashboard/availability?done=generated&created={len(created)}")
