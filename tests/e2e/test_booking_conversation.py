"""Booking, rescheduling, cancelling and privacy through the web chat API, checked in the DB."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.engine import make_engine
from bot.db.models import Booking, IntakeSlot, Lead, OutboxMessage
from tests.support.stack import Stack, wait_for_inbox

CHOOSE = "/choose_slot"


@pytest.fixture
def db(stack: Stack) -> Iterator[Engine]:
    engine = make_engine(stack.settings.database_url)
    yield engine
    engine.dispose()


def slot_buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [b for b in message["buttons"] if b["payload"].startswith(CHOOSE)]


def slot_id(button: dict[str, str]) -> int:
    return int(button["payload"].split('"slot_id": "')[1].rstrip('"}'))


def lead_of(engine: Engine, sender: str) -> Lead | None:
    with Session(engine) as session:
        return session.scalars(
            select(Lead).where(Lead.channel == "webchat", Lead.channel_user_id == sender)
        ).first()


def lead_id(engine: Engine, sender: str) -> int:
    lead = lead_of(engine, sender)
    assert lead is not None
    return lead.id


def bookings_of(engine: Engine, lead_id: int) -> list[Booking]:
    with Session(engine) as session:
        return list(session.scalars(select(Booking).where(Booking.lead_id == lead_id)))


def outbox_of(engine: Engine, booking_id: int) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.booking_id == booking_id))
        return {m.kind: m.status for m in rows}


def seats(engine: Engine, slot: int) -> int:
    with Session(engine) as session:
        return session.get_one(IntakeSlot, slot).booked


def book_in_dutch(stack: Stack, sender: str) -> tuple[int, list[dict[str, Any]]]:
    """Walk the Dutch booking flow with buttons; return the booked slot id and the reply."""
    stack.say(sender, text="hoi")
    (consent,) = stack.say(sender, payload="/book_intake")
    assert "Is dat goed?" in consent["text"]
    assert [b["payload"] for b in consent["buttons"]] == ["/affirm", "/deny"]
    (mode,) = stack.say(sender, payload="/affirm")
    assert "online" in mode["text"]
    (offer,) = stack.say(sender, payload=mode["buttons"][2]["payload"])  # no preference
    first_page = slot_buttons(offer)
    assert len(first_page) == 3
    assert offer["buttons"][-1]["payload"] == "/more_slots"
    (more,) = stack.say(sender, payload="/more_slots")
    second_page = slot_buttons(more)
    assert {slot_id(b) for b in second_page}.isdisjoint({slot_id(b) for b in first_page})
    chosen = slot_id(second_page[0])
    (name,) = stack.say(sender, payload=second_page[0]["payload"])
    assert name["text"] == "Wat is je naam?"
    (contact,) = stack.say(sender, text="Fatima El Amrani")
    assert "e-mailadres of telefoonnummer" in contact["text"]
    bad, again = stack.say(sender, text="nog niet")
    assert "geen geldig" in bad["text"]
    assert again["text"] == contact["text"]  # asked once more
    reply = stack.say(sender, text="fatima@example.nl")
    return chosen, reply


def test_booking_in_dutch_with_confirmation_calendar_and_staff_notice(
    stack: Stack, sender: str, db: Engine
) -> None:
    chosen, reply = book_in_dutch(stack, sender)
    assert reply[0]["text"].startswith("Gelukt, Fatima El Amrani! 🎉 Je intake is op ")

    lead = lead_of(db, sender)
    assert lead is not None
    assert (lead.display_name, lead.email, lead.language) == (
        "Fatima El Amrani",
        "fatima@example.nl",
        "nl",
    )
    assert lead.consent_version
    assert lead.status == "booked"
    (booking,) = bookings_of(db, lead.id)
    assert (booking.slot_id, booking.status) == (chosen, "active")
    assert seats(db, chosen) == 1
    kinds = outbox_of(db, booking.id)
    assert {"booked_confirmation", "staff_booked"} <= set(kinds)

    (confirmation,) = wait_for_inbox(stack, sender)
    assert "/calendar/" in confirmation["text"]
    link = next(w for w in confirmation["text"].split() if "/calendar/" in w).rstrip(".,)")
    calendar = httpx.get(link)
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in calendar.text
    staff_log = stack.settings.runtime_dir.parent / "staff-notifications.log"
    deadline = time.monotonic() + 10
    while "Fatima El Amrani" not in (staff_log.read_text() if staff_log.exists() else ""):
        assert time.monotonic() < deadline, "staff were not told"
        time.sleep(0.3)
    assert "fatima@example.nl" in staff_log.read_text()


def test_reschedule_then_cancel_by_chat(stack: Stack, sender: str, db: Engine) -> None:
    first, _ = book_in_dutch(stack, sender)
    intro, offer = stack.say(sender, text="kan ik mijn afspraak verzetten?")
    assert intro["text"].startswith("Je intake staat nu op")
    new_button = next(b for b in slot_buttons(offer) if slot_id(b) != first)
    (moved,) = stack.say(sender, payload=new_button["payload"])
    assert moved["text"].startswith("Gelukt! Je intake is verzet naar")
    lead = lead_of(db, sender)
    assert lead is not None
    old, new = sorted(bookings_of(db, lead.id), key=lambda b: b.id)
    assert (old.status, new.status) == ("rescheduled", "active")
    assert (seats(db, first), seats(db, slot_id(new_button))) == (0, 1)
    assert "pending" not in {outbox_of(db, old.id).get(k) for k in ("reminder_24h", "reminder_2h")}
    assert "staff_rescheduled" in outbox_of(db, new.id)

    (question,) = stack.say(sender, text="ik wil mijn intake annuleren")
    assert question["text"].startswith("Weet je zeker")
    done = stack.say(sender, payload="/affirm")
    assert done[0]["text"].startswith("Je intake is geannuleerd")
    (cancelled,) = [b for b in bookings_of(db, lead.id) if b.id == new.id]
    assert cancelled.status == "cancelled"
    assert seats(db, slot_id(new_button)) == 0
    kinds = outbox_of(db, new.id)
    assert kinds["staff_cancelled"] in ("pending", "sending", "sent")
    assert "pending" not in {kinds.get("reminder_24h"), kinds.get("reminder_2h")}


def test_booking_in_english_with_typed_answers(stack: Stack, sender: str, db: Engine) -> None:
    stack.say(sender, text="hello")
    (consent,) = stack.say(sender, text="I want to book an intake")
    assert "Is that OK?" in consent["text"]
    (mode,) = stack.say(sender, text="yes")
    assert "online" in mode["text"]
    (offer,) = stack.say(sender, payload='/choose_mode{"mode": "online"}')
    assert offer["text"].startswith("These are the first free times")
    options = slot_buttons(offer)
    assert all("💻" in b["title"] for b in options)
    (name,) = stack.say(sender, text="2")  # typed position of the second time
    assert name["text"] == "What's your name?"
    (contact,) = stack.say(sender, text="Joanne Smith")
    assert "e-mail address or phone number" in contact["text"]
    (done,) = stack.say(sender, text="06 12345678")
    assert done["text"].startswith("Done, Joanne Smith! 🎉 Your intake is on ")
    lead = lead_of(db, sender)
    assert lead is not None
    assert (lead.phone_e164, lead.language) == ("+31612345678", "en")
    (booking,) = bookings_of(db, lead.id)
    assert booking.slot_id == slot_id(options[1])
    (confirmation,) = wait_for_inbox(stack, sender)
    assert "Joanne" in confirmation["text"] or "intake" in confirmation["text"].lower()


def test_a_slot_taken_meanwhile_gets_an_apology_and_fresh_times(
    stack: Stack, sender: str, db: Engine
) -> None:
    stack.say(sender, text="hoi")
    stack.say(sender, payload="/book_intake")
    mode = stack.say(sender, payload="/affirm")[0]
    offer = stack.say(sender, payload=mode["buttons"][0]["payload"])[0]
    wanted = slot_buttons(offer)[0]
    # Someone else books the same time first.
    other = f"{sender}-other"
    stack.say(other, text="hoi")
    stack.say(other, payload="/book_intake")
    other_mode = stack.say(other, payload="/affirm")[0]
    stack.say(other, payload=other_mode["buttons"][0]["payload"])
    stack.say(other, payload=wanted["payload"])
    stack.say(other, text="Bram de Vries")
    assert stack.say(other, text="bram@example.nl")[0]["text"].startswith("Gelukt")

    sorry, fresh = stack.say(sender, payload=wanted["payload"])
    assert sorry["text"].startswith("Oei, die tijd is net door iemand anders gekozen")
    assert slot_id(wanted) not in {slot_id(b) for b in slot_buttons(fresh)}
    assert seats(db, slot_id(wanted)) == 1


def test_a_question_in_the_middle_of_booking_then_booking_goes_on(
    stack: Stack, sender: str
) -> None:
    stack.say(sender, text="hoi")
    stack.say(sender, payload="/book_intake")
    answer, again = stack.say(sender, text="ben jij een robot?")
    assert "computer-assistent" in answer["text"]
    assert "Is dat goed?" in again["text"]  # the consent question again
    (menu,) = stack.say(sender, text="menu")
    assert menu["text"] == "Waar kan ik je mee helpen?"


def test_no_consent_means_nothing_is_stored(stack: Stack, sender: str, db: Engine) -> None:
    stack.say(sender, text="hoi")
    stack.say(sender, payload="/book_intake")
    (reply,) = stack.say(sender, payload="/deny")
    assert "Zonder toestemming" in reply["text"]
    assert lead_of(db, sender) is None


def test_what_we_know_and_delete_my_data(stack: Stack, sender: str, db: Engine) -> None:
    stack.say(sender, text="hoi")
    (nothing,) = stack.say(sender, text="wat weten jullie van mij?")
    assert nothing["text"].startswith("We hebben geen profiel")
    chosen, _ = book_in_dutch(stack, sender)
    (summary,) = stack.say(sender, text="wat weten jullie van mij?")
    assert "Fatima El Amrani" in summary["text"]
    assert "fatima@example.nl" in summary["text"]
    deadline = time.monotonic() + 15  # staff have been told of the booking
    while outbox_of(db, bookings_of(db, lead_id(db, sender))[0].id).get("staff_booked") != "sent":
        assert time.monotonic() < deadline, "staff were not told of the booking"
        time.sleep(0.2)

    (question,) = stack.say(sender, text="verwijder mijn gegevens")
    assert "kan niet ongedaan" in question["text"]
    erased = stack.say(sender, payload="/affirm")
    assert erased[0]["text"].startswith("Klaar. We hebben al je gegevens verwijderd")
    assert lead_of(db, sender) is None
    assert seats(db, chosen) == 0
    with Session(db) as session:
        notices = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "staff_erased")
        ).all()
        assert any("verwijderen" in n.payload.get("text", "") for n in notices)
        assert all("Fatima" not in str(n.payload) for n in notices)
    deadline = time.monotonic() + 15
    while "Fatima" in str(stack.tracker(sender)["events"]):
        assert time.monotonic() < deadline, "the conversation was not erased from Rasa"
        time.sleep(0.5)


def test_reschedule_and_cancel_in_english_by_typing(stack: Stack, sender: str, db: Engine) -> None:
    stack.say(sender, text="hello")
    stack.say(sender, text="book an intake please")
    stack.say(sender, text="yes")
    offer = stack.say(sender, payload='/choose_mode{"mode": "location"}')[0]
    first = slot_buttons(offer)[0]
    assert "📍" in first["title"]
    stack.say(sender, payload=first["payload"])
    stack.say(sender, text="Ahmed Karimi")
    assert stack.say(sender, text="+31 20 123 4567")[0]["text"].startswith("Done, Ahmed Karimi!")

    intro, offer = stack.say(sender, text="can I move my appointment to another day?")
    assert intro["text"].startswith("Your intake is now on")
    new = next(b for b in slot_buttons(offer) if slot_id(b) != slot_id(first))
    (moved,) = stack.say(sender, payload=new["payload"])
    assert moved["text"].startswith("Done! Your intake has moved to")
    (question,) = stack.say(sender, text="cancel my appointment")
    assert question["text"].startswith("Are you sure")
    (cancelled, *_) = stack.say(sender, text="yes")
    assert cancelled["text"].startswith("Your intake has been cancelled")
    lead = lead_of(db, sender)
    assert lead is not None
    assert lead.phone_e164 == "+31201234567"
    statuses = sorted(b.status for b in bookings_of(db, lead.id))
    assert statuses == ["cancelled", "rescheduled"]
    assert seats(db, slot_id(first)) == seats(db, slot_id(new)) == 0
