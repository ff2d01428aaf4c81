"""A staff member's day in a real browser (Debian's Chromium driven by Playwright).

The prospect books through the web chat API of the real stack; the staff member logs in,
finds the lead, opens it, marks the intake attended, exports CSV, and answers a prospect who
asked for a person, then hands the conversation back to Tekkie.
Screenshots land in test-artifacts/dashboard/ (kept by CI as artifacts).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.engine import make_engine
from bot.db.models import Conversation, Role
from bot.db.repositories import staff as staff_repo
from bot.settings import PROJECT_ROOT
from tests.conftest import IN_CI
from tests.e2e.test_booking_conversation import book_in_dutch
from tests.support.stack import Stack, wait_for_inbox

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "dashboard"
PASSWORD = "intake-team-2026"

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("stack", ["embedded"], indirect=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright downloads no browser of its own."""
    if not CHROMIUM.exists():
        message = "browser tests need Debian's chromium (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{message}; in CI they must run", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (own cookies) in Dutch."""
    context = browser.new_context(locale="nl-NL", accept_downloads=True)
    yield context.new_page()
    context.close()


def shot(page: Page, name: str) -> None:
    """Keep a full-page screenshot as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def staff_account(stack: Stack, email: str) -> None:
    """An intake colleague's dashboard account in the stack's database."""
    engine = make_engine(stack.settings.database_url)
    with Session(engine) as session, session.begin():
        if staff_repo.find_account(session, email=email) is None:
            staff_repo.create_account(
                session, email=email, name="Sanne de Vries", password=PASSWORD, role=Role.STAFF
            )
    engine.dispose()


def log_in(page: Page, stack: Stack, email: str) -> None:
    """Log in through the form."""
    page.goto(f"{stack.app_url}/dashboard/leads")
    expect(page).to_have_url(re.compile(r".*/dashboard/login\?next=.*"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    shot(page, "01-login")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Leads")).to_be_visible()


def test_staff_find_a_booked_lead_mark_it_attended_and_export_csv(
    stack: Stack, sender: str, page: Page
) -> None:
    book_in_dutch(stack, sender)  # "Fatima El Amrani", fatima@example.nl
    staff_account(stack, "sanne@school.nl")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)

    log_in(page, stack, "sanne@school.nl")
    page.goto(f"{stack.app_url}/dashboard")
    expect(page.get_by_role("heading", name="Intakes")).to_be_visible()
    shot(page, "02-intakes")

    page.goto(f"{stack.app_url}/dashboard/leads")
    page.get_by_label("Zoeken").fill(sender)  # other tests booked a "Fatima" on this stack too
    page.get_by_role("button", name="Filteren").click()
    expect(page.get_by_text("Gevonden: 1", exact=True)).to_be_visible()
    shot(page, "03-leads-search")

    page.get_by_role("link", name="Fatima El Amrani").click()
    expect(page.get_by_role("heading", name="Fatima El Amrani")).to_be_visible()
    expect(page.locator("#lead-status")).to_contain_text("Intake gepland")
    expect(page.locator(".transcript")).to_contain_text("Fatima El Amrani")  # from Rasa
    shot(page, "04-lead")

    page.get_by_role("button", name="Geweest").click()
    expect(page.get_by_role("status")).to_contain_text("Gemarkeerd als geweest")
    expect(page.locator("#lead-status")).to_contain_text("Geweest")
    shot(page, "05-lead-attended")

    page.goto(f"{stack.app_url}/dashboard/leads")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporteren als CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("tekkie-leads-")
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = {row["channel_user_id"]: row for row in csv.DictReader(io.StringIO(content))}
    assert rows[sender]["status"] == "attended"
    assert (rows[sender]["display_name"], rows[sender]["email"]) == (
        "Fatima El Amrani",
        "fatima@example.nl",
    )


def test_logging_out_in_the_browser_locks_the_dashboard(stack: Stack, page: Page) -> None:
    staff_account(stack, "sanne@school.nl")
    log_in(page, stack, "sanne@school.nl")
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="Inloggen voor medewerkers")).to_be_visible()
    page.goto(f"{stack.app_url}/dashboard/leads")
    expect(page.get_by_role("heading", name="Inloggen voor medewerkers")).to_be_visible()


def conversation_id(stack: Stack, sender: str) -> int:
    """The web chat conversation's id in Tekkie's database."""
    engine = make_engine(stack.settings.database_url)
    with Session(engine) as session:
        found = session.scalars(
            select(Conversation).where(
                Conversation.channel == "webchat", Conversation.channel_user_id == sender
            )
        ).one()
    engine.dispose()
    return found.id


def test_staff_answer_a_prospect_who_asked_for_a_person_and_hand_back(
    stack: Stack, sender: str, page: Page
) -> None:
    stack.say(sender, text="hoi")
    stack.say(sender, payload="/talk_to_person")
    assert stack.say(sender, text="Kan ik ook 's avonds leren?") == []  # Tekkie stays quiet
    staff_account(stack, "sanne@school.nl")
    log_in(page, stack, "sanne@school.nl")

    page.get_by_role("link", name="Gesprekken met een mens").click()
    page.locator(f'a[href="/dashboard/handoffs/{conversation_id(stack, sender)}"]').click()
    expect(page.locator("#transcript")).to_contain_text("Kan ik ook 's avonds leren?")
    shot(page, "06-handoff")

    page.get_by_label("Antwoorden").fill("Ja hoor, er is ook een avondklas. Groet, Sanne")
    page.get_by_role("button", name="Versturen").click()
    expect(page.get_by_role("status")).to_contain_text("Je bericht is verstuurd")
    (reply,) = wait_for_inbox(stack, sender)
    assert "avondklas" in reply["text"]
    shot(page, "07-handoff-replied")

    page.get_by_role("button", name="Teruggeven aan Tekkie").click()
    expect(page.get_by_role("status")).to_contain_text("Teruggegeven aan Tekkie")
    wait_for_inbox(stack, sender)  # "Tekkie is back"
    assert stack.say(sender, text="menu")  # and answers again


def test_staff_create_a_campaign_and_get_its_links_and_qr_codes(stack: Stack, page: Page) -> None:
    staff_account(stack, "sanne@school.nl")
    log_in(page, stack, "sanne@school.nl")
    page.get_by_role("link", name="Campagnes").click()
    code = f"buurt-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Code").fill(code)
    page.get_by_label("Naam").fill("Buurthuis West")
    page.get_by_label("Soort").select_option("local")
    page.get_by_role("button", name="Campagne aanmaken").click()
    expect(page.get_by_role("heading", name="Buurthuis West")).to_be_visible()
    whatsapp = page.get_by_label("WhatsApp", exact=True)
    expect(whatsapp).to_have_value(re.compile(rf"https://wa\.me/\d+\?text=.*{code}"))
    expect(page.get_by_role("img", name="QR-code van de WhatsApp-link")).to_be_visible()
    telegram = page.get_by_label("Telegram", exact=True)
    expect(telegram).to_have_value(f"https://t.me/TekkieTestBot?start={code}")
    expect(page.get_by_role("img", name="QR-code van de Telegram-link")).to_be_visible()
    shot(page, "08-campaign")
