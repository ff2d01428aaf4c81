"""`tekkie campaigns ...`: recruitment campaigns, their links and funnel numbers."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.slots import database_session, fail
from bot.prospects import campaigns
from bot.settings import SCHOOL_TZ, get_settings
from integrations import telegram, whatsapp

app = typer.Typer(
    help="Recruitment campaigns: links, QR codes and the funnel.", no_args_is_help=True
)


def _link_lines(code: str) -> list[str]:
    lines = []
    for link in campaigns.campaign_links(get_settings(), code).values():
        shown = link.url or f"(set {link.missing_setting} to make this link)"
        lines.append(f"  {link.channel + ':':<10}{shown}")
    return lines


def _funnel_line(funnel: campaigns.Funnel) -> str:
    parts = []
    for stage in campaigns.STAGES:
        percent = funnel.percent(stage)
        share = f" ({percent}%)" if percent is not None and stage != "started" else ""
        parts.append(f"{stage} {funnel.count(stage)}{share}")
    return "  funnel:   " + " → ".join(parts)


@app.command("create")
def create(
    code: Annotated[str, typer.Option(help="2-32 lowercase letters, digits and hyphens.")],
    name: Annotated[str, typer.Option(help="Name shown to staff.")],
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(campaigns.KINDS)}.")],
) -> None:
    """Create a campaign and print its Telegram and WhatsApp links."""
    with database_session() as session:
        try:
            campaign = campaigns.create_campaign(
                session, code=code, name=name, kind=kind,
                read_telegram_start=telegram.start_payload_campaign,
                read_whatsapp_text=whatsapp.first_message_campaign,
            )  # fmt: skip
        except campaigns.CampaignInvalidError as error:
            fail("\n".join(f"{p.field}: {p.message}" for p in error.problems))
        typer.echo(f"Campaign {campaign.id} created: {campaign.code} ({campaign.name}, "
                   f"{campaign.kind}).")  # fmt: skip
        for line in _link_lines(campaign.code):
            typer.echo(line)


@app.command("list")
def list_campaigns() -> None:
    """Every campaign (newest first) with its links and funnel numbers."""
    with database_session() as session:
        rows = campaigns.overview(session)
    if not rows:
        typer.echo("No campaigns yet (tekkie campaigns create --code ... --name ... --kind ...).")
    for row in rows:
        campaign = row.campaign
        typer.echo(f"{campaign.id:>4}  {campaign.code}  {campaign.name} ({campaign.kind}), "
                   f"created {campaign.created_at.astimezone(SCHOOL_TZ):%Y-%m-%d}")  # fmt: skip
        for line in [*_link_lines(campaign.code), _funnel_line(row.funnel)]:
            typer.echo(line)
