from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Availability, AvailabilityException, IntakeSlot, StaffMember, utcnow
from bot.db.repositories import availability as repo


def test_windows_and_days_off_are_deleted_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        staff = StaffMember(name="Anna")
        session.add(staff)
        session.flush()
        window = Availability(
            staff_id=staff.id, weekday=0, start_time=time(9), end_time=time(12), mode="online"
        )
        days_off = AvailabilityException(first_day=date(2026, 12, 24), last_day=date(2026, 12, 26))
        session.add_all([window, days_off])
        session.flush()
        window_id, days_off_id = window.id, days_off.id
    with sessions.begin() as session:
        assert repo.delete_window(session, window_id=window_id)
        assert repo.delete_days_off(session, exception_id=days_off_id)
    with sessions.begin() as session:
        assert session.get(Availability, window_id) is None
        assert session.get(AvailabilityException, days_off_id) is None
        assert not repo.delete_window(session, window_id=window_id)
        assert not repo.delete_days_off(session, exception_id=days_off_id)


def test_slots_starting_between_by_time_then_staff(sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    with sessions.begin() as session:
        anna, bert = StaffMember(name="Anna"), StaffMember(name="Bert")
        session.add_all([anna, bert])
        session.flush()

        def slot(staff: StaffMember, hours: int, **fields: object) -> IntakeSlot:
            starts = now + timedelta(hours=hours)
            made = IntakeSlot(
                staff_id=staff.id, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                mode="online", **fields,
            )  # fmt: skip
            session.add(made)
            return made

        later = slot(anna, 5, booked=1, capacity=1)  # full ones count
        bert_first = slot(bert, 2)
        anna_first = slot(anna, 2, cancelled=True)  # cancelled ones count
        slot(anna, -1)  # before the start
        slot(anna, 24)  # at the end: excluded
        session.flush()
        assert anna.id < bert.id  # same start: Anna's slot comes first
        expected = [anna_first.id, bert_first.id, later.id]
    with sessions() as session:
        found = repo.slots_starting_between(session, start=now, end=now + timedelta(hours=24))
        assert [s.id for s in found] == expected


def _staff(session: Session, *names: str) -> list[StaffMember]:
    members = [StaffMember(name=name) for name in names]
    session.add_all(members)
    session.flush()
    return members


def _slot(session: Session, staff: StaffMember, starts: datetime, **fields: object) -> IntakeSlot:
    fields.setdefault("mode", "online")
    made = IntakeSlot(
        staff_id=staff.id, starts_at=starts, ends_at=starts + timedelta(minutes=30), **fields
    )
    session.add(made)
    session.flush()
    return made


def test_weekly_windows_in_order_and_of_one_staff_member(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        anna, bert = _staff(session, "Anna", "Bert")

        def window(staff: StaffMember, weekday: int, hour: int) -> Availability:
            made = Availability(
                staff_id=staff.id, weekday=weekday, start_time=time(hour),
                end_time=time(hour + 1), mode="online",
            )  # fmt: skip
            session.add(made)
            return made

        bert_monday = window(bert, 0, 9)
        anna_tuesday = window(anna, 1, 9)
        anna_monday_late = window(anna, 0, 14)
        anna_monday = window(anna, 0, 9)
        session.flush()
        expected = [anna_monday.id, anna_monday_late.id, anna_tuesday.id, bert_monday.id]
        anna_id, bert_id = anna.id, bert.id
    with sessions() as session:
        assert [w.id for w in repo.weekly_windows(session)] == expected
        assert {w.id for w in repo.windows_of_staff(session, staff_id=anna_id)} == set(expected[:3])
        assert [w.id for w in repo.windows_of_staff(session, staff_id=bert_id)] == expected[3:]
        assert repo.windows_of_staff(session, staff_id=bert_id + 100) == []


def test_days_off_since_and_on_one_day(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        anna, bert = _staff(session, "Anna", "Bert")
        christmas = AvailabilityException(first_day=date(2026, 12, 24), last_day=date(2026, 12, 26))
        annas_week = AvailabilityException(
            staff_id=anna.id, first_day=date(2026, 12, 14), last_day=date(2026, 12, 18)
        )
        over = AvailabilityException(first_day=date(2026, 11, 1), last_day=date(2026, 11, 2))
        session.add_all([christmas, annas_week, over])
        session.flush()
        expected = [annas_week.id, christmas.id]
        anna_id, bert_id = anna.id, bert.id
    with sessions() as session:
        assert [d.id for d in repo.days_off(session, since=date(2026, 12, 18))] == expected
        assert [d.id for d in repo.days_off(session, since=date(2026, 12, 19))] == expected[1:]
        # Days off for everybody count for each staff member, first and last day included.
        for staff_id in (anna_id, bert_id):
            assert repo.is_day_off(session, staff_id=staff_id, day=date(2026, 12, 24))
            assert repo.is_day_off(session, staff_id=staff_id, day=date(2026, 12, 26))
            assert not repo.is_day_off(session, staff_id=staff_id, day=date(2026, 12, 27))
        # One staff member's days off are theirs only.
        assert repo.is_day_off(session, staff_id=anna_id, day=date(2026, 12, 14))
        assert not repo.is_day_off(session, staff_id=bert_id, day=date(2026, 12, 14))
        assert not repo.is_day_off(session, staff_id=anna_id, day=date(2026, 12, 13))


def test_slots_found_by_id_and_by_staff_and_start(sessions: sessionmaker[Session]) -> None:
    starts = utcnow() + timedelta(days=1)
    with sessions.begin() as session:
        anna, bert = _staff(session, "Anna", "Bert")
        slot_id = _slot(session, anna, starts, cancelled=True).id
        anna_id, bert_id = anna.id, bert.id
    with sessions() as session:
        found = repo.find_slot(session, slot_id=slot_id)
        assert found is not None
        assert found.staff_id == anna_id
        assert repo.find_slot(session, slot_id=slot_id + 100) is None
        assert repo.has_slot_at(session, staff_id=anna_id, starts_at=starts)  # cancelled too
        assert not repo.has_slot_at(session, staff_id=bert_id, starts_at=starts)
        later = starts + timedelta(minutes=30)
        assert not repo.has_slot_at(session, staff_id=anna_id, starts_at=later)


def test_bookable_slots_have_room_and_page_by_time_then_id(sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    with sessions.begin() as session:
        anna, bert = _staff(session, "Anna", "Bert")
        at = now + timedelta(hours=3)
        _slot(session, anna, now + timedelta(hours=1))  # before `since`
        first = _slot(session, bert, at).id
        second = _slot(session, anna, at, mode="location", location="Utrecht").id  # same start
        _slot(session, anna, at + timedelta(hours=1), booked=1, capacity=1)  # full
        _slot(session, bert, at + timedelta(hours=1), cancelled=True)
        third = _slot(session, bert, at + timedelta(hours=2), booked=1, capacity=2).id  # room left
    since = now + timedelta(hours=2)
    with sessions() as session:

        def ids(mode: str | None, limit: int = 10, offset: int = 0) -> list[int]:
            found = repo.bookable_slots(session, since=since, mode=mode, limit=limit, offset=offset)
            return [s.id for s in found]

        assert first < second
        assert ids(None) == [first, second, third]
        assert ids(None, limit=2, offset=1) == [second, third]
        assert ids("online") == [first, third]
        assert ids("location") == [second]
        assert ids(None, offset=3) == []


def test_seats_are_taken_while_free_and_given_back(sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    with sessions.begin() as session:
        (anna,) = _staff(session, "Anna")
        pair = _slot(session, anna, now + timedelta(days=1), capacity=2).id
        cancelled = _slot(session, anna, now + timedelta(days=1, hours=1), cancelled=True).id
        started = _slot(session, anna, now - timedelta(minutes=5)).id
    with sessions.begin() as session:
        taken = repo.take_seat(session, slot_id=pair, now=now)
        assert taken is not None
        assert taken.booked == 1  # refreshed
        taken = repo.take_seat(session, slot_id=pair, now=now)
        assert taken is not None
        assert taken.booked == 2
        assert repo.take_seat(session, slot_id=pair, now=now) is None  # full
        assert repo.take_seat(session, slot_id=cancelled, now=now) is None
        assert repo.take_seat(session, slot_id=started, now=now) is None
        assert repo.take_seat(session, slot_id=pair + 100, now=now) is None
    with sessions.begin() as session:
        assert [session.get_one(IntakeSlot, s).booked for s in (pair, cancelled, started)] == [
            2, 0, 0,
        ]  # fmt: skip
        repo.release_seat(session, slot_id=pair)
        repo.release_seat(session, slot_id=cancelled)  # no seat taken: stays at zero
        repo.release_seat(session, slot_id=pair + 100)  # no such slot: nothing happens
    with sessions() as session:
        assert session.get_one(IntakeSlot, pair).booked == 1
        assert session.get_one(IntakeSlot, cancelled).booked == 0
