from datetime import UTC, datetime

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from sqlalchemy.orm import Session, sessionmaker

from actions.privacy import ActionAskDelete, ActionShowMyData
from bot.db.models import IntakeSlot, StaffMember
from bot.db.repositories.leads import create_lead
from bot.intake import booking as bookings
from tests.support.actions import run, wired
from tests.support.notices import NOTICES

# 8 January 2030 in Amsterdam (CET, UTC+1).
CONSENT_AT = datetime(2030, 1, 8, 8, 15, tzinfo=UTC)
INTAKE_AT = datetime(2030, 1, 8, 9, 30, tzinfo=UTC)


def tracker(sender: str = "whatsapp:+31612345678", *, language: str = "nl") -> Tracker:
    latest = {"text": "wat weet je van mij?", "intent": {"name": "what_do_you_know"}}
    events = [{"event": "user", "text": latest["text"], "parse_data": latest}]
    return Tracker(sender, {"language": language}, latest, events, False, None, {}, "action_listen")


async def test_asking_to_delete_explains_and_waits_for_yes_or_no() -> None:
    events, said = await run(ActionAskDelete(), tracker(language="en"))
    assert [SlotSet("pending_confirmation", "delete")] == events
    assert [(m["text"], m["buttons"]) for m in said] == [
        (
            "Do you want us to delete all your data? Your profile, your answers, your "
            "appointments and this conversation will be erased. This cannot be undone.",
            [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
        )
    ]


async def test_without_a_lead_nothing_is_stored(database: sessionmaker[Session]) -> None:
    events, said = await run(ActionShowMyData(deps=wired(database)), tracker())
    assert [] == events
    assert [m["text"] for m in said] == [
        "We hebben geen profiel van je opgeslagen. Alleen dit gesprek bewaren we een tijdje; "
        'zeg "verwijder mijn gegevens" als je dat ook weg wilt hebben.'
    ]


async def test_a_lead_sees_what_is_stored_with_the_intake(database: sessionmaker[Session]) -> None:
    with database.begin() as session:
        lead = create_lead(
            session, channel="whatsapp", channel_user_id="+31612345678",
            consent_version="2026-11-v1", consent_at=CONSENT_AT, campaign="zomer",
        )  # fmt: skip
        lead.display_name, lead.phone_e164 = "Fatima el Amrani", "+31612345678"
        lead.support_needs = ["laptop", "travel"]
        staff = StaffMember(name="Sanne")
        session.add(staff)
        session.flush()
        slot = IntakeSlot(staff_id=staff.id, starts_at=INTAKE_AT, ends_at=INTAKE_AT,
                          mode="online", capacity=1)  # fmt: skip
        session.add(slot)
        session.flush()
        bookings.book(session, lead=lead, slot_id=slot.id, notices=NOTICES)
    with database.begin() as session:  # the same user id on another channel is someone else
        other = create_lead(
            session, channel="webchat", channel_user_id="+31612345678", consent_version="v1"
        )
        other.display_name = "Iemand Anders"

    events, said = await run(ActionShowMyData(deps=wired(database)), tracker())
    assert [] == events
    (message,) = said
    assert message["text"] == "\n".join(
        [
            "Dit weten we van je:",
            "• naam / name: Fatima el Amrani",
            "• telefoon / phone: +31612345678",
            "• taal / language: nl",
            "• campagne / campaign: zomer",
            "• steun / support: laptop, travel",
            "• status: booked",
            "• toestemming / consent: 08-01-2030 09:15 (2026-11-v1)",
            "• intake: 08-01-2030 10:30 (online)",
            'Zeg "verwijder mijn gegevens" als je alles wilt laten wissen.',
        ]
    )
    assert "Iemand Anders" not in message["text"]
