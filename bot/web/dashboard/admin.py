"""Admin pages: dashboard accounts and the staff members who hold intakes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.db.models import Role
from bot.db.repositories import staff as repo
from bot.db.repositories import staff_members
from bot.web.dashboard.auth import Admin, AdminForm, redirect, sessions_of
from bot.web.dashboard.templating import flash, render

router = APIRouter()
_DONE = {"account_created", "not_yourself", "account_changed", "member_added"}


def _page(request: Request, admin: Admin, *, status: int = 200, **context: Any) -> Response:
    with sessions_of(request)() as session:
        accounts = repo.list_accounts(session)
        members = staff_members.list_staff_members(session)
        names = {m.id: m.name for m in members}
    base_url = request.app.state.settings.base_url
    return render(
        request, "staff.html", staff=admin, accounts=accounts, members=members,
        member_names=names, base_url=base_url, status_code=status,
        flash=flash(request, admin.language, _DONE), **context,
    )  # fmt: skip


@router.get("/staff", response_class=HTMLResponse)
def staff_page(request: Request, admin: Admin) -> Response:
    """Dashboard accounts and intake staff members."""
    return _page(request, admin)


@router.post("/staff/accounts")
def create_account(
    request: Request,
    admin: AdminForm,
    *,
    email: Annotated[str, Form(max_length=254)] = "",
    name: Annotated[str, Form(max_length=120)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    role: Annotated[str, Form()] = Role.STAFF,
    staff_member_id: Annotated[str, Form()] = "",
) -> Response:
    """Create a dashboard account (the new colleague changes the password later)."""
    member = int(staff_member_id) if staff_member_id.isdigit() else None
    try:
        with sessions_of(request).begin() as session:
            repo.create_account(
                session, email=email, name=name, password=password,
                role=Role.ADMIN if role == Role.ADMIN else Role.STAFF, staff_member_id=member,
            )  # fmt: skip
    except repo.AccountError as error:
        form = {"email": email, "name": name}
        return _page(request, admin, status=400, error=f"account_{error.key}", form=form)
    return redirect("/dashboard/staff?done=account_created")


@router.post("/staff/accounts/{account_id}/active")
def set_active(
    request: Request, admin: AdminForm, account_id: int, active: Annotated[str, Form()] = ""
) -> Response:
    """Disable or re-enable an account (never your own); disabling ends its sessions."""
    if account_id == admin.account_id:
        return redirect("/dashboard/staff?done=not_yourself")
    with sessions_of(request).begin() as session:
        repo.set_account_active(session, account_id=account_id, active=active == "1")
    return redirect("/dashboard/staff?done=account_changed")


@router.post("/staff/members")
def add_member(
    request: Request,
    admin: AdminForm,
    name: Annotated[str, Form(max_length=120)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """Add a staff member who holds intakes (then give them availability)."""
    if not name.strip():
        return _page(request, admin, status=400, error="account_name_required")
    with sessions_of(request).begin() as session:
        if staff_members.staff_member_email_taken(session, email=email):
            return _page(request, admin, status=400, error="member_email_taken")
        staff_members.add_staff_member(session, name=name, email=email)
    return redirect("/dashboard/staff?done=member_added")
