"""Campaign pages: funnel table and chart, new campaigns, links, QR downloads, log-in and CSRF."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.db.models import Campaign, Conversation, Lead, LeadStatus
from bot.db.repositories.leads import set_status
from bot.settings import Settings
from bot.web.app import create_app
from tests.bot.prospects.test_campaigns import opened_on_telegram, sent_on_whatsapp
from tests.bot.web.dashboard.conftest import add_account, booked_lead, csrf_of, log_in
from tests.support.qr_decode import PNG_SIGNATURE, read_png, read_svg
from tests.support.stack import free_port

PAGES = [
    "/dashboard/campaigns",
    "/dashboard/campaigns/{id}",
    "/dashboard/campaigns/{id}/qr/telegram.png",
    "/dashboard/campaigns/{id}/qr/whatsapp.svg",
]


@pytest.fixture
def linked_client(make_settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A logged-in staff member; the bot's username and WhatsApp number are configured."""
    settings: Settings = make_settings(
        rasa_port=free_port(), outbox_worker_interval=0,
        telegram_bot_username="TekkieSchoolBot", whatsapp_number="+31201234567",
    )  # fmt: skip
    with TestClient(create_app(settings), follow_redirects=False) as client:
        add_account(client, "sanne@school.nl")
        log_in(client, "sanne@school.nl")
        yield client


def add_campaign(client: TestClient, code: str = "buurt-west", name: str = "Buurthuis West",
                 kind: str = "local") -> int:  # fmt: skip
    with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        campaign = Campaign(code=code, name=name, kind=kind)
        session.add(campaign)
        session.flush()
        return campaign.id


def stored_codes(client: TestClient) -> list[str]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return [c.code for c in session.query(Campaign).order_by(Campaign.id)]


def create(client: TestClient, **fields: str) -> httpx.Response:
    page = client.get("/dashboard/campaigns")
    return client.post("/dashboard/campaigns", data={"csrf_token": csrf_of(page.text), **fields})


def link_on(page: str, channel: str) -> str:
    found = re.search(rf'id="url-{channel}" value="([^"]+)"', page)
    assert found, f"no {channel} link on the page"
    return html.unescape(found.group(1))


def cells(page: str, name: str) -> list[str]:
    """The text of each cell in the table row of campaign `name`."""
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL) if f">{name}<" in r)
    texts = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]
    return [" ".join(text.split()) for text in texts]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client: TestClient, page: str) -> None:
    campaign = add_campaign(client)
    response = client.get(page.format(id=campaign))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/login?next=")
    assert "buurt-west" not in response.text


def test_a_form_without_a_session_creates_nothing(client: TestClient) -> None:
    fields = {"code": "zomer", "name": "Zomer", "kind": "event", "csrf_token": "x"}
    response = client.post("/dashboard/campaigns", data=fields)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/login")
    assert stored_codes(client) == []


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_without_the_right_csrf_token_is_refused(
    staff_client: TestClient, token: str | None
) -> None:
    data = {"code": "zomer", "name": "Zomer", "kind": "event"}
    if token is not None:
        data["csrf_token"] = token
    response = staff_client.post("/dashboard/campaigns", data=data)
    assert response.status_code == 403
    assert stored_codes(staff_client) == []


def test_create_a_campaign_and_get_links_that_the_channels_read_back(
    linked_client: TestClient,
) -> None:
    assert "Nog geen campagnes" in linked_client.get("/dashboard/campaigns").text
    response = create(linked_client, code=" Buurthuis-West ", name="Buurthuis West", kind="local")
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/dashboard/campaigns/\d+\?done=created", location)
    page = linked_client.get(location).text
    assert "Campagne aangemaakt" in page
    assert "<code>buurthuis-west</code>" in page
    assert "Buurt (locals)" in page
    telegram, whatsapp = link_on(page, "telegram"), link_on(page, "whatsapp")
    assert telegram == "https://t.me/TekkieSchoolBot?start=buurthuis-west"
    assert opened_on_telegram(telegram) == "buurthuis-west"
    text, code = sent_on_whatsapp(whatsapp)
    assert code == "buurthuis-west"
    assert f"“{text}”" in html.unescape(page)  # the prefilled message is shown
    assert page.count('src="data:image/svg+xml') == 2
    assert '/dashboard/leads?campaign=buurthuis-west"' in page
    campaign = location.split("/")[-1].split("?")[0]
    for channel in ("telegram", "whatsapp"):
        for fmt in ("png", "svg"):
            assert f'/dashboard/campaigns/{campaign}/qr/{channel}.{fmt}" download' in page
    assert "QR-code downloaden (SVG, voor drukwerk)" in page
    assert stored_codes(linked_client) == ["buurthuis-west"]


def test_qr_downloads_decode_to_the_links_on_the_page(linked_client: TestClient) -> None:
    campaign = add_campaign(linked_client)
    page = linked_client.get(f"/dashboard/campaigns/{campaign}").text
    for channel in ("telegram", "whatsapp"):
        png = linked_client.get(f"/dashboard/campaigns/{campaign}/qr/{channel}.png")
        assert png.status_code == 200
        assert png.headers["content-type"] == "image/png"
        assert png.headers["content-disposition"] == (
            f'attachment; filename="tekkie-buurt-west-{channel}.png"'
        )
        assert png.content.startswith(PNG_SIGNATURE)
        assert read_png(png.content) == link_on(page, channel)
        svg = linked_client.get(f"/dashboard/campaigns/{campaign}/qr/{channel}.svg")
        assert svg.headers["content-type"] == "image/svg+xml"
        assert read_svg(svg.content) == link_on(page, channel)


def test_mistakes_are_shown_on_the_form_with_the_values_kept(linked_client: TestClient) -> None:
    response = create(linked_client, code="Zomer 2026!", name="  ", kind="")
    assert response.status_code == 400
    page = response.text
    assert "De campagne is niet aangemaakt" in page
    assert "De code mag alleen kleine letters (a-z), cijfers en streepjes bevatten" in page
    assert "Vul een naam in." in page
    assert "Kies de soort campagne." in page
    assert 'value="Zomer 2026!"' in page
    assert page.count('aria-invalid="true"') == 3
    assert stored_codes(linked_client) == []

    add_campaign(linked_client, code="zomer-2026")
    again = create(linked_client, code="zomer-2026", name="Zomer <b>", kind="event")
    assert again.status_code == 400
    assert "Er is al een campagne met deze code." in again.text
    assert 'value="Zomer &lt;b&gt;"' in again.text
    assert '<option value="event" selected>' in again.text
    short = create(linked_client, code="x", name="X", kind="event")
    assert "De code moet 2 tot 32 tekens lang zijn." in short.text
    assert stored_codes(linked_client) == ["zomer-2026"]


def test_the_pages_speak_english_to_english_staff(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(rasa_port=free_port(), outbox_worker_interval=0)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        add_account(client, "lee@school.nl", language="en")
        log_in(client, "lee@school.nl")
        campaign = add_campaign(client, kind="online_ad")
        page = client.get("/dashboard/campaigns").text
        assert "Funnel per campaign" in page
        assert "Online ad" in page
        detail = client.get(f"/dashboard/campaigns/{campaign}").text
        assert "No link yet: set TELEGRAM_BOT_USERNAME" in detail
        wrong = create(client, code="", name="x", kind="event")
        assert "Enter a code." in wrong.text


def test_the_funnel_table_and_chart(staff_client: TestClient) -> None:
    add_campaign(staff_client, code="stil", name="Stille Campagne", kind="online_ad")
    add_campaign(staff_client)  # buurt-west, newest first
    attended = booked_lead(staff_client, "Fatima El Amrani")  # campaign buurt-west, assessed
    booked_lead(staff_client, "Noor Bakker")
    with staff_client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        for user in range(8):
            session.add(Conversation(channel="telegram", channel_user_id=f"u{user}",
                                     campaign="buurt-west"))  # fmt: skip
        lead = session.get(Lead, attended)
        assert lead is not None
        set_status(lead, LeadStatus.ATTENDED)
    page = staff_client.get("/dashboard/campaigns").text
    assert cells(page, "Buurthuis West") == [
        "Buurthuis West", "buurt-west", "Buurt (locals)",
        "8", "2 (25%)", "2 (25%)", "2 (25%)", "1 (13%)", "13%",
    ]  # fmt: skip
    assert cells(page, "Stille Campagne")[3:] == ["0", "0", "0", "0", "0", "—"]
    assert page.index("Buurthuis West") < page.index("Stille Campagne")
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert chart.count("<rect") == 10  # five stages for each campaign
    assert "<title>Gesprek gestart: 8</title>" in chart
    assert "<title>Intake geweest: 1</title>" in chart
    assert "<script" not in chart
    leads = staff_client.get("/dashboard/leads?campaign=buurt-west").text
    assert "Fatima El Amrani" in leads


def test_without_the_settings_the_page_says_what_to_set(staff_client: TestClient) -> None:
    campaign = add_campaign(staff_client)
    page = staff_client.get(f"/dashboard/campaigns/{campaign}").text
    assert "Nog geen link: stel TELEGRAM_BOT_USERNAME in" in page
    assert "Nog geen link: stel WHATSAPP_NUMBER in" in page
    assert "https://t.me" not in page
    assert "https://wa.me" not in page
    assert "data:image" not in page
    qr = staff_client.get(f"/dashboard/campaigns/{campaign}/qr/telegram.png")
    assert qr.status_code == 404
    assert "nog geen link, dus ook geen QR-code" in qr.text


@pytest.mark.parametrize(
    "path", ["{id}0", "{id}0/qr/telegram.png", "{id}/qr/sms.png", "{id}/qr/telegram.gif"]
)
def test_an_unknown_campaign_channel_or_format_is_not_found(
    linked_client: TestClient, path: str
) -> None:
    campaign = add_campaign(linked_client)
    response = linked_client.get("/dashboard/campaigns/" + path.format(id=campaign))
    assert response.status_code == 404
    assert "Deze campagne bestaat niet." in response.text
