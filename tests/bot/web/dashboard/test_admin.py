"""Admins manage dashboard accounts, intake staff, weekly availability and days off."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.db.models import (
    Availability,
    AvailabilityException,
    IntakeSlot,
    Role,
    StaffMember,
)
from bot.settings import SCHOOL_TZ
from tests.bot.web.dashboard.conftest import add_account, csrf_of, log_in, submit_login

ADMIN_PAGES = ["/dashboard/staff", "/dashboard/availability"]
ADMIN_FORMS = [
    "/dashboard/staff/accounts",
    "/dashboard/staff/accounts/1/active",
    "/dashboard/staff/members",
    "/dashboard/availability/windows",
    "/dashboard/availability/windows/1/delete",
    "/dashboard/availability/days-off",
    "/dashboard/availability/days-off/1/delete",
    "/dashboard/availability/generate",
]


@pytest.fixture
def admin_client(client: TestClient) -> TestClient:
    """Logged in as an admin."""
    add_account(client, "admin@school.nl", role=Role.ADMIN)
    log_in(client, "admin@school.nl")
    return client


def count(client: TestClient, model: type) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_are_for_admins_only(staff_client: TestClient, page: str) -> None:
    response = staff_client.get(page)
    assert response.status_code == 403
    assert "Niet toegestaan" in response.text
    assert "Admin" not in response.text


@pytest.mark.parametrize("form", ADMIN_FORMS)
def test_admin_forms_refuse_staff_anonymous_and_missing_csrf(client: TestClient, form: str) -> None:
    assert client.post(form, data={}).status_code == 303  # anonymous: to the log-in page
    add_account(client, "admin@school.nl", role=Role.ADMIN)
    add_account(client, "sanne@school.nl")
    csrf = log_in(client, "sanne@school.nl")
    assert client.post(form, data={"csrf_token": csrf}).status_code == 403  # not an admin
    log_in(client, "admin@school.nl")
    assert client.post(form, data={"name": "X", "days": "3"}).status_code == 403  # no token


def test_an_admin_creates_an_account_that_can_log_in_and_can_disable_it(
    admin_client: TestClient,
) -> None:
    csrf = csrf_of(admin_client.get("/dashboard/staff").text)
    response = admin_client.post("/dashboard/staff/accounts", data={
        "csrf_token": csrf, "name": "Noor Bakker", "email": "noor@school.nl",
        "password": "a long first password", "role": "staff"})  # fmt: skip
    assert response.status_code == 303
    assert "Noor Bakker" in admin_client.get("/dashboard/staff").text

    other = TestClient(admin_client.app, follow_redirects=False)
    assert submit_login(other, "noor@school.nl", "a long first password").status_code == 303

    with admin_client.app.state.sessions() as session:  # type: ignore[attr-defined]
        from bot.db.models import StaffAccount

        noor = session.scalars(
            select(StaffAccount).where(StaffAccount.email == "noor@school.nl")
        ).one()
    admin_client.post(f"/dashboard/staff/accounts/{noor.id}/active",
                      data={"csrf_token": csrf, "active": "0"})  # fmt: skip
    assert other.get("/dashboard").status_code == 303  # the open session ends too
    assert submit_login(other, "noor@school.nl", "a long first password").status_code == 401


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short"}, "minstens 10 tekens"),
        ({"email": "not-an-address"}, "geen geldig e-mailadres"),
        ({"email": "admin@school.nl"}, "al een account"),
        ({"name": "   "}, "Vul een naam in"),
    ],
)
def test_account_mistakes_are_explained_and_the_form_keeps_its_values(
    admin_client: TestClient, fields: dict[str, str], message: str
) -> None:
    csrf = csrf_of(admin_client.get("/dashboard/staff").text)
    data = {"csrf_token": csrf, "name": "Noor", "email": "noor@school.nl",
            "password": "a long first password", **fields}  # fmt: skip
    response = admin_client.post("/dashboard/staff/accounts", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert f'value="{data["email"]}"' in response.text


def test_an_admin_cannot_disable_their_own_account(admin_client: TestClient) -> None:
    csrf = csrf_of(admin_client.get("/dashboard/staff").text)
    response = admin_client.post("/dashboard/staff/accounts/1/active",
                                 data={"csrf_token": csrf, "active": "0"})  # fmt: skip
    assert response.headers["location"].endswith("done=not_yourself")
    assert admin_client.get("/dashboard").status_code == 200


def test_availability_from_a_new_staff_member_to_bookable_slots(admin_client: TestClient) -> None:
    csrf = csrf_of(admin_client.get("/dashboard/staff").text)
    admin_client.post("/dashboard/staff/members", data={"csrf_token": csrf, "name": "Joris"})
    with admin_client.app.state.sessions() as session:  # type: ignore[attr-defined]
        joris = session.scalars(select(StaffMember).where(StaffMember.name == "Joris")).one()
    tomorrow = datetime.now(SCHOOL_TZ).date() + timedelta(days=1)
    response = admin_client.post("/dashboard/availability/windows", data={
        "csrf_token": csrf, "staff_id": str(joris.id), "weekday": str(tomorrow.weekday()),
        "start": "09:00", "end": "10:00", "slot_minutes": "30", "mode": "location",
        "location": "Buurthuis De Pijp, Amsterdam", "capacity": "1"})  # fmt: skip
    assert response.status_code == 303
    page = admin_client.get("/dashboard/availability").text
    assert "Buurthuis De Pijp" in page
    assert "09:00\u201310:00" in page  # en dash between the times

    done = admin_client.post("/dashboard/availability/generate",
                             data={"csrf_token": csrf, "days": "2"})  # fmt: skip
    assert done.headers["location"].endswith("created=2")
    assert count(admin_client, IntakeSlot) == 2
    assert "2 nieuwe tijden gemaakt" in admin_client.get(done.headers["location"]).text


def test_days_off_stop_slots_being_made(admin_client: TestClient) -> None:
    csrf = csrf_of(admin_client.get("/dashboard/staff").text)
    admin_client.post("/dashboard/staff/members", data={"csrf_token": csrf, "name": "Joris"})
    tomorrow = datetime.now(SCHOOL_TZ).date() + timedelta(days=1)
    admin_client.post("/dashboard/availability/windows", data={
        "csrf_token": csrf, "staff_id": "1", "weekday": str(tomorrow.weekday()),
        "start": "09:00", "end": "10:00"})  # fmt: skip
    response = admin_client.post("/dashboard/availability/days-off", data={
        "csrf_token": csrf, "first_day": tomorrow.isoformat(), "last_day": tomorrow.isoformat(),
        "reason": "Studiedag"})  # fmt: skip
    assert response.status_code == 303
    assert "Studiedag" in admin_client.get("/dashboard/availability").text
    admin_client.post("/dashboard/availability/generate", data={"csrf_token": csrf, "days": "2"})
    assert count(admin_client, IntakeSlot) == 0
    assert count(admin_client, AvailabilityException) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": "10:00", "end": "09:00"}, "eindtijd moet na de begintijd"),
        ({"start": "9 uur"}, "UU:MM"),
        ({"mode": "location", "location": ""}, "Vul het adres in"),
        ({"staff_id": "999"}, "bestaat niet"),
    ],
)
def test_window_mistakes_are_explained(
    admin_client: TestClient, fields: dict[str, str], message: str
) -> None:
    csrf = csrf_of(admin_client.get("/dashboard/staff").text)
    admin_client.post("/dashboard/staff/members", data={"csrf_token": csrf, "name": "Joris"})
    data = {"csrf_token": csrf, "staff_id": "1", "weekday": "0", "start": "09:00",
            "end": "10:00", "mode": "online", **fields}  # fmt: skip
    response = admin_client.post("/dashboard/availability/windows", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert count(admin_client, Availability) == 0


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_a_made_up_outcome_in_the_address_shows_the_page_without_a_message(
    admin_client: TestClient, page: str
) -> None:
    response = admin_client.get(f"{page}?done=<script>&created=x")
    assert response.status_code == 200
    assert 'class="flash"' not in response.text
