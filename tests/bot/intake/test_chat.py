"""The booking conversation's domain logic: offering slots, reading a choice, storing the lead."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from actions.booking_form import ValidateBookingForm
from bot.db.models import IntakeSlot, Lead, StaffMember, utcnow
from bot.db.repositories.conversations import get_or_create_conversation, record_inbound
from bot.db.repositories.leads import find_lead
from bot.intake import booking as bookings
from bot.intake import chat
from bot.intake.chat import BookingState, Prospect, SlotOption
from tests.support.actions import wired
from tests.support.notices import NOTICES

NOW = datetime(2030, 1, 8, 8, 0, tzinfo=UTC)  # Tuesday 8 January 2030, 09:00 in Amsterdam (CET)
WEBCHAT = Prospect("webchat", "f1")
NOBODY_YET = BookingState(has_lead=False, has_name=False, has_contact=False, booked_at=None)


def add_slot(session: Session, starts_at: datetime, **fields: object) -> int:
    """A 30-minute slot (online, one seat unless `fields` say otherwise); its id."""
    staff = session.scalar(select(StaffMember)) or StaffMember(name="Sanne")
    session.add(staff)
    session.flush()
    slot = IntakeSlot(
        staff_id=staff.id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30),
        **{"mode": "online", "capacity": 1, **fields},
    )  # fmt: skip
    session.add(slot)
    session.flush()
    return slot.id


def ahead(hours: int) -> datetime:
    """A start a few days after the wall clock (booking takes a seat relative to it)."""
    return utcnow().replace(microsecond=0) + timedelta(days=3, hours=hours)


def lead_of(sessions: sessionmaker[Session], prospect: Prospect = WEBCHAT) -> Lead:
    with sessions() as session:
        lead = find_lead(
            session, channel=prospect.channel, channel_user_id=prospect.channel_user_id
        )
        assert lead is not None
        return lead


def book(sessions: sessionmaker[Session], slot_id: int, **fields: Any) -> tuple[SlotOption, str]:
    fields = {"name": None, "contact": None, "language": "nl", "reschedule": False, **fields}
    return chat.book(sessions, WEBCHAT, slot_id=slot_id, notices=NOTICES, **fields)


@pytest.mark.parametrize(
    ("sender_id", "channel", "user"),
    [("webchat:abc", "webchat", "abc"), ("telegram:4711", "telegram", "4711"),
     ("whatsapp:+31612345678", "whatsapp", "+31612345678"), ("abc", "webchat", "abc"),
     ("webchat:a:b", "webchat", "a:b")],
)  # fmt: skip
def test_the_sender_id_names_channel_and_user(sender_id: str, channel: str, user: str) -> None:
    assert Prospect.from_sender_id(sender_id) == Prospect(channel, user)


@pytest.mark.parametrize(
    ("starts_at", "mode", "language", "label"),
    [(datetime(2030, 1, 8, 9, 30, tzinfo=UTC), "online", "nl", "di 8 jan 10:30 💻"),
     (datetime(2030, 1, 8, 9, 30, tzinfo=UTC), "online", "en", "Tue 8 Jan 10:30 💻"),
     (datetime(2030, 1, 7, 23, 30, tzinfo=UTC), "location", "nl", "di 8 jan 00:30 📍"),
     (datetime(2030, 5, 1, 8, 0, tzinfo=UTC), "location", "nl", "wo 1 mei 10:00 📍"),  # CEST
     (datetime(2030, 5, 1, 8, 0, tzinfo=UTC), "online", "en", "Wed 1 May 10:00 💻"),
     (datetime(2030, 10, 1, 7, 5, tzinfo=UTC), "online", "de", "di 1 okt 09:05 💻")],
)  # fmt: skip
def test_slot_labels_show_the_amsterdam_day_and_time(
    starts_at: datetime, mode: str, language: str, label: str
) -> None:
    assert chat.slot_label(starts_at, mode, language) == label


@pytest.mark.parametrize(
    ("mode", "location", "language", "text"),
    [("online", None, "nl", "di 8 jan 10:30 (online, videobellen)"),
     ("online", None, "en", "Tue 8 Jan 10:30 (online)"),
     ("location", "Stationsplein 1, Utrecht", "nl", "di 8 jan 10:30 (Stationsplein 1, Utrecht)"),
     ("location", None, "nl", "di 8 jan 10:30 (op locatie)"),
     ("location", None, "en", "Tue 8 Jan 10:30 (on location)")],
)  # fmt: skip
def test_when_text_says_how(mode: str, location: str | None, language: str, text: str) -> None:
    starts_at = datetime(2030, 1, 8, 9, 30, tzinfo=UTC)
    assert chat.when_text(starts_at, mode, location, language) == text


def test_offer_pages_through_bookable_slots_earliest_first(sessions: sessionmaker[Session]) -> None:
    def at(hour: int, minute: int = 0) -> datetime:
        return NOW.replace(hour=hour, minute=minute)

    with sessions.begin() as session:  # added out of order: ids do not follow the times
        late = add_slot(session, at(15))
        shared = add_slot(session, at(14), capacity=2, booked=1)  # one seat left
        on_site = add_slot(session, at(12), mode="location", location="Utrecht")
        add_slot(session, at(7))  # past
        soon = add_slot(session, at(9, 30))  # in 90 minutes: too soon
        edge = add_slot(session, at(10))  # exactly two hours ahead
        add_slot(session, at(11), booked=1)  # full
        add_slot(session, at(11, 30), cancelled=True)
        online = add_slot(session, at(13))

    def ids(mode: str | None, page: int, now: datetime = NOW) -> list[int]:
        return [o.slot_id for o in chat.offer(sessions, mode=mode, page=page, now=now)]

    assert ids("any", 0) == ids(None, 0) == [edge, on_site, online]
    assert ids("any", 1) == [shared, late]
    assert ids("any", 2) == []
    assert ids("online", 0) == [edge, online, shared]
    assert ids("online", 1) == [late]
    assert ids("location", 0) == [on_site]
    assert ids("any", 0, now=NOW - timedelta(hours=1)) == [soon, edge, on_site]
    (offered,) = chat.offer(sessions, mode="location", page=0, now=NOW)
    assert offered == SlotOption(on_site, at(12), "location", "Utrecht")


def test_a_typed_time_picks_the_offered_slot_at_it(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        early = add_slot(session, datetime(2030, 1, 8, 8, 0, tzinfo=UTC))  # 09:00 CET
        winter = add_slot(session, datetime(2030, 1, 8, 9, 30, tzinfo=UTC))  # 10:30 CET
        later = add_slot(session, datetime(2030, 1, 8, 10, 30, tzinfo=UTC))  # 11:30 CET
        summer = add_slot(session, datetime(2030, 7, 2, 8, 30, tzinfo=UTC))  # 10:30 CEST

    def typed(offered: Sequence[int | str], hour: str, minute: str) -> int | None:
        return chat.find_offered(sessions, [str(i) for i in offered], (hour, minute))

    page = [early, winter, later]
    assert typed(page, "10", "30") == winter
    assert typed(page, "11", "30") == later
    assert typed(page, "9", "00") == typed(page, "09", "00") == early
    assert typed(page, "9", "30") is None  # 09:30 is the UTC time of the 10:30 slot
    assert typed(page, "10", "00") is None
    assert typed([summer], "10", "30") == summer
    assert typed([summer], "8", "30") is None
    assert typed([winter, summer], "10", "30") is None  # two offered slots at 10:30
    assert typed([later], "10", "30") is None  # a 10:30 slot exists but was not offered
    assert typed(["more", "99999", later], "11", "30") == later


TYPED_CHOICES = [
    ("2", 1), ("de tweede graag", 1), ("the second one", 1), ("nummer 3", 2), ("first please", 0),
    ("doe maar de laatste", 2), ("the last one", 2), ("om 14:00", 1), ("at 15.00", 2),
    ("morgen?", None), ("4", None), ("14:30", None), ("tomorrow at 9", None),
]  # fmt: skip


async def test_a_typed_choice_picks_from_the_offered_page(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        slots = [add_slot(session, NOW.replace(hour=hour)) for hour in (12, 13, 14)]  # 13:00 CET..
    offered = [str(o.slot_id) for o in chat.offer(sessions, mode="any", page=0, now=NOW)]
    assert offered == [str(s) for s in slots]
    form = ValidateBookingForm(deps=wired(sessions))
    values = {"requested_slot": "slot_id", "offered_slots": offered, "language": "nl"}
    for text, position in TYPED_CHOICES:
        latest = {"text": text, "intent": {"name": "inform", "confidence": 0.9}, "entities": []}
        tracker = Tracker("webchat:f1", values, latest, [], False, None, {}, "action_listen")
        picked = await form.extract_slot_id(CollectingDispatcher(), tracker, {})
        assert picked == {"slot_id": None if position is None else offered[position]}, text


def test_only_future_slots_with_a_free_seat_are_free(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        free = add_slot(session, ahead(0))
        shared = add_slot(session, ahead(1), capacity=2, booked=1)
        full = add_slot(session, ahead(2), booked=1)
        cancelled = add_slot(session, ahead(3), cancelled=True)
        past = add_slot(session, datetime(2020, 1, 7, 9, 30, tzinfo=UTC))
    assert chat.is_free(sessions, free)
    assert chat.is_free(sessions, shared)  # one of two seats left
    for slot_id in (full, cancelled, past, free + 1000):
        assert not chat.is_free(sessions, slot_id), slot_id


@pytest.mark.parametrize(
    ("typed", "name"),
    [("  Fatima   el\tAmrani ", "Fatima el Amrani"), ("J. de Wit", "J. de Wit"),
     ("Zoë O'Neill-de Vries", "Zoë O'Neill-de Vries"), ("Jo", "Jo"),
     ("A" * 80, "A" * 80), ("A" * 81, None), ("J", None), ("12", None), ("", None),
     ("   ", None), ("-Anna", None), ("Anna!", None), ("<b>Anna</b>", None)],
)  # fmt: skip
def test_names_are_tidied_and_nonsense_refused(typed: str, name: str | None) -> None:
    assert chat.clean_name(typed) == name


@pytest.mark.parametrize("typed", ["Van \u2019t Hof", "Sin\u00e9ad O\u2019Brien"])
def test_a_name_with_a_typographic_apostrophe_is_a_name(typed: str) -> None:
    assert chat.clean_name(typed) is not None


@pytest.mark.parametrize(
    ("typed", "contact"),
    [(" Fatima@Example.NL ", ("fatima@example.nl", None)), ("06 12345678", (None, "+31612345678")),
     ("020-1234567", (None, "+31201234567")), ("+32 470 12 34 56", (None, "+32470123456")),
     ("fatima@example", None), ("fatima@", None), ("06 1234", None), ("12345", None),
     ("weet ik niet", None), ("", None)],
)  # fmt: skip
def test_contacts_become_a_lowercase_address_or_an_e164_number(
    typed: str, contact: tuple[str | None, str | None] | None
) -> None:
    assert chat.clean_contact(typed) == contact


def test_consent_stores_the_lead_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        conversation = get_or_create_conversation(session, channel="webchat", channel_user_id="f1")
        record_inbound(session, conversation=conversation, campaign="open-dag")
    assert chat.state(sessions, WEBCHAT) == NOBODY_YET
    chat.record_consent(sessions, WEBCHAT, language="en")
    first = lead_of(sessions)
    assert (first.consent_version, first.language, first.campaign) == (
        chat.CONSENT_VERSION, "en", "open-dag",
    )  # fmt: skip
    assert (first.email, first.phone_e164, first.display_name) == (None, None, None)
    assert chat.state(sessions, WEBCHAT) == BookingState(True, False, False, None)
    chat.record_consent(sessions, WEBCHAT, language="nl")  # asked again: nothing changes
    again = lead_of(sessions)
    assert (again.id, again.language, again.consent_at) == (first.id, "en", first.consent_at)
    with sessions() as session:
        assert session.scalar(select(func.count(Lead.id))) == 1
    assert chat.state(sessions, Prospect("telegram", "f1")) == NOBODY_YET  # another channel


def test_consent_on_whatsapp_keeps_the_number(sessions: sessionmaker[Session]) -> None:
    prospect = Prospect.from_sender_id("whatsapp:+31612345678")
    chat.record_consent(sessions, prospect, language="nl")
    assert lead_of(sessions, prospect).phone_e164 == "+31612345678"
    assert chat.state(sessions, prospect) == BookingState(True, False, True, None)


def test_answers_are_stored_only_after_consent(sessions: sessionmaker[Session]) -> None:
    assessment = {"answers": {"experience": "none"}, "fit": "good", "tracks": ["data"]}
    assert not chat.save_answers(sessions, WEBCHAT, assessment=assessment, needs=["laptop"])
    with sessions() as session:
        assert session.scalar(select(func.count(Lead.id))) == 0
    chat.record_consent(sessions, WEBCHAT, language="nl")
    assert chat.save_answers(sessions, WEBCHAT, assessment=assessment)
    assert chat.save_answers(sessions, WEBCHAT, needs=["laptop", "childcare"])
    lead = lead_of(sessions)
    assert lead.assessment_answers == {"experience": "none"}
    assert lead.assessment_result == {"fit": "good", "tracks": ["data"]}  # kept by the needs
    assert lead.support_needs == ["laptop", "childcare"]
    assert lead.status == "assessed"
    assert chat.save_answers(sessions, WEBCHAT, needs=[])  # asked again: nothing needed now
    assert lead_of(sessions).support_needs == []


def test_booking_needs_consent_and_stores_who_to_reach(sessions: sessionmaker[Session]) -> None:
    starts_at = ahead(0)
    with sessions.begin() as session:
        slot = add_slot(session, starts_at)
    with pytest.raises(bookings.BookingError):
        book(sessions, slot, name="Fatima", contact="fatima@example.nl")
    assert chat.is_free(sessions, slot)  # the refused booking took no seat
    chat.record_consent(sessions, WEBCHAT, language="nl")
    option, name = book(sessions, slot, name="Fatima el Amrani", contact=" Fatima@Example.NL ",
                        language="en")  # fmt: skip
    assert (option, name) == (SlotOption(slot, starts_at, "online", None), "Fatima el Amrani")
    lead = lead_of(sessions)
    assert (lead.email, lead.phone_e164, lead.language) == ("fatima@example.nl", None, "en")
    assert chat.state(sessions, WEBCHAT) == BookingState(True, True, True, starts_at)
    assert chat.current_booking(sessions, WEBCHAT) == option
    assert not chat.is_free(sessions, slot)


def test_moving_the_intake_keeps_what_was_stored(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first, second = add_slot(session, ahead(0)), add_slot(session, ahead(1))
    chat.record_consent(sessions, WEBCHAT, language="nl")
    book(sessions, first, name="Sam", contact="06 12345678")
    with pytest.raises(bookings.AlreadyBookedError):
        book(sessions, second)
    option, name = book(sessions, second, contact="sam@example.nl", reschedule=True)
    assert (option.slot_id, name) == (second, "Sam")
    assert chat.is_free(sessions, first)  # the old seat is given back
    assert not chat.is_free(sessions, second)
    assert chat.state(sessions, WEBCHAT).booked_at == option.starts_at
    assert (lead_of(sessions).email, lead_of(sessions).phone_e164) == (
        "sam@example.nl", "+31612345678",
    )  # fmt: skip
    book(sessions, second, contact="020-1234567", reschedule=True)  # the same slot again
    book(sessions, second, contact="weet ik niet", reschedule=True)  # not a contact: ignored
    lead = lead_of(sessions)
    assert (lead.display_name, lead.email, lead.phone_e164) == (
        "Sam", "sam@example.nl", "+31201234567",
    )  # fmt: skip


def test_cancel_only_when_there_is_an_intake(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        slot = add_slot(session, ahead(0))
    assert not chat.cancel(sessions, WEBCHAT, notices=NOTICES)  # no lead
    chat.record_consent(sessions, WEBCHAT, language="nl")
    assert not chat.cancel(sessions, WEBCHAT, notices=NOTICES)  # no booking
    book(sessions, slot)
    assert chat.cancel(sessions, WEBCHAT, notices=NOTICES)
    assert chat.current_booking(sessions, WEBCHAT) is None
    assert chat.state(sessions, WEBCHAT).booked_at is None
    assert chat.is_free(sessions, slot)
    assert not chat.cancel(sessions, WEBCHAT, notices=NOTICES)
