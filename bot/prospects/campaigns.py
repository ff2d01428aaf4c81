"""Recruitment campaigns: checked creation, Telegram and WhatsApp links, QR codes, the funnel.

A campaign's code travels in a Telegram deep link (`/start <code>`) and in the prefilled
first message of a wa.me link ("... code <code>"); the channel adapters read it back and keep
it on the conversation, and a lead made from that conversation carries it too. The adapters
live in integrations/, which this package does not import: whoever creates a campaign passes
each channel's reader in (see CampaignReader).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import segno
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import Campaign, CampaignKind
from bot.db.repositories import campaigns as repo
from bot.db.repositories.campaigns import STAGES, Funnel
from bot.settings import Settings

__all__ = ["STAGES", "Funnel"]
# What a channel's adapter reads as the campaign from what a campaign link makes it receive:
# Telegram's from the start payload of a t.me link, WhatsApp's from the prefilled first message
# of a wa.me link; None when it reads none. The wiring passes integrations.telegram's
# start_payload_campaign and integrations.whatsapp's first_message_campaign.
CampaignReader = Callable[[str], str | None]
CODE_MIN, CODE_MAX, NAME_MAX = 2, 32, 120
KINDS = tuple(kind.value for kind in CampaignKind)
CHANNELS = ("telegram", "whatsapp")
_CODE_ALPHABET = re.compile(r"[a-z0-9-]*")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# The English wording of each problem (the CLI); the dashboard has its own texts per key.
MESSAGES = {
    "code_required": "a code is required",
    "code_alphabet": "the code may only contain lowercase letters a-z, digits and hyphens",
    "code_length": f"the code must be {CODE_MIN} to {CODE_MAX} characters long",
    "code_edges": "the code must start and end with a letter or a digit",
    "code_channels": "Telegram or WhatsApp would not pass this code on; choose another",
    "code_taken": "a campaign with this code already exists",
    "name_required": "a name is required",
    "name_length": f"the name may be at most {NAME_MAX} characters long",
    "kind_unknown": f"the kind must be one of: {', '.join(KINDS)}",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a new campaign: the form field and a MESSAGES key."""

    field: str
    key: str

    @property
    def message(self) -> str:
        """The problem in English."""
        return MESSAGES[self.key]


class CampaignInvalidError(ValueError):
    """A campaign cannot be created as asked; `problems` says why, per field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


def normalise_code(code: str) -> str:
    """Codes are compared and stored lowercase, without surrounding spaces."""
    return code.strip().lower()


def code_problem(
    code: str, *, read_telegram_start: CampaignReader, read_whatsapp_text: CampaignReader
) -> str | None:
    """The MESSAGES key of what is wrong with a (normalised) code, or None when it is fine."""
    if not code:
        return "code_required"
    if not _CODE_ALPHABET.fullmatch(code):
        return "code_alphabet"
    if not CODE_MIN <= len(code) <= CODE_MAX:
        return "code_length"
    if code.startswith("-") or code.endswith("-"):
        return "code_edges"
    if not channels_read_code(
        code, read_telegram_start=read_telegram_start, read_whatsapp_text=read_whatsapp_text
    ):
        return "code_channels"
    return None


def channels_read_code(
    code: str, *, read_telegram_start: CampaignReader, read_whatsapp_text: CampaignReader
) -> bool:
    """True when both channels' adapters read `code` back from its links (see telegram_link)."""
    opened = read_telegram_start(code)  # the t.me link's start payload is the code itself
    first = read_whatsapp_text(prefilled_text(code))
    return opened == code and first == code


def validate(
    *,
    code: str,
    name: str,
    kind: str,
    read_telegram_start: CampaignReader,
    read_whatsapp_text: CampaignReader,
) -> tuple[str, str, CampaignKind]:
    """The normalised code, name and kind; CampaignInvalidError lists every problem."""
    code, name, kind = normalise_code(code), name.strip(), kind.strip()
    problems = []
    if key := code_problem(
        code, read_telegram_start=read_telegram_start, read_whatsapp_text=read_whatsapp_text
    ):
        problems.append(Problem("code", key))
    if not name:
        problems.append(Problem("name", "name_required"))
    elif len(name) > NAME_MAX:
        problems.append(Problem("name", "name_length"))
    if kind not in KINDS:
        problems.append(Problem("kind", "kind_unknown"))
    if problems:
        raise CampaignInvalidError(problems)
    return code, name, CampaignKind(kind)


def create_campaign(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    read_telegram_start: CampaignReader,
    read_whatsapp_text: CampaignReader,
) -> Campaign:
    """A new campaign, after checking code, name and kind (CampaignInvalidError says why not).

    The readers are the channel adapters' (see CampaignReader): a code they would not read
    back from its links is refused.
    """
    code, name, checked_kind = validate(
        code=code, name=name, kind=kind,
        read_telegram_start=read_telegram_start, read_whatsapp_text=read_whatsapp_text,
    )  # fmt: skip
    taken = CampaignInvalidError([Problem("code", "code_taken")])
    if repo.find_campaign(session, code=code) is not None:
        raise taken
    try:
        return repo.add_campaign(session, code=code, name=name, kind=checked_kind)
    except IntegrityError as error:  # created by someone else at the same moment
        raise taken from error


def prefilled_text(code: str) -> str:
    """The Dutch first message a wa.me link fills in; WhatsApp's adapter reads "code <code>"."""
    return f"Hoi Tekkie! Ik wil graag meer weten over een opleiding in de IT (code {code})"


@dataclass(frozen=True)
class Link:
    """A campaign's link on one channel, or the setting that is needed to make it."""

    channel: str
    url: str | None
    missing_setting: str | None = None


def whatsapp_number(settings: Settings) -> str | None:
    """The school's WhatsApp number (E.164): WHATSAPP_NUMBER, else TWILIO_WHATSAPP_FROM's."""
    number = settings.whatsapp_number
    if number is None and settings.twilio_whatsapp_from:
        number = settings.twilio_whatsapp_from.removeprefix("whatsapp:").strip()
    return number if number and _E164.fullmatch(number) else None


def telegram_link(settings: Settings, code: str) -> Link:
    """https://t.me/<bot>?start=<code>: Telegram then sends "/start <code>"."""
    username = (settings.telegram_bot_username or "").lstrip("@")
    if not username:
        return Link("telegram", None, "TELEGRAM_BOT_USERNAME")
    return Link("telegram", f"https://t.me/{username}?{urlencode({'start': code})}")


def whatsapp_link(settings: Settings, code: str) -> Link:
    """https://wa.me/<digits>?text=...: WhatsApp opens with the first message filled in."""
    number = whatsapp_number(settings)
    if number is None:
        return Link("whatsapp", None, "WHATSAPP_NUMBER")
    text = quote(prefilled_text(code), safe="")
    return Link("whatsapp", f"https://wa.me/{number.removeprefix('+')}?text={text}")


def campaign_links(settings: Settings, code: str) -> dict[str, Link]:
    """The campaign's link per channel (telegram, whatsapp)."""
    return {"telegram": telegram_link(settings, code), "whatsapp": whatsapp_link(settings, code)}


def _qr(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """A QR code of `url` as PNG (large enough for print)."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(url: str, *, scale: int = 10) -> bytes:
    """A QR code of `url` as SVG."""
    out = io.BytesIO()
    _qr(url).save(out, kind="svg", scale=scale, border=4, title=url)
    return out.getvalue()


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as an SVG data: URI, to show on a page."""
    return str(_qr(url).svg_data_uri(scale=5, border=4))


@dataclass(frozen=True)
class Overview:
    """A campaign with its funnel."""

    campaign: Campaign
    funnel: Funnel = field(default_factory=Funnel)


def overview(session: Session) -> list[Overview]:
    """Every campaign (newest first) with its funnel."""
    campaigns = repo.list_campaigns(session)
    found = repo.funnels(session, codes=[c.code for c in campaigns])
    return [Overview(c, found.get(c.code, Funnel())) for c in campaigns]


def funnel_of(session: Session, *, campaign: Campaign) -> Funnel:
    """One campaign's funnel."""
    return repo.funnels(session, codes=[campaign.code]).get(campaign.code, Funnel())
