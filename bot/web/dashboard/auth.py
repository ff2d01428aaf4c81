"""Dashboard log-in: session cookie, CSRF tokens on every form, throttled log-in, log-out."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.db.models import StaffAccount, utcnow
from bot.db.repositories import staff as repo
from bot.settings import Settings
from bot.web.dashboard.i18n import translate
from bot.web.dashboard.templating import local_time, render
from bot.web.dashboard.users import StaffUser
from integrations.outbox_senders import ACCOUNT_EMAIL_CHANNEL

router = APIRouter()
SESSION_COOKIE = "tekkie_staff"
LOGIN_CSRF_COOKIE = "tekkie_login_csrf"


class LoginRequiredError(Exception):
    """No valid session: the browser is sent to the log-in page."""


class ForbiddenError(Exception):
    """Logged in, but not allowed (not an admin, or a form without a valid CSRF token)."""


def sessions_of(request: Request) -> sessionmaker[Session]:
    """The app's database session factory."""
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _secure(request: Request) -> bool:
    return str(request.app.state.settings.base_url).startswith("https://")


def current_staff(request: Request) -> StaffUser:
    """Dependency: the logged-in staff member, or a redirect to the log-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequiredError
    with sessions_of(request)() as session:
        found = repo.find_session(session, token=token)
        if found is None:
            raise LoginRequiredError
        account = found.account
        return StaffUser(
            account_id=account.id, name=account.name, email=account.email, role=account.role,
            language=account.language, csrf_token=found.csrf_token,
            staff_member_id=account.staff_member_id,
        )  # fmt: skip


Staff = Annotated[StaffUser, Depends(current_staff)]


def current_admin(staff: Staff) -> StaffUser:
    """Dependency: the logged-in staff member, who must be an admin."""
    if not staff.is_admin:
        raise ForbiddenError("admin only")
    return staff


Admin = Annotated[StaffUser, Depends(current_admin)]


async def _check_csrf(request: Request, user: StaffUser) -> StaffUser:
    form = await request.form()
    sent = str(form.get("csrf_token") or "")
    if not sent or not hmac.compare_digest(sent, user.csrf_token):
        raise ForbiddenError("missing or wrong CSRF token")
    return user


async def checked_form(request: Request, staff: Staff) -> StaffUser:
    """Dependency for every POST: the form's csrf_token must match the session's."""
    return await _check_csrf(request, staff)


async def checked_admin_form(request: Request, admin: Admin) -> StaffUser:
    """Dependency for every admin POST: an admin, and a matching csrf_token."""
    return await _check_csrf(request, admin)


StaffForm = Annotated[StaffUser, Depends(checked_form)]
AdminForm = Annotated[StaffUser, Depends(checked_admin_form)]


def redirect(url: str) -> RedirectResponse:
    """After a form: go to `url` with GET (303)."""
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    """Send an anonymous browser to the log-in page, remembering where it wanted to go."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/dashboard/login?next={quote(target, safe='')}")


def _safe_next(target: str | None) -> str:
    """Only paths inside the dashboard: never an open redirect to another site."""
    if target and target.startswith("/dashboard") and "//" not in target and "\\" not in target:
        return target
    return "/dashboard"


def _login_page(request: Request, *, error: str | None, status: int, email: str = "") -> Response:
    language = "en" if "en" in request.query_params.get("lang", "") else "nl"
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", staff=None, language=language, status_code=status,
        csrf_token=token, error=error, email=email,
        next=_safe_next(request.query_params.get("next")),
    )  # fmt: skip
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
        secure=_secure(request), path="/dashboard/login",
    )  # fmt: skip
    return response


def _notify_lockout(
    request: Request, session: Session, account: StaffAccount, *, until: datetime, client: str
) -> None:
    """Tell the account holder by e-mail that the account is locked (the staff log hears too)."""
    settings: Settings = request.app.state.settings
    text = translate("lockout_notice", account.language, email=account.email, client=client,
                     until=local_time(until, "%H:%M"))  # fmt: skip
    key = f"staff_login_locked:{account.id}:{until:%Y%m%dT%H%M%S}"
    channels = [outbox.STAFF_CHANNEL] + ([ACCOUNT_EMAIL_CHANNEL] if settings.smtp_host else [])
    for channel in channels:
        outbox.enqueue(
            session, key=f"{key}:{channel}", kind="staff_login_locked", audience="staff",
            channel=channel, recipient=account.email, payload={"text": text},
        )  # fmt: skip


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """The log-in page."""
    return _login_page(request, error=None, status=200)


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/dashboard",  # noqa: A002 - the form field
) -> Response:
    """Check the credentials (throttled), start a session and go where the user was heading."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf_token or not cookie or not hmac.compare_digest(csrf_token, cookie):
        return _login_page(request, error="login_expired", status=403, email=email)
    # The socket's peer: uvicorn puts a forwarded client there only for TRUSTED_PROXIES.
    client = request.client.host if request.client else "unknown"
    with sessions_of(request).begin() as session:  # counted and committed before the check
        allowed = repo.reserve_login_attempt(session, email=email, client=client, now=utcnow())
    if not allowed:
        return _login_page(request, error="login_throttled", status=429, email=email)
    with sessions_of(request).begin() as session:
        account = repo.authenticate(
            session, email=email, password=password, client=client, now=utcnow()
        )
        if account is None:
            failed, now = True, utcnow()
            locked = repo.lock_out_if_due(session, email=email, now=now)
            if locked is not None:
                _notify_lockout(request, session, locked, until=now + repo.LOCKOUT, client=client)
        else:
            failed = False
            token = repo.start_session(session, account=account)
    if failed:
        return _login_page(request, error="login_failed", status=401, email=email)
    response = redirect(_safe_next(next))
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request),
        path="/", max_age=int(repo.SESSION_LIFETIME.total_seconds()),
    )  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/dashboard/login")
    return response


@router.post("/logout")
def logout(request: Request, staff: StaffForm) -> Response:
    """End the session on the server and in the browser."""
    with sessions_of(request).begin() as session:
        repo.end_session(session, token=request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/dashboard/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def switch_language(
    request: Request, staff: StaffForm, language: Annotated[str, Form()] = "nl"
) -> Response:
    """Show the dashboard in Dutch or English from now on."""
    with sessions_of(request).begin() as session:
        if language in ("nl", "en"):
            repo.set_account_language(session, account_id=staff.account_id, language=language)
    return redirect(_safe_next(request.headers.get("referer", "").partition(
        str(request.base_url).rstrip("/"))[2] or "/dashboard"))  # fmt: skip
