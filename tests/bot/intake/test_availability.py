"""Adding weekly windows and days off: what is stored, and what is refused with which key."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import StaffMember
from bot.intake.availability import (
    AvailabilityError,
    add_availability,
    add_days_off,
    days_off,
    weekly_windows,
)


def add_staff(session: Session, name: str = "Sanne") -> int:
    staff = StaffMember(name=name)
    session.add(staff)
    session.flush()
    return staff.id


def test_a_window_is_stored_as_given(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        sanne, joris = add_staff(session), add_staff(session, "Joris")
        add_availability(
            session, staff_id=joris, weekday=6, starts=time(13), ends=time(17), slot_minutes=45,
            mode="location", location="  Stationsplein 1, Utrecht ", capacity=3,
        )  # fmt: skip
        add_availability(session, staff_id=sanne, weekday=0, starts=time(9), ends=time(9, 30))
        add_availability(
            session, staff_id=sanne, weekday=0, starts=time(8), ends=time(8, 1), slot_minutes=1,
            location="   ",  # a blank address is no address
        )  # fmt: skip
    with sessions() as session:
        stored = [
            (w.staff_id, w.weekday, w.start_time, w.end_time, w.slot_minutes, w.mode, w.location,
             w.capacity)
            for w in weekly_windows(session)
        ]  # fmt: skip
    assert stored == [
        (sanne, 0, time(8), time(8, 1), 1, "online", None, 1),
        (sanne, 0, time(9), time(9, 30), 30, "online", None, 1),  # exactly one slot long
        (joris, 6, time(13), time(17), 45, "location", "Stationsplein 1, Utrecht", 3),
    ]


WINDOW_ERRORS: list[tuple[dict[str, Any], str]] = [
    ({"weekday": -1}, "bad_weekday"),
    ({"weekday": 7}, "bad_weekday"),
    ({"slot_minutes": 0}, "not_positive"),
    ({"capacity": 0}, "not_positive"),
    ({"starts": time(10), "ends": time(9)}, "end_before_start"),
    ({"starts": time(9), "ends": time(9)}, "end_before_start"),
    ({"starts": time(9), "ends": time(9, 29)}, "shorter_than_slot"),
    ({"starts": time(9), "ends": time(9, 44), "slot_minutes": 45}, "shorter_than_slot"),
    ({"starts": time(23), "ends": time(23, 59), "slot_minutes": 60}, "shorter_than_slot"),
    ({"mode": "location"}, "location_needed"),
    ({"mode": "location", "location": "  "}, "location_needed"),
    ({"location": "Campus"}, "location_only_for_location"),
    ({"staff_id": 999}, "no_such_staff"),
]


def test_impossible_windows_are_refused_and_nothing_is_stored(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        staff_id = add_staff(session)
        for fields, key in WINDOW_ERRORS:
            window: dict[str, Any] = {
                "staff_id": staff_id, "weekday": 0, "starts": time(9), "ends": time(12), **fields,
            }  # fmt: skip
            with pytest.raises(AvailabilityError) as refused:
                add_availability(session, **window)
            assert (refused.value.key, str(refused.value)) == (key, key), fields
        assert weekly_windows(session) == []


def test_a_window_of_an_unknown_mode_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        staff_id = add_staff(session)
        with pytest.raises(AvailabilityError):
            add_availability(
                session, staff_id=staff_id, weekday=0, starts=time(9), ends=time(12), mode="phone"
            )


def test_days_off_for_everybody_or_one_staff_member(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        staff_id = add_staff(session)
        add_days_off(
            session, first_day=date(2030, 12, 24), last_day=date(2031, 1, 1), staff_id=None,
            reason="  Kerstvakantie ",
        )  # fmt: skip
        add_days_off(
            session, first_day=date(2030, 6, 3), last_day=date(2030, 6, 3), staff_id=staff_id,
            reason="   ",
        )  # fmt: skip
        add_days_off(
            session, first_day=date(2030, 1, 1), last_day=date(2030, 1, 2), staff_id=None,
            reason=None,
        )  # fmt: skip
    with sessions() as session:
        stored = [
            (d.first_day, d.last_day, d.staff_id, d.reason)
            for d in days_off(session, since=date(2030, 6, 3))
        ]
    assert stored == [  # earliest first; the days off before 3 June have ended
        (date(2030, 6, 3), date(2030, 6, 3), staff_id, None),  # a single day
        (date(2030, 12, 24), date(2031, 1, 1), None, "Kerstvakantie"),
    ]


def test_impossible_days_off_are_refused_and_nothing_is_stored(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        staff_id = add_staff(session)
        refusals = [
            ((date(2030, 12, 31), date(2030, 12, 24), None), "last_before_first"),
            ((date(2030, 12, 31), date(2030, 12, 30), staff_id), "last_before_first"),
            ((date(2030, 12, 24), date(2030, 12, 31), staff_id + 1), "no_such_staff"),
        ]
        for (first, last, who), key in refusals:
            with pytest.raises(AvailabilityError) as refused:
                add_days_off(session, first_day=first, last_day=last, staff_id=who, reason="x")
            assert refused.value.key == key, (first, last, who)
        assert days_off(session, since=date(2000, 1, 1)) == []
