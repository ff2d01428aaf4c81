"""Dashboard start page (today's and this week's intakes), the lead list and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from bot.db.models import LeadStatus
from bot.db.repositories import dashboard as repo
from bot.db.repositories import staff_members
from bot.guidance.content import content
from bot.settings import SCHOOL_TZ
from bot.web.dashboard.auth import Staff, sessions_of
from bot.web.dashboard.templating import local_time, render

router = APIRouter()
CSV_COLUMNS = (
    "id", "display_name", "phone_e164", "email", "channel", "channel_user_id", "language",
    "campaign", "status", "track", "runner_up", "support_needs", "consent_at",
    "consent_version", "created_at", "last_activity_at",
)  # fmt: skip


def _optional_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None  # a mistyped date does not filter (the form shows it empty again)


def lead_filters(
    *,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    track: Annotated[str, Query(max_length=40)] = "",
    channel: Annotated[str, Query(max_length=16)] = "",
    campaign: Annotated[str, Query(max_length=64)] = "",
    language: Annotated[str, Query(max_length=2)] = "",
    created_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    created_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> repo.LeadFilters:
    """The lead list's filters from the query string."""
    return repo.LeadFilters(
        q=q, status=status, track=track, channel=channel, campaign=campaign, language=language,
        created_from=_optional_date(created_from), created_to=_optional_date(created_to),
    )  # fmt: skip


Filters = Annotated[repo.LeadFilters, Depends(lead_filters)]


@router.get("", response_class=HTMLResponse)
def start_page(request: Request, staff: Staff, mine: Annotated[bool, Query()] = False) -> Response:
    """Today's and this week's intakes (all staff, or only mine)."""
    today = datetime.now(SCHOOL_TZ).date()
    start_today = repo.local_day_start(today)
    week_end = repo.local_day_start(today + timedelta(days=7))
    staff_id = staff.staff_member_id if mine else None
    with sessions_of(request)() as session:
        intakes = repo.intakes_between(
            session, start=start_today, end=week_end, staff_member_id=staff_id
        )
        member = (
            None
            if staff.staff_member_id is None
            else staff_members.find_staff_member(session, staff_id=staff.staff_member_id)
        )
        base_url = request.app.state.settings.base_url
        feed = f"{base_url}/calendar/staff/{member.calendar_token}.ics" if member else None
    tomorrow = repo.local_day_start(today + timedelta(days=1))
    return render(
        request, "intakes.html", staff=staff, mine=mine,
        today=[i for i in intakes if i.slot.starts_at < tomorrow],
        week=[i for i in intakes if i.slot.starts_at >= tomorrow],
        track_names=track_names(staff.language), feed=feed,
    )  # fmt: skip


def track_names(language: str) -> dict[str, str]:
    """Track id -> its name in the staff member's language."""
    return {t.id: t.name.get(language) for t in content().tracks.tracks}


@router.get("/leads", response_class=HTMLResponse)
def leads_page(request: Request, staff: Staff, filters: Filters) -> Response:
    """Leads with search and filters."""
    with sessions_of(request)() as session:
        leads = repo.search_leads(session, filters=filters)
        choices = repo.filter_choices(session)
    return render(
        request, "leads.html", staff=staff, leads=leads, filters=filters, choices=choices,
        statuses=[s.value for s in LeadStatus], track_names=track_names(staff.language),
        query=request.url.query,
    )  # fmt: skip


@router.get("/leads.csv")
def leads_csv(request: Request, staff: Staff, filters: Filters) -> Response:
    """The filtered leads as CSV (UTF-8 with BOM, so Excel shows accents right)."""
    with sessions_of(request)() as session:
        leads = repo.search_leads(session, filters=filters, limit=None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for lead in leads:
        result = lead.assessment_result or {}
        row = {
            **{column: getattr(lead, column, None) for column in CSV_COLUMNS},
            "track": result.get("track"), "runner_up": result.get("runner_up"),
            "support_needs": ", ".join(lead.support_needs or []),
            "consent_at": local_time(lead.consent_at), "created_at": local_time(lead.created_at),
            "last_activity_at": local_time(lead.last_activity_at),
        }  # fmt: skip
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    stamp = datetime.now(SCHOOL_TZ).strftime("%Y%m%d-%H%M")
    return Response(
        "\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tekkie-leads-{stamp}.csv"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
