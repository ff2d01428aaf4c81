"""Log-in, log-out, throttling, CSRF and anonymous access to the staff dashboard."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.db.models import Role, StaffAccount
from tests.bot.web.dashboard.conftest import (
    PASSWORD,
    add_account,
    booked_lead,
    csrf_of,
    log_in,
    submit_login,
)

# Every dashboard page and export; {lead} is filled with a real lead's id.
PAGES = [
    "/dashboard",
    "/dashboard/leads",
    "/dashboard/leads?status=booked",
    "/dashboard/leads.csv",
    "/dashboard/leads/{lead}",
]
# Every form the dashboard posts to.
FORMS = [
    "/dashboard/logout",
    "/dashboard/language",
    "/dashboard/leads/{lead}/attendance",
    "/dashboard/leads/{lead}/book",
    "/dashboard/leads/{lead}/cancel",
]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page_and_see_no_data(
    client: TestClient, page: str
) -> None:
    lead = booked_lead(client, "Fatima El Amrani")
    response = client.get(page.format(lead=lead))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/login?next=")
    assert "Fatima" not in response.text


@pytest.mark.parametrize("form", FORMS)
def test_forms_without_a_session_change_nothing(client: TestClient, form: str) -> None:
    lead = booked_lead(client, "Fatima")
    response = client.post(form.format(lead=lead), data={"status": "attended", "slot_id": "1"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/login")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_forms_refuse_a_missing_or_wrong_csrf_token(
    staff_client: TestClient, form: str, token: str | None
) -> None:
    lead = booked_lead(staff_client, "Fatima")
    data = {"status": "attended", "slot_id": "1", "language": "en"}
    if token is not None:
        data["csrf_token"] = token
    response = staff_client.post(form.format(lead=lead), data=data)
    assert response.status_code == 403
    page = staff_client.get(f"/dashboard/leads/{lead}")
    assert page.status_code == 200  # still logged in, and nothing changed:
    assert "Intake gepland" in page.text


def test_login_with_the_right_password_shows_the_dashboard_and_logout_ends_it(
    client: TestClient,
) -> None:
    add_account(client, "sanne@school.nl")
    csrf = log_in(client, "Sanne@School.nl ")  # e-mail case and spaces do not matter
    assert "Uitloggen" in client.get("/dashboard").text
    cookie = client.cookies.get("tekkie_staff")
    response = client.post("/dashboard/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert client.get("/dashboard").status_code == 303
    client.cookies.set("tekkie_staff", cookie or "")  # the old cookie is worthless now
    assert client.get("/dashboard").status_code == 303


def test_a_wrong_password_is_refused_with_a_clear_message(client: TestClient) -> None:
    add_account(client, "sanne@school.nl")
    response = submit_login(client, "sanne@school.nl", "wrong")
    assert response.status_code == 401
    assert "E-mailadres of wachtwoord klopt niet" in response.text
    assert "tekkie_staff" not in client.cookies


def test_login_is_throttled_after_repeated_failures_even_with_the_right_password(
    client: TestClient,
) -> None:
    add_account(client, "sanne@school.nl")
    for _ in range(5):
        submit_login(client, "sanne@school.nl", "guess")
    response = submit_login(client, "sanne@school.nl", PASSWORD)
    assert response.status_code == 429
    assert "Wacht een kwartier" in response.text


def test_the_login_form_itself_needs_its_csrf_token(client: TestClient) -> None:
    add_account(client, "sanne@school.nl")
    response = client.post(
        "/dashboard/login", data={"email": "sanne@school.nl", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "tekkie_staff" not in client.cookies


def test_passwords_are_stored_as_argon2_hashes_only(client: TestClient) -> None:
    add_account(client, "sanne@school.nl")
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        account = session.query(StaffAccount).one()
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_production_hashes_use_argon2id_at_the_recommended_cost() -> None:
    from argon2 import extract_parameters, profiles

    from bot.db.repositories import staff as staff_repo

    stored = staff_repo.PRODUCTION_HASHER.hash(PASSWORD)
    assert extract_parameters(stored) == profiles.RFC_9106_LOW_MEMORY


def test_the_session_cookie_is_http_only_and_lax(client: TestClient) -> None:
    add_account(client, "sanne@school.nl")
    response = submit_login(client, "sanne@school.nl", PASSWORD)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_after_login_the_browser_goes_where_it_was_heading_but_never_off_site(
    client: TestClient,
) -> None:
    add_account(client, "sanne@school.nl")
    for target, expected in [("/dashboard/leads", "/dashboard/leads"),
                             ("https://evil.example/", "/dashboard"),
                             ("//evil.example/dashboard", "/dashboard")]:  # fmt: skip
        response = submit_login(client, "sanne@school.nl", next=target)
        assert response.headers["location"] == expected


def test_staff_can_switch_the_dashboard_to_english(staff_client: TestClient) -> None:
    csrf = csrf_of(staff_client.get("/dashboard").text)
    staff_client.post("/dashboard/language", data={"csrf_token": csrf, "language": "en"})
    assert "Log out" in staff_client.get("/dashboard").text


def test_a_disabled_account_cannot_log_in(client: TestClient) -> None:
    add_account(client, "gone@school.nl", role=Role.ADMIN)
    with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        session.query(StaffAccount).update({"active": False})
    response = submit_login(client, "gone@school.nl", PASSWORD)
    assert response.status_code == 401
