"""Staff accounts, dashboard sessions and failed-login counting (keyword-only, explicit session)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import LoginFailure, Role, StaffAccount, StaffSession, UtcDateTime, utcnow

# argon2id with RFC 9106's parameters for machines with little memory (argon2-cffi's default).
PRODUCTION_HASHER = PasswordHasher()
_hasher = PRODUCTION_HASHER
# A hash to verify against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
# Per e-mail address: after this many failures in the window the address is locked out.
MAX_FAILURES_PER_EMAIL = 5
# Per client address, much higher: every colleague behind the school's NAT shares one address.
# It still slows down one address that tries many accounts.
MAX_FAILURES_PER_CLIENT = 100
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


def set_account_active(session: Session, *, account_id: int, active: bool) -> bool:
    """Enable or disable the account; False when there is none with this id.

    A disabled account cannot log in, and `find_session` no longer accepts its sessions.
    """
    account = session.get(StaffAccount, account_id)
    if account is None:
        return False
    account.active = active
    return True


def set_account_language(session: Session, *, account_id: int, language: str) -> bool:
    """Show the dashboard to the account in `language` from now on; False when there is none.

    Raises AccountError ("bad_language") for a language other than nl or en.
    """
    if language not in ("nl", "en"):
        raise AccountError("bad_language", "language must be nl or en")
    account = session.get(StaffAccount, account_id)
    if account is None:
        return False
    account.language = language
    return True


def _email_key(email: str) -> str:
    return f"email:{normalise_email(email)}"[:300]


def _client_key(client: str) -> str:
    return f"client:{client}"[:300]


def _count_attempt(session: Session, *, key: str, limit: int, now: datetime) -> bool:
    """Add one attempt to the key's window if it is under `limit` and not locked out.

    A single UPDATE both checks and counts, so parallel attempts cannot all pass: PostgreSQL
    makes a second UPDATE of the row wait for the first and re-checks its WHERE; SQLite runs
    one writer at a time. A window older than THROTTLE_WINDOW starts over.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stale = LoginFailure.window_started_at < now - THROTTLE_WINDOW
    count = (
        update(LoginFailure)
        .where(
            LoginFailure.key == key,
            or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until <= now),
            or_(stale, LoginFailure.failures < limit),
        )
        .values(
            failures=case((stale, 1), else_=LoginFailure.failures + 1),
            window_started_at=case(
                (stale, literal(now, UtcDateTime())), else_=LoginFailure.window_started_at
            ),
        )
        .execution_options(synchronize_session=False)
    )
    for _ in range(2):  # twice only when a clean-up deleted the row in between
        session.execute(
            insert(LoginFailure)
            .values(key=key, failures=0, window_started_at=now)
            .on_conflict_do_nothing(index_elements=[LoginFailure.key])
        )
        if session.execute(count).rowcount == 1:  # type: ignore[attr-defined]
            return True
        if session.scalar(select(LoginFailure.key).where(LoginFailure.key == key)) is not None:
            return False
    return False


def _take_back(session: Session, *, key: str) -> None:
    """Uncount one attempt of the key (it turned out not to be a failure)."""
    session.execute(
        update(LoginFailure)
        .where(LoginFailure.key == key, LoginFailure.failures > 0)
        .values(failures=LoginFailure.failures - 1)
        .execution_options(synchronize_session=False)
    )


def reserve_login_attempt(session: Session, *, email: str, client: str, now: datetime) -> bool:
    """Count a log-in attempt before its password is checked; False: refuse it unchecked.

    The attempt counts as a failure for the e-mail address and for the client address until
    `authenticate` finds the password right. Commit before checking the password, so that
    parallel attempts see this one. Refused: the e-mail is locked out, or it or the client
    had too many failures in the window (then nothing is counted).
    """
    client_key = _client_key(client)  # always the client's row first, then the e-mail's:
    if not _count_attempt(session, key=client_key, limit=MAX_FAILURES_PER_CLIENT, now=now):
        return False  # parallel attempts lock rows in the same order and never deadlock
    if not _count_attempt(session, key=_email_key(email), limit=MAX_FAILURES_PER_EMAIL, now=now):
        _take_back(session, key=client_key)
        return False
    return True


def authenticate(
    session: Session, *, email: str, password: str, client: str, now: datetime
) -> StaffAccount | None:
    """The active account for these credentials, or None (then the attempt stays a failure).

    Call only for an attempt `reserve_login_attempt` allowed. Success forgets the e-mail's
    failures (and a lock-out a parallel attempt set) and takes the attempt back from the client.
    """
    account = find_account(session, email=email)
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
        valid = account is not None and account.active
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid or account is None:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.last_login_at = now
    _take_back(session, key=_client_key(client))
    session.execute(delete(LoginFailure).where(LoginFailure.key == _email_key(account.email)))
    expired = select(LoginFailure.key).where(
        LoginFailure.window_started_at < now - THROTTLE_WINDOW,
        or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until < now),
    )  # rows an attempt holds right now are left for a later clean-up:
    session.execute(
        delete(LoginFailure)
        .where(LoginFailure.key.in_(expired.with_for_update(skip_locked=True)))
        .execution_options(synchronize_session=False)
    )
    return account


def lock_out_if_due(session: Session, *, email: str, now: datetime) -> StaffAccount | None:
    """After a wrong password: lock the e-mail out for LOCKOUT once it reached its limit.

    Returns the active account to notify when this failure started the lock-out: exactly one
    attempt does, however many fail at once. None otherwise, and for an unknown e-mail (which
    is locked out all the same, so that a lock-out does not reveal which accounts exist).
    """
    result = session.execute(
        update(LoginFailure)
        .where(
            LoginFailure.key == _email_key(email),
            LoginFailure.failures >= MAX_FAILURES_PER_EMAIL,
            LoginFailure.window_started_at >= now - THROTTLE_WINDOW,
            or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until <= now),
        )
        .values(locked_until=now + LOCKOUT)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    account = find_account(session, email=email)
    return account if account is not None and account.active else None


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
