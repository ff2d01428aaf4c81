"""Staff accounts, dashboard sessions and failed-login counting (keyword-only, explicit session)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.db.models import LoginFailure, Role, StaffAccount, StaffSession, utcnow

# argon2id with RFC 9106's parameters for machines with little memory (argon2-cffi's default).
PRODUCTION_HASHER = PasswordHasher()
_hasher = PRODUCTION_HASHER
# A hash to verify against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why.

    `key` names the problem, for the dashboard's translated messages.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively, without surrounding spaces."""
    return email.strip().lower()


def create_account(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.STAFF,
    language: str = "nl",
    staff_member_id: int | None = None,
) -> StaffAccount:
    """A new dashboard login; the password is kept only as an argon2 hash."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("bad_email", f"not an e-mail address: {email!r}")
    if not name.strip():
        raise AccountError("name_required", "a name is required")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "password_too_short", f"the password needs at least {MIN_PASSWORD_LENGTH} characters"
        )
    if language not in ("nl", "en"):
        raise AccountError("bad_language", "language must be nl or en")
    if session.scalar(select(StaffAccount.id).where(StaffAccount.email == email)) is not None:
        raise AccountError("email_taken", f"an account for {email} already exists")
    account = StaffAccount(
        email=email, name=name.strip(), password_hash=_hasher.hash(password), role=role,
        language=language, staff_member_id=staff_member_id, active=True,
    )  # fmt: skip
    session.add(account)
    session.flush()
    return account


def set_password(session: Session, *, account: StaffAccount, password: str) -> None:
    """Replace the password and end every session of the account."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "password_too_short", f"the password needs at least {MIN_PASSWORD_LENGTH} characters"
        )
    account.password_hash = _hasher.hash(password)
    session.execute(delete(StaffSession).where(StaffSession.account_id == account.id))


def find_account(session: Session, *, email: str) -> StaffAccount | None:
    """The account with this e-mail address, if any."""
    return session.scalar(select(StaffAccount).where(StaffAccount.email == normalise_email(email)))


def list_accounts(session: Session) -> list[StaffAccount]:
    """Every account, admins first, then by name."""
    order = (StaffAccount.role != Role.ADMIN, StaffAccount.name)
    return list(session.scalars(select(StaffAccount).order_by(*order)))


def is_throttled(session: Session, *, email: str, client: str, now: datetime) -> bool:
    """True when this e-mail or this client failed too often in the last minutes."""
    since = now - THROTTLE_WINDOW

    def failures(key: str) -> int:
        query = select(func.count()).where(LoginFailure.key == key, LoginFailure.at >= since)
        return session.scalar(query) or 0

    return (
        failures(f"email:{normalise_email(email)}") >= MAX_FAILURES_PER_EMAIL
        or failures(f"client:{client}") >= MAX_FAILURES_PER_CLIENT
    )


def authenticate(
    session: Session, *, email: str, password: str, client: str
) -> StaffAccount | None:
    """The active account for these credentials, or None (the failure is counted)."""
    account = find_account(session, email=email)
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
        valid = account is not None and account.active
    except (VerificationError, InvalidHashError):
        valid = False
    now = utcnow()
    if not valid or account is None:
        for key in (f"email:{normalise_email(email)}"[:300], f"client:{client}"[:300]):
            session.add(LoginFailure(key=key, at=now))
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.last_login_at = now
    session.execute(delete(LoginFailure).where(LoginFailure.key == f"email:{account.email}"))
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - THROTTLE_WINDOW))
    return account


def start_session(session: Session, *, account: StaffAccount) -> str:
    """A new session for the account; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            token_hash=_token_hash(token),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    return token


def find_session(session: Session, *, token: str) -> StaffSession | None:
    """The unexpired session of an active account for this cookie token."""
    found = session.scalar(
        select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
    )
    if found is None or found.expires_at < utcnow() or not found.account.active:
        return None
    return found


def end_session(session: Session, *, token: str) -> None:
    """Log out: the session is gone for good."""
    session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
