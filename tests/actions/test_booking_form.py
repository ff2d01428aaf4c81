from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.booking_form import ActionAskFullName, ActionAskSlotId, ValidateBookingForm
from bot.db.models import IntakeSlot, Lead, StaffMember
from bot.db.repositories.leads import create_lead, find_lead
from bot.intake import booking as bookings
from tests.support.actions import run, wired
from tests.support.notices import NOTICES

FORM_SLOTS = ["consent", "intake_mode", "slot_id", "full_name", "contact"]
# Tuesday 8 January 2030 in Amsterdam (CET, UTC+1): 10:30, 11:30, 12:30, ...
FIRST = datetime(2030, 1, 8, 9, 30, tzinfo=UTC)
BAD_CONTACT = (
    "Dat is geen geldig e-mailadres of telefoonnummer. Probeer het nog eens, "
    "bijvoorbeeld naam@voorbeeld.nl of 06 12345678."
)


def tracker(
    text: str = "",
    *,
    sender: str = "webchat:f1",
    intent: str = "inform",
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    values = {"language": "nl", **(slots or {})}
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}]
    return Tracker(sender, values, latest, events, False, None, {}, "action_listen")


def make_slots(
    session: Session, count: int, *, start: datetime = FIRST, mode: str = "online"
) -> list[int]:
    """Single-seat slots an hour apart."""
    staff = session.scalar(select(StaffMember)) or StaffMember(name="Sanne")
    session.add(staff)
    session.flush()
    slots = [
        IntakeSlot(
            staff_id=staff.id,
            starts_at=start + timedelta(hours=i),
            ends_at=start + timedelta(hours=i, minutes=30),
            mode=mode,
            location="Amsterdam" if mode == "location" else None,
            capacity=1,
        )
        for i in range(count)
    ]
    session.add_all(slots)
    session.flush()
    return [s.id for s in slots]


def make_lead(session: Session, user: str = "f1", *, channel: str = "webchat") -> Lead:
    return create_lead(session, channel=channel, channel_user_id=user, consent_version="v1")


async def test_a_full_slot_is_refused_and_a_free_one_accepted(
    database: sessionmaker[Session],
) -> None:
    with database.begin() as session:
        full, free = make_slots(session, 2)
        bookings.book(session, lead=make_lead(session, "other"), slot_id=full, notices=NOTICES)
    form, slots = ValidateBookingForm(deps=wired(database)), {"slot_page": 2}
    dispatcher = CollectingDispatcher()
    assert {"slot_id": None, "slot_page": 0} == await form.validate_slot_id(
        str(full), dispatcher, tracker(slots=slots), {}
    )
    assert [m["text"] for m in dispatcher.messages] == [
        "Oei, die tijd is net door iemand anders gekozen. Sorry! Hier zijn andere tijden."
    ]
    dispatcher = CollectingDispatcher()
    assert {"slot_id": str(free)} == await form.validate_slot_id(
        str(free), dispatcher, tracker(slots=slots), {}
    )
    assert dispatcher.messages == []


async def test_a_past_slot_is_refused_and_more_pages_on(database: sessionmaker[Session]) -> None:
    with database.begin() as session:
        (past,) = make_slots(session, 1, start=datetime(2020, 1, 7, 9, 30, tzinfo=UTC))
    form, dispatcher = ValidateBookingForm(deps=wired(database)), CollectingDispatcher()
    slots = {"slot_page": 1}
    assert {"slot_id": None, "slot_page": 0} == await form.validate_slot_id(
        str(past), dispatcher, tracker(slots=slots), {}
    )
    assert dispatcher.messages[0]["text"].startswith("Oei, die tijd is net door iemand anders")
    assert {"slot_id": None, "slot_page": 2} == await form.validate_slot_id(
        "more", CollectingDispatcher(), tracker(slots=slots), {}
    )


@pytest.mark.parametrize("typed", ["weet ik niet", "fatima@", "12345", "06 1234"])
async def test_nonsense_is_not_taken_as_contact(typed: str) -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateBookingForm().validate_contact(typed, dispatcher, tracker(typed), {})
    assert {"contact": None} == result
    assert [m["text"] for m in dispatcher.messages] == [BAD_CONTACT]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (" fatima@example.nl ", "fatima@example.nl"),
        ("06 12345678", "06 12345678"),
        ("+31 20 123 4567", "+31 20 123 4567"),
    ],
)
async def test_an_email_address_or_dutch_phone_number_is_accepted(typed: str, kept: str) -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateBookingForm().validate_contact(typed, dispatcher, tracker(typed), {})
    assert {"contact": kept} == result
    assert dispatcher.messages == []


async def test_a_contact_typed_while_asked_is_taken_whatever_nlu_thought() -> None:
    form, asked = ValidateBookingForm(), {"requested_slot": "contact"}
    typed = tracker("06-12345678", intent="ask_track_jobs", slots=asked)
    assert {"contact": "06-12345678"} == await form.extract_contact(
        CollectingDispatcher(), typed, {}
    )
    assert {} == await form.extract_contact(
        CollectingDispatcher(), tracker("geen idee", slots=asked), {}
    )


async def test_required_slots_ask_everything_of_a_newcomer(
    database: sessionmaker[Session],
) -> None:
    form = ValidateBookingForm(deps=wired(database))
    assert FORM_SLOTS == await form.required_slots(
        FORM_SLOTS, CollectingDispatcher(), tracker(), {}
    )


async def test_required_slots_skip_consent_when_it_is_stored(
    database: sessionmaker[Session],
) -> None:
    with database.begin() as session:
        make_lead(session)
    form = ValidateBookingForm(deps=wired(database))
    assert ["intake_mode", "slot_id", "full_name", "contact"] == await form.required_slots(
        FORM_SLOTS, CollectingDispatcher(), tracker(), {}
    )


async def test_required_slots_skip_what_the_channel_and_the_lead_give(
    database: sessionmaker[Session],
) -> None:
    with database.begin() as session:
        make_lead(session, "4711", channel="telegram").display_name = "Sam"
    form = ValidateBookingForm(deps=wired(database))
    assert ["intake_mode", "slot_id"] == await form.required_slots(
        FORM_SLOTS, CollectingDispatcher(), tracker(sender="telegram:4711"), {}
    )


async def test_required_slots_are_none_when_booking_is_not_possible(
    database: sessionmaker[Session],
) -> None:
    form = ValidateBookingForm(deps=wired(database))
    refused = tracker(slots={"consent": False})
    assert [] == await form.required_slots(FORM_SLOTS, CollectingDispatcher(), refused, {})
    nothing_to_move = tracker(slots={"rescheduling": True})
    assert [] == await form.required_slots(FORM_SLOTS, CollectingDispatcher(), nothing_to_move, {})
    with database.begin() as session:
        (slot,) = make_slots(session, 1)
        bookings.book(session, lead=make_lead(session), slot_id=slot, notices=NOTICES)
    assert [] == await form.required_slots(FORM_SLOTS, CollectingDispatcher(), tracker(), {})
    moving = tracker(slots={"rescheduling": True})
    assert ["intake_mode", "slot_id", "full_name", "contact"] == await form.required_slots(
        FORM_SLOTS, CollectingDispatcher(), moving, {}
    )


async def test_yes_to_consent_stores_the_lead_and_no_stores_nothing(
    database: sessionmaker[Session],
) -> None:
    form = ValidateBookingForm(deps=wired(database))
    assert {"consent": False} == await form.validate_consent(
        False, CollectingDispatcher(), tracker(sender="webchat:no"), {}
    )
    assert {"consent": True} == await form.validate_consent(
        True, CollectingDispatcher(), tracker(sender="webchat:yes", slots={"language": "en"}), {}
    )
    with database() as session:
        assert find_lead(session, channel="webchat", channel_user_id="no") is None
        lead = find_lead(session, channel="webchat", channel_user_id="yes")
        assert lead is not None
        assert lead.language == "en"


async def test_ask_slot_id_offers_free_slots_as_buttons(database: sessionmaker[Session]) -> None:
    with database.begin() as session:
        taken, *free = make_slots(session, 5)
        bookings.book(session, lead=make_lead(session, "other"), slot_id=taken, notices=NOTICES)
    events, said = await run(
        ActionAskSlotId(deps=wired(database)), tracker(slots={"intake_mode": "any"})
    )
    assert [SlotSet("offered_slots", free[:3]), SlotSet("slot_page", 0)] == events
    (offer,) = said
    assert offer["text"] == "Dit zijn de eerste vrije tijden. Kies er een:"
    assert offer["buttons"] == [
        {"title": "di 8 jan 11:30 💻", "payload": f'/choose_slot{{"slot_id": "{free[0]}"}}'},
        {"title": "di 8 jan 12:30 💻", "payload": f'/choose_slot{{"slot_id": "{free[1]}"}}'},
        {"title": "di 8 jan 13:30 💻", "payload": f'/choose_slot{{"slot_id": "{free[2]}"}}'},
        {"title": "Andere tijden", "payload": "/more_slots"},
    ]

    events, said = await run(
        ActionAskSlotId(deps=wired(database)),
        tracker(slots={"intake_mode": "any", "slot_page": 1, "language": "en"}),
    )
    assert [SlotSet("offered_slots", free[3:]), SlotSet("slot_page", 1)] == events
    assert [b["title"] for b in said[0]["buttons"]] == ["Tue 8 Jan 14:30 💻", "Other times"]


async def test_ask_slot_id_filters_on_mode_and_starts_over_after_the_last_page(
    database: sessionmaker[Session],
) -> None:
    with database.begin() as session:
        make_slots(session, 2)
        (on_site,) = make_slots(session, 1, start=FIRST + timedelta(days=1), mode="location")
    events, said = await run(
        ActionAskSlotId(deps=wired(database)),
        tracker(slots={"intake_mode": "location", "slot_page": 3}),
    )
    assert [SlotSet("offered_slots", [on_site]), SlotSet("slot_page", 0)] == events
    assert [m["text"] for m in said] == [
        "Verder zijn er nu geen vrije tijden. Kies een van de tijden hierboven, "
        "of vraag om een medewerker.",
        "Dit zijn de eerste vrije tijden. Kies er een:",
    ]
    assert said[1]["buttons"][0]["title"] == "wo 9 jan 10:30 📍"


async def test_ask_slot_id_ends_the_form_when_nothing_is_free(
    database: sessionmaker[Session],
) -> None:
    events, said = await run(ActionAskSlotId(deps=wired(database)), tracker())
    assert [SlotSet("requested_slot", None), ActiveLoop(None)] == events
    assert said[0]["text"] == (
        "Sorry, er zijn op dit moment geen vrije tijden. Probeer het later nog eens, "
        "of vraag om een medewerker."
    )
    assert said[1]["response"] == "utter_anything_else"


async def test_a_typed_choice_picks_an_offered_slot(database: sessionmaker[Session]) -> None:
    with database.begin() as session:
        offered = [str(i) for i in make_slots(session, 3)]
    form = ValidateBookingForm(deps=wired(database))
    slots = {"requested_slot": "slot_id", "offered_slots": offered}

    async def typed(text: str, dispatcher: CollectingDispatcher | None = None) -> dict[str, Any]:
        return await form.extract_slot_id(
            dispatcher or CollectingDispatcher(), tracker(text, slots=slots), {}
        )

    assert {"slot_id": offered[1]} == await typed("de tweede graag")
    assert {"slot_id": offered[2]} == await typed("3")
    assert {"slot_id": offered[2]} == await typed("doe maar de laatste")
    assert {"slot_id": offered[1]} == await typed("om 11:30")
    dispatcher = CollectingDispatcher()
    assert {"slot_id": None} == await typed("morgen?", dispatcher)
    assert [m["text"] for m in dispatcher.messages] == [
        "Kies een tijd met de knoppen, of vraag om andere tijden."
    ]


async def test_the_channel_name_is_suggested_as_a_button() -> None:
    _, said = await run(ActionAskFullName(), tracker(metadata={"name_hint": " Fatima  "}))
    assert [(m["text"], m["buttons"]) for m in said] == [
        (
            "Wat is je naam? Is het Fatima? Kies dan de knop. Of typ je volledige naam.",
            [{"title": "Fatima", "payload": "Fatima"}],
        )
    ]
    _, said = await run(ActionAskFullName(), tracker(metadata={"name_hint": "🙂"}))
    assert [(m["text"], m["buttons"]) for m in said] == [("Wat is je naam?", [])]


async def test_a_name_must_look_like_one() -> None:
    dispatcher = CollectingDispatcher()
    form = ValidateBookingForm()
    assert {"full_name": "Fatima el Amrani"} == await form.validate_full_name(
        "  Fatima   el Amrani ", dispatcher, tracker(), {}
    )
    assert {"full_name": None} == await form.validate_full_name("12", dispatcher, tracker(), {})
    assert [m["text"] for m in dispatcher.messages] == [
        "Dat lijkt me geen naam. Hoe mag ik je noemen? (2 tot 80 letters)"
    ]
