"""Who is logged in to the dashboard, as pages and templates need it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.models import Role


@dataclass(frozen=True)
class StaffUser:
    """The logged-in staff member, as pages need them."""

    account_id: int
    name: str
    email: str
    role: str
    language: str
    csrf_token: str
    staff_member_id: int | None

    @property
    def is_admin(self) -> bool:
        """Admins manage staff accounts and availability."""
        return self.role == Role.ADMIN
