"""Repository functions for the staff members who hold intakes (keyword-only, explicit session).

Dashboard logins are `StaffAccount`s, in repositories/staff.py.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import StaffMember
from bot.db.repositories.staff import normalise_email


def list_staff_members(session: Session) -> list[StaffMember]:
    """Every staff member, by name."""
    return list(session.scalars(select(StaffMember).order_by(StaffMember.name)))


def find_staff_member(session: Session, *, staff_id: int) -> StaffMember | None:
    """The staff member with this id; None when there is none."""
    return session.get(StaffMember, staff_id)


def find_staff_member_by_email(session: Session, *, email: str) -> StaffMember | None:
    """A staff member whose e-mail address is exactly `email`, as stored; None when none is.

    Unlike `staff_member_email_taken`, the address is compared as given (not normalised).
    """
    return session.scalars(select(StaffMember).where(StaffMember.email == email)).first()


def find_staff_member_by_calendar_token(session: Session, *, token: str) -> StaffMember | None:
    """The staff member whose calendar link this is; None for an unknown link."""
    query = select(StaffMember).where(StaffMember.calendar_token == token)
    return session.scalars(query).first()


def staff_member_email_taken(session: Session, *, email: str) -> bool:
    """True when a staff member has this e-mail address; an empty address is never taken.

    Addresses compare as `normalise_email` makes them (no surrounding spaces, lower case).
    """
    if not email.strip():
        return False
    query = select(StaffMember.id).where(StaffMember.email == normalise_email(email))
    return session.scalar(query) is not None


def add_staff_member(session: Session, *, name: str, email: str) -> StaffMember:
    """A new staff member (not flushed yet); an empty e-mail address is stored as none."""
    member = StaffMember(name=name.strip(), email=normalise_email(email) or None)
    session.add(member)
    return member


def find_staff_member_by_name(session: Session, *, name: str) -> StaffMember | None:
    """A staff member with exactly this name (the demo staff); None when there is none."""
    return session.scalars(select(StaffMember).where(StaffMember.name == name)).first()
