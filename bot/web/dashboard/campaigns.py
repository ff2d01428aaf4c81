"""Campaign pages: the funnel per campaign (table and chart), new campaigns, links and QR codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.db.models import Campaign
from bot.db.repositories import campaigns as repo
from bot.prospects import campaigns
from bot.web.dashboard.auth import Staff, StaffForm, redirect, sessions_of
from bot.web.dashboard.templating import render
from integrations import telegram, whatsapp

router = APIRouter()
log = structlog.get_logger(__name__)
QR_FORMATS = {"png": ("image/png", campaigns.qr_png), "svg": ("image/svg+xml", campaigns.qr_svg)}
# Bar colours per funnel stage, light to dark (the legend uses them too).
COLOURS = dict(zip(campaigns.STAGES, ("#c7d2fe", "#a5b4fc", "#818cf8", "#4f46e5", "#312e81"),
                   strict=True))  # fmt: skip
# Placeholders of the error texts (texts.yml: campaign_error_...).
LIMITS = {"code_min": campaigns.CODE_MIN, "code_max": campaigns.CODE_MAX,
          "name_max": campaigns.NAME_MAX}  # fmt: skip


class CampaignNotFoundError(Exception):
    """No campaign with this id (a mistyped or old link)."""


@dataclass(frozen=True)
class Bar:
    """One bar of the funnel chart, in SVG user units."""

    stage: str
    value: int
    y: int
    width: int


@dataclass(frozen=True)
class Group:
    """One campaign in the chart: its label and a bar per stage."""

    label: str
    y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw the funnel chart as inline SVG."""

    width: int
    height: int
    bar_height: int
    groups: list[Group]


def funnel_chart(rows: list[campaigns.Overview], *, width: int = 640) -> Chart:
    """Horizontal bars per campaign and stage, scaled to the largest number (server-rendered)."""
    label, bar, gap, space, room = 18, 9, 2, 12, width - 60  # room leaves space for the numbers
    largest = max((row.funnel.count(s) for row in rows for s in campaigns.STAGES), default=0)
    groups, y = [], 0
    for row in rows:
        bars = []
        for index, stage in enumerate(campaigns.STAGES):
            value = row.funnel.count(stage)
            length = round(room * value / largest) if largest else 0
            bars.append(Bar(stage, value, y + label + index * (bar + gap), max(length, 1)))
        groups.append(Group(f"{row.campaign.name} ({row.campaign.code})", y, bars))
        y += label + len(campaigns.STAGES) * (bar + gap) + space
    return Chart(width=width, height=max(y, 1), bar_height=bar, groups=groups)


def _list_page(request: Request, staff: Staff, *, status: int = 200, **context: Any) -> Response:
    with sessions_of(request)() as session:
        rows = campaigns.overview(session)
    return render(
        request, "campaigns.html", staff=staff, rows=rows, chart=funnel_chart(rows),
        stages=campaigns.STAGES, kinds=campaigns.KINDS, colours=COLOURS, limits=LIMITS,
        status_code=status, **{"form": {}, "problems": [], **context},
    )  # fmt: skip


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, staff: Staff) -> Response:
    """Every campaign with its funnel (table and chart), and the form for a new one."""
    return _list_page(request, staff)


@router.post("/campaigns")
def create_campaign(
    request: Request,
    staff: StaffForm,
    *,
    code: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=500)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Create a campaign and show its links; what is wrong is shown on the form (400)."""
    try:
        with sessions_of(request).begin() as session:
            campaign = campaigns.create_campaign(
                session, code=code, name=name, kind=kind,
                read_telegram_start=telegram.start_payload_campaign,
                read_whatsapp_text=whatsapp.first_message_campaign,
            )  # fmt: skip
    except campaigns.CampaignInvalidError as error:
        form = {"code": code, "name": name, "kind": kind}
        return _list_page(request, staff, status=400, form=form, problems=error.problems)
    log.info("dashboard.campaign_created", code=campaign.code, by=staff.account_id)
    return redirect(f"/dashboard/campaigns/{campaign.id}?done=created")


def _campaign(request: Request, campaign_id: int) -> Campaign:
    with sessions_of(request)() as session:
        campaign = repo.get_campaign(session, campaign_id=campaign_id)
    if campaign is None:
        raise CampaignNotFoundError(campaign_id)
    return campaign


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, staff: Staff, campaign_id: int) -> Response:
    """One campaign: its funnel, copyable links, QR codes and a link to its leads."""
    with sessions_of(request)() as session:
        campaign = repo.get_campaign(session, campaign_id=campaign_id)
        if campaign is None:
            raise CampaignNotFoundError(campaign_id)
        funnel = campaigns.funnel_of(session, campaign=campaign)
    links = campaigns.campaign_links(request.app.state.settings, campaign.code)
    qr = {channel: campaigns.qr_data_uri(link.url) for channel, link in links.items() if link.url}
    return render(
        request, "campaign.html", staff=staff, campaign=campaign, funnel=funnel, links=links,
        qr=qr, prefilled=campaigns.prefilled_text(campaign.code), stages=campaigns.STAGES,
        kinds=campaigns.KINDS, created=request.query_params.get("done") == "created",
    )  # fmt: skip


@router.get("/campaigns/{campaign_id}/qr/{channel}.{fmt}")
def campaign_qr(
    request: Request, staff: Staff, campaign_id: int, channel: str, fmt: str
) -> Response:
    """The QR code of a campaign's Telegram or WhatsApp link, as PNG or SVG (a download)."""
    campaign = _campaign(request, campaign_id)
    if channel not in campaigns.CHANNELS or fmt not in QR_FORMATS:
        raise CampaignNotFoundError(campaign_id)
    link = campaigns.campaign_links(request.app.state.settings, campaign.code)[channel]
    if link.url is None:
        return render(request, "error.html", staff=staff, status_code=404,
                      title="not_found_title", message="campaign_qr_unavailable")  # fmt: skip
    media_type, make = QR_FORMATS[fmt]
    filename = f"tekkie-{campaign.code}-{channel}.{fmt}"
    return Response(
        make(link.url), media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )  # fmt: skip
