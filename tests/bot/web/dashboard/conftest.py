"""A running app (no Rasa needed) with staff accounts, and a helper to log in like a browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient

from bot.db.models import IntakeSlot, Lead, Role, StaffMember
from bot.db.repositories import staff as staff_repo
from bot.db.repositories.leads import create_lead
from bot.intake import booking as bookings
from bot.settings import Settings
from bot.web.app import create_app
from tests.support.notices import NOTICES
from tests.support.stack import free_port

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its cheapest cost in these tests (same algorithm; production cost is
    checked in test_auth). The real cost takes a second per hash on a busy CI machine."""
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr(staff_repo, "_hasher", cheap)
    monkeypatch.setattr(staff_repo, "_DUMMY_HASH", cheap.hash("dummy"))


@pytest.fixture
def client(make_settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The web app on a fresh SQLite database; Rasa is not running (port with nobody on it)."""
    settings: Settings = make_settings(
        rasa_port=free_port(), outbox_worker_interval=0, publish_worker_interval=0
    )
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def add_account(client: TestClient, email: str, *, role: Role = Role.STAFF,
                staff_member_id: int | None = None, language: str = "nl") -> int:  # fmt: skip
    """A dashboard account with PASSWORD."""
    with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        account = staff_repo.create_account(
            session, email=email, name=email.split("@", maxsplit=1)[0].title(), password=PASSWORD,
            role=role, staff_member_id=staff_member_id, language=language,
        )  # fmt: skip
        return account.id


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def submit_login(client: TestClient, email: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    """Open the log-in page and submit its form; returns the response."""
    page = client.get("/dashboard/login")
    data = {"email": email, "password": password, "csrf_token": csrf_of(page.text), **extra}
    return client.post("/dashboard/login", data=data)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form, as a browser does; return the session's CSRF token."""
    response = submit_login(client, email, password)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/dashboard").text)


@pytest.fixture
def staff_client(client: TestClient) -> TestClient:
    """A client logged in as an ordinary staff member."""
    add_account(client, "sanne@school.nl")
    log_in(client, "sanne@school.nl")
    return client


def booked_lead(
    client: TestClient, name: str, *, starts_in: timedelta = timedelta(days=1),
    channel: str = "telegram", campaign: str | None = "buurt-west", track: str = "data_analyst",
) -> int:  # fmt: skip
    """A consented lead with an active intake; returns the lead id."""
    with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        staff = session.query(StaffMember).filter_by(name="Noor").one_or_none()
        if staff is None:
            staff = StaffMember(name="Noor")
            session.add(staff)
            session.flush()
        taken = session.query(IntakeSlot).count()  # each lead its own half hour
        start = datetime.now(UTC).replace(second=0, microsecond=0) + starts_in
        start += timedelta(minutes=30 * taken)
        slot = IntakeSlot(staff_id=staff.id, starts_at=start, ends_at=start + timedelta(minutes=30),
                          mode="online", capacity=1)  # fmt: skip
        session.add(slot)
        session.flush()
        lead = create_lead(session, channel=channel, channel_user_id=name.replace(" ", "-"),
                           consent_version="v1", campaign=campaign)  # fmt: skip
        lead.display_name = name
        lead.phone_e164 = "+31612345678"
        lead.assessment_result = {"track": track, "runner_up": "ux_designer"}
        lead.support_needs = ["laptop", "travel"]
        bookings.book(session, lead=lead, slot_id=slot.id, notices=NOTICES)
        return lead.id


def lead_status(client: TestClient, lead_id: int) -> str:
    """The lead's status as stored."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead.status
