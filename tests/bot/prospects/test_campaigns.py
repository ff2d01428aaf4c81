"""Campaigns: checked codes, links the real channel adapters read back, QR codes, the funnel."""

from __future__ import annotations

import random
import re
import string
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Update

from bot.db.models import (
    Campaign,
    Conversation,
    IntakeSlot,
    Lead,
    LeadStatus,
    StaffMember,
    utcnow,
)
from bot.db.repositories.leads import create_lead, save_assessment, set_status
from bot.intake import booking as bookings
from bot.prospects import campaigns
from bot.prospects.campaigns import CampaignInvalidError, Funnel, Link
from bot.settings import Settings
from integrations import telegram, whatsapp
from tests.support.fakes import telegram_text, twilio_message
from tests.support.notices import NOTICES
from tests.support.qr_decode import PNG_SIGNATURE, read_png, read_svg

BOT = Bot("123456:TEST-token")
CODES = ["buurthuis-west", "ab", "42", "zomer-2026", "a--b", "x" * 32, "0-influencer-9"]


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


CONFIGURED = settings(telegram_bot_username="TekkieSchoolBot", whatsapp_number="+31201234567")
# The real adapters' readers, as bot/web/dashboard/campaigns.py and bot/cli/campaigns.py pass them.
READERS = {
    "read_telegram_start": telegram.start_payload_campaign,
    "read_whatsapp_text": whatsapp.first_message_campaign,
}


def problems(**fields: str) -> list[tuple[str, str]]:
    values = {"code": "buurthuis-west", "name": "Buurthuis West", "kind": "local", **fields}
    with pytest.raises(CampaignInvalidError) as caught:
        campaigns.validate(**values, **READERS)
    return [(problem.field, problem.key) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("", "code_required"),
        ("   ", "code_required"),
        ("zomer 2026", "code_alphabet"),
        ("zomer_2026", "code_alphabet"),
        ("café", "code_alphabet"),
        ("<script>", "code_alphabet"),
        ("a", "code_length"),
        ("x" * 33, "code_length"),
        ("-west", "code_edges"),
        ("west-", "code_edges"),
    ],
)
def test_a_code_the_links_cannot_carry_is_refused_with_the_reason(code: str, key: str) -> None:
    assert problems(code=code) == [("code", key)]


def test_every_problem_is_reported_at_once_in_english() -> None:
    with pytest.raises(CampaignInvalidError) as caught:
        campaigns.validate(code="a b", name="  ", kind="billboard", **READERS)
    assert [(p.field, p.key) for p in caught.value.problems] == [
        ("code", "code_alphabet"), ("name", "name_required"), ("kind", "kind_unknown"),
    ]  # fmt: skip
    assert str(caught.value) == (
        "the code may only contain lowercase letters a-z, digits and hyphens; "
        "a name is required; the kind must be one of: influencer, local, event, online_ad"
    )
    assert problems(name="x" * 121) == [("name", "name_length")]


def test_codes_are_trimmed_and_lowercased_and_every_kind_is_accepted() -> None:
    for kind in ("influencer", "local", "event", "online_ad"):
        code, name, checked = campaigns.validate(
            code=" Zomer-2026 ", name=" Zomer ", kind=kind, **READERS
        )
        assert (code, name, checked.value) == ("zomer-2026", "Zomer", kind)


def test_the_guard_runs_the_real_adapters() -> None:
    assert campaigns.channels_read_code("buurthuis-west", **READERS)
    assert not campaigns.channels_read_code("west-", **READERS)  # WhatsApp would read "west"
    assert not campaigns.channels_read_code("a b", **READERS)  # Telegram would read nothing


def test_the_guard_asks_each_channel_about_what_its_link_sends() -> None:
    heard: list[tuple[str, str]] = []

    def reader(channel: str, reads: str | None) -> campaigns.CampaignReader:
        def read(sent: str) -> str | None:
            heard.append((channel, sent))
            return reads

        return read

    assert campaigns.channels_read_code(
        "zomer", read_telegram_start=reader("telegram", "zomer"),
        read_whatsapp_text=reader("whatsapp", "zomer"),
    )  # fmt: skip
    assert heard == [("telegram", "zomer"), ("whatsapp", campaigns.prefilled_text("zomer"))]
    for telegram_reads, whatsapp_reads in (("zomer", None), (None, "zomer"), ("zomer", "zom")):
        with pytest.raises(CampaignInvalidError) as caught:
            campaigns.validate(
                code="zomer", name="Zomer", kind="event",
                read_telegram_start=reader("telegram", telegram_reads),
                read_whatsapp_text=reader("whatsapp", whatsapp_reads),
            )  # fmt: skip
        assert [(p.field, p.key) for p in caught.value.problems] == [("code", "code_channels")]


def test_a_code_a_changed_adapter_would_drop_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    shorter = re.compile(r"(?i)\b(?:code|campagne|campaign)\s*[:#]?\s*([A-Za-z0-9_-]{2,8})\b")
    monkeypatch.setattr(whatsapp, "_CAMPAIGN", shorter)
    assert problems(code="buurthuis-west") == [("code", "code_channels")]
    assert problems(code="west", name="") == [("name", "name_required")]


def opened_on_telegram(url: str) -> str | None:
    """What Tekkie reads when a prospect follows a t.me deep link (Telegram sends /start)."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", "/TekkieSchoolBot")
    (start,) = parse_qs(parts.query)["start"]
    update = Update.de_json(telegram_text(1, 4711, f"/start {start}"), BOT)
    message = telegram.parse_update(update)
    assert message is not None
    assert message.command == "/greet"
    return message.campaign


def sent_on_whatsapp(url: str) -> tuple[str, str | None]:
    """The prefilled first message of a wa.me link as sent, and the campaign Tekkie reads in it."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/31201234567")
    (text,) = parse_qs(parts.query)["text"]
    message = whatsapp.parse_message(twilio_message("SM" + "1" * 32, "+31612345678", text))
    assert message is not None
    # Rasa hears the sentence without the code: "(code buurthuis-west)" is not a question
    assert message.text == text.rsplit(" (code ", 1)[0]
    return text, message.campaign


@pytest.mark.parametrize("code", CODES)
def test_the_links_bring_the_code_back_through_the_real_channel_adapters(code: str) -> None:
    campaigns.validate(code=code, name="x", kind="event", **READERS)
    links = campaigns.campaign_links(CONFIGURED, code)
    assert opened_on_telegram(str(links["telegram"].url)) == code
    text, read = sent_on_whatsapp(str(links["whatsapp"].url))
    assert read == code
    assert text.startswith("Hoi Tekkie!")
    assert f"code {code}" in text


def test_any_valid_code_survives_both_channels() -> None:
    rng = random.Random(2026)
    for _ in range(200):
        code = rng.choice(string.ascii_lowercase + string.digits)
        code += "".join(
            rng.choices(string.ascii_lowercase + string.digits + "-", k=rng.randint(0, 30))
        )
        code += rng.choice(string.ascii_lowercase + string.digits)
        links = campaigns.campaign_links(CONFIGURED, code)
        assert opened_on_telegram(str(links["telegram"].url)) == code
        assert sent_on_whatsapp(str(links["whatsapp"].url))[1] == code


def test_missing_settings_are_named_instead_of_a_broken_link() -> None:
    links = campaigns.campaign_links(settings(), "buurthuis-west")
    assert links == {
        "telegram": Link("telegram", None, "TELEGRAM_BOT_USERNAME"),
        "whatsapp": Link("whatsapp", None, "WHATSAPP_NUMBER"),
    }


def test_the_whatsapp_number_falls_back_to_the_twilio_sender_and_at_signs_are_dropped() -> None:
    fallback = settings(telegram_bot_username="@TekkieSchoolBot",
                        twilio_whatsapp_from="whatsapp:+31201234567")  # fmt: skip
    links = campaigns.campaign_links(fallback, "ab")
    assert str(links["telegram"].url) == "https://t.me/TekkieSchoolBot?start=ab"
    assert str(links["whatsapp"].url).startswith("https://wa.me/31201234567?text=Hoi%20Tekkie")
    own = settings(whatsapp_number="+3197000000001", twilio_whatsapp_from="whatsapp:+14155238886")
    assert campaigns.whatsapp_number(own) == "+3197000000001"


@pytest.mark.parametrize(
    "values",
    [{"whatsapp_number": "0612345678"}, {"whatsapp_number": "+31 20 123"},
     {"telegram_bot_username": "t.me/TekkieBot"}, {"telegram_bot_username": "ab"}],
)  # fmt: skip
def test_settings_refuse_a_malformed_number_or_username(values: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        settings(**values)


def test_qr_codes_decode_to_the_link() -> None:
    for link in campaigns.campaign_links(CONFIGURED, "buurthuis-west").values():
        url = str(link.url)
        png = campaigns.qr_png(url)
        assert png.startswith(PNG_SIGNATURE)
        assert read_png(png) == url
        svg = campaigns.qr_svg(url)
        assert svg.startswith(b"<?xml")
        assert read_svg(svg) == url
        assert campaigns.qr_data_uri(url).startswith("data:image/svg+xml")


# The funnel, on SQLite and PostgreSQL ----------------------------------------------------------


def add_conversations(session: Session, *codes: str | None) -> None:
    for index, code in enumerate(codes):
        session.add(Conversation(channel="telegram", channel_user_id=f"c{index}", campaign=code))


def test_create_refuses_a_taken_code(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        made = campaigns.create_campaign(
            session, code="Buurt-West", name="Buurt", kind="local", **READERS
        )
        assert (made.code, made.name, made.kind) == ("buurt-west", "Buurt", "local")
    with sessions.begin() as session, pytest.raises(CampaignInvalidError) as caught:
        campaigns.create_campaign(
            session, code="buurt-west ", name="Again", kind="event", **READERS
        )
    assert [p.key for p in caught.value.problems] == ["code_taken"]
    with sessions() as session:
        assert session.query(Campaign).count() == 1


def test_the_funnel_counts_each_stage_per_campaign(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for code, kind in (("buurt-west", "local"), ("zomer", "event"), ("stil", "online_ad")):
            campaigns.create_campaign(session, code=code, name=code.title(), kind=kind, **READERS)
        # A WhatsApp prospect may type the code in capitals; another code, and no code at all.
        add_conversations(session, "buurt-west", "buurt-west", "BUURT-WEST", "buurt-west",
                          "zomer", "ad-123", None)  # fmt: skip
        staff = StaffMember(name="Noor")
        session.add(staff)
        session.flush()
        slots = []
        for hours in (24, 25, 26):
            start = utcnow().replace(microsecond=0) + timedelta(hours=hours)
            slot = IntakeSlot(staff_id=staff.id, starts_at=start, mode="online", capacity=1,
                              ends_at=start + timedelta(minutes=30))  # fmt: skip
            session.add(slot)
            slots.append(slot)
        session.flush()

        def lead(name: str, code: str | None) -> Lead:
            return create_lead(session, channel="telegram", channel_user_id=name,
                               consent_version="v1", campaign=code)  # fmt: skip

        came = lead("came", "buurt-west")  # assessed, booked, attended
        save_assessment(came, answers={"q1": "a"}, result={"track": "data_analyst"})
        bookings.book(session, lead=came, slot_id=slots[0].id, notices=NOTICES)
        set_status(came, LeadStatus.ATTENDED)
        cancelled = lead("cancelled", "buurt-west")  # booked, then cancelled: still "booked"
        cancelled.assessment_result = None  # stored as a JSON null, not SQL NULL
        bookings.book(session, lead=cancelled, slot_id=slots[1].id, notices=NOTICES)
        bookings.cancel(session, lead=cancelled, notices=NOTICES)
        lead("only-consent", "BUURT-WEST")
        summer = lead("summer", "zomer")  # attended without a booking in Tekkie (walk-in)
        set_status(summer, LeadStatus.ATTENDED)
        lead("no-campaign", None)
    with sessions() as session:
        rows = {row.campaign.code: row.funnel for row in campaigns.overview(session)}
    assert rows == {
        "buurt-west": Funnel(started=4, consented=3, assessed=1, booked=2, attended=1),
        "zomer": Funnel(started=1, consented=1, assessed=0, booked=0, attended=1),
        "stil": Funnel(),
    }
    funnel = rows["buurt-west"]
    assert [funnel.percent(s) for s in campaigns.STAGES] == [100, 75, 25, 50, 25]
    assert rows["stil"].percent("attended") is None
