"""A staff member's calendar feed: their intakes with the lead summary, only with the secret."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from bot.db.models import IntakeSlot, StaffMember
from bot.db.repositories.leads import create_lead
from bot.intake import booking as bookings
from bot.settings import Settings
from bot.web.app import create_app
from tests.support.notices import NOTICES
from tests.support.stack import free_port


@pytest.fixture
def client(make_settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(rasa_port=free_port(), outbox_worker_interval=0)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def booked_for(client: TestClient, staff_name: str, lead_name: str) -> str:
    """Book an intake with a new staff member; return that member's feed token."""
    with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        staff = StaffMember(name=staff_name)
        session.add(staff)
        session.flush()
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        slot = IntakeSlot(staff_id=staff.id, starts_at=start, ends_at=start + timedelta(minutes=30),
                          mode="online", capacity=1)  # fmt: skip
        session.add(slot)
        session.flush()
        lead = create_lead(session, channel="telegram", channel_user_id=lead_name,
                           consent_version="v1", campaign="buurt-west")  # fmt: skip
        lead.display_name = lead_name
        lead.assessment_result = {"track": "data_analyst"}
        bookings.book(session, lead=lead, slot_id=slot.id, notices=NOTICES)
        return staff.calendar_token


def test_the_feed_lists_the_staff_members_own_intakes_with_the_lead_summary(
    client: TestClient,
) -> None:
    token = booked_for(client, "Sanne", "Fatima El Amrani")
    booked_for(client, "Noor", "Someone Else")
    response = client.get(f"/calendar/staff/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == "Intake: Fatima El Amrani"
    description = str(event["description"])
    assert "Kanaal: telegram" in description
    assert "Campagne: buurt-west" in description
    assert "data_analyst" in description  # the track advice
    assert "Medewerker: Sanne" in description


@pytest.mark.parametrize("token", ["wrong", "x" * 32, ""])
def test_a_wrong_secret_gets_nothing(client: TestClient, token: str) -> None:
    booked_for(client, "Sanne", "Fatima")
    response = client.get(f"/calendar/staff/{token}.ics")
    assert response.status_code == 404
    assert "BEGIN:VCALENDAR" not in response.text
