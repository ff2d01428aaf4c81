"""Booking behaviour on SQLite and PostgreSQL, and the race for seats on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Booking, IntakeSlot, Lead, OutboxMessage, StaffMember
from bot.db.repositories.leads import create_lead
from bot.intake import booking as service
from bot.outbox import Notices
from tests.support.notices import NOTICES


def make_slots(session: Session, count: int, *, capacity: int = 1) -> list[int]:
    staff = StaffMember(name="Sanne")
    session.add(staff)
    session.flush()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    slots = [
        IntakeSlot(
            staff_id=staff.id,
            starts_at=start + timedelta(hours=i),
            ends_at=start + timedelta(hours=i, minutes=30),
            mode="online",
            capacity=capacity,
        )
        for i in range(count)
    ]
    session.add_all(slots)
    session.flush()
    return [s.id for s in slots]


def make_lead(session: Session, user: str) -> Lead:
    return create_lead(session, channel="webchat", channel_user_id=user, consent_version="v1")


def outbox_kinds(session: Session, booking_id: int) -> dict[str, str]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.booking_id == booking_id))
    return {m.kind: m.status for m in rows}


def test_booking_takes_the_seat_and_schedules_messages(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        (slot_id,) = make_slots(session, 1)
        lead = make_lead(session, "a")
        booking = service.book(session, lead=lead, slot_id=slot_id, notices=NOTICES)
        assert session.get_one(IntakeSlot, slot_id).booked == 1
        assert lead.status == "booked"
        assert [c.status for c in lead.status_history] == ["new", "booked"]
        assert outbox_kinds(session, booking.id) == {
            "booked_confirmation": "pending",
            "reminder_24h": "pending",
            "reminder_2h": "pending",
            "staff_booked": "pending",
        }
        reminder = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "reminder_2h")
        ).one()
        assert reminder.due_at == booking.slot.starts_at - timedelta(hours=2)


def test_staff_are_told_on_every_configured_channel(  # type: ignore[no-untyped-def]
    sessions: sessionmaker[Session], make_settings
) -> None:
    settings = make_settings(
        telegram_bot_token="1:x", telegram_mode="polling", staff_telegram_chat_id=-100,
        smtp_host="127.0.0.1", staff_emails=["intake@school.nl"],
    )  # fmt: skip
    with sessions.begin() as session:
        (slot,) = make_slots(session, 1)
        booking = service.book(
            session, lead=make_lead(session, "staffcheck"), slot_id=slot,
            notices=Notices.from_settings(settings),
        )  # fmt: skip
        notices = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.booking_id == booking.id, OutboxMessage.audience == "staff"
            )
        ).all()
    assert sorted(m.channel for m in notices) == ["staff", "staff_email", "staff_telegram"]
    assert len({m.payload["text"] for m in notices}) == 1
    assert {m.kind for m in notices} == {"staff_booked"}
    lead_link = f"Dashboard: {settings.base_url}/dashboard/leads/{booking.lead_id}"
    assert lead_link in notices[0].payload["text"]


def test_a_cancellation_by_staff_tells_the_prospect(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        (slot,) = make_slots(session, 1)
        lead = make_lead(session, "told")
        booking = service.book(session, lead=lead, slot_id=slot, notices=NOTICES)
        service.cancel(session, lead=lead, reason="by staff", notify_prospect=True, notices=NOTICES)
        kinds = outbox_kinds(session, booking.id)
    assert kinds["cancelled_confirmation"] == "pending"
    assert kinds["reminder_24h"] == "cancelled"


def test_double_submit_gives_one_booking(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        (slot_id,) = make_slots(session, 1)
        lead = make_lead(session, "a")
        first = service.book(session, lead=lead, slot_id=slot_id, notices=NOTICES)
        second = service.book(session, lead=lead, slot_id=slot_id, notices=NOTICES)
        assert first.id == second.id
        assert session.scalar(select(func.count(Booking.id))) == 1


def test_a_full_slot_and_a_second_booking_are_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first_slot, second_slot = make_slots(session, 2)
        anna, bram = make_lead(session, "anna"), make_lead(session, "bram")
        service.book(session, lead=anna, slot_id=first_slot, notices=NOTICES)
        with pytest.raises(service.SlotTakenError):
            service.book(session, lead=bram, slot_id=first_slot, notices=NOTICES)
        with pytest.raises(service.AlreadyBookedError):
            service.book(session, lead=anna, slot_id=second_slot, notices=NOTICES)


def test_cancel_frees_the_seat_and_stops_reminders(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        (slot_id,) = make_slots(session, 1)
        lead = make_lead(session, "a")
        booking = service.book(session, lead=lead, slot_id=slot_id, notices=NOTICES)
        service.cancel(session, lead=lead, notices=NOTICES)
        assert session.get_one(IntakeSlot, slot_id).booked == 0
        kinds = outbox_kinds(session, booking.id)
        assert kinds["reminder_24h"] == kinds["reminder_2h"] == "cancelled"
        assert kinds["staff_cancelled"] == "pending"
        assert [e.status for e in booking.events] == ["booked", "cancelled"]
        with pytest.raises(service.NoActiveBookingError):
            service.cancel(session, lead=lead, notices=NOTICES)
        again = service.book(
            session, lead=lead, slot_id=slot_id, notices=NOTICES
        )  # the seat is free again
        assert again.id != booking.id


def test_reschedule_moves_the_booking_and_its_reminders(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        old_slot, new_slot = make_slots(session, 2)
        lead = make_lead(session, "a")
        old = service.book(session, lead=lead, slot_id=old_slot, notices=NOTICES)
        new = service.reschedule(session, lead=lead, new_slot_id=new_slot, notices=NOTICES)
        assert (old.status, new.status) == ("rescheduled", "active")
        assert session.get_one(IntakeSlot, old_slot).booked == 0
        assert session.get_one(IntakeSlot, new_slot).booked == 1
        assert outbox_kinds(session, old.id)["reminder_2h"] == "cancelled"
        assert outbox_kinds(session, new.id)["reminder_2h"] == "pending"
        assert outbox_kinds(session, new.id)["staff_rescheduled"] == "pending"


def test_reschedule_to_a_taken_slot_keeps_the_old_booking(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        mine, theirs = make_slots(session, 2)
        lead, other = make_lead(session, "a"), make_lead(session, "b")
        booking = service.book(session, lead=lead, slot_id=mine, notices=NOTICES)
        service.book(session, lead=other, slot_id=theirs, notices=NOTICES)
    with sessions.begin() as session:
        lead = session.get_one(Lead, booking.lead_id)
        with pytest.raises(service.SlotTakenError):
            service.reschedule(session, lead=lead, new_slot_id=theirs, notices=NOTICES)
    with sessions.begin() as session:
        assert session.get_one(Booking, booking.id).status == "active"
        assert session.get_one(IntakeSlot, mine).booked == 1


def _race(sessions: sessionmaker[Session], jobs: list[tuple[int, int]]) -> list[str]:
    """Run book(lead, slot) for every job at once, each in its own transaction."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def attempt(lead_id: int, slot_id: int) -> None:
        barrier.wait()
        try:
            with sessions.begin() as session:
                service.book(
                    session, lead=session.get_one(Lead, lead_id), slot_id=slot_id, notices=NOTICES
                )
            outcomes.append("booked")
        except service.SlotTakenError:
            outcomes.append("taken")
        except service.AlreadyBookedError:
            outcomes.append("already")

    threads = [threading.Thread(target=attempt, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
def test_fifty_prospects_racing_for_five_seats(postgres_url: str) -> None:
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    engine.pool.dispose()
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        slots = make_slots(session, 5)
        leads = [make_lead(session, f"p{i}").id for i in range(50)]
    outcomes = _race(sessions, [(lead, slots[i % 5]) for i, lead in enumerate(leads)])
    with sessions.begin() as session:
        booked = session.scalars(select(Booking)).all()
        seats = [session.get_one(IntakeSlot, s).booked for s in slots]
    engine.dispose()
    print(
        f"\n50 prospects, 5 seats: {outcomes.count('booked')} booked, "
        f"{outcomes.count('taken')} told 'taken'"
    )
    assert sorted(outcomes) == ["booked"] * 5 + ["taken"] * 45
    assert len(booked) == 5
    assert len({b.slot_id for b in booked}) == 5
    assert seats == [1] * 5


@pytest.mark.postgres
def test_one_prospect_submitting_twice_at_once_gets_one_booking(postgres_url: str) -> None:
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        slots = make_slots(session, 2, capacity=5)
        lead = make_lead(session, "eager").id
    outcomes = _race(sessions, [(lead, slots[0]), (lead, slots[0]), (lead, slots[1])])
    with sessions.begin() as session:
        active = session.scalars(select(Booking).where(Booking.status == "active")).all()
        seats = sum(session.get_one(IntakeSlot, s).booked for s in slots)
    engine.dispose()
    assert len(active) == 1
    assert seats == 1
    assert "booked" in outcomes
