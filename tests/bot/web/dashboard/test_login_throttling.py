"""Log-in throttling: parallel guesses, per-account lock-out and its notice, the school's NAT,
and client addresses that a forged X-Forwarded-For cannot choose."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.types import ASGIApp

from bot.db.models import OutboxMessage, utcnow
from bot.db.repositories import staff as staff_repo
from bot.ops import services
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.dashboard import auth
from tests.bot.web.dashboard.conftest import PASSWORD, add_account
from tests.support.stack import free_port

TOKEN = "login-form-token-for-these-tests"  # the form's CSRF field must equal its cookie


class CountingHasher:
    """The tests' cheap argon2, counting (and slowing down) every password check."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.checks = 0

    def verify(self, hashed: str, password: str) -> bool:
        with self._lock:
            self.checks += 1
        time.sleep(0.05)  # so that parallel attempts really overlap
        return bool(self._inner.verify(hashed, password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def hasher(cheap_password_hashing: None, monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher(staff_repo._hasher)
    monkeypatch.setattr(staff_repo, "_hasher", counting)
    return counting


@pytest.fixture
def db_client(make_settings, database_url: str) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The web app on a fresh SQLite or PostgreSQL database; mail goes nowhere (no server)."""
    settings: Settings = make_settings(
        database_url=database_url, db_auto_migrate=True, rasa_port=free_port(),
        outbox_worker_interval=0, smtp_host="127.0.0.1", smtp_port=free_port(),
    )  # fmt: skip
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def attempt(
    client: TestClient, email: str, password: str = "wrong guess", forwarded_for: str | None = None
) -> httpx.Response:
    """Submit the log-in form once (with a valid form token; no page load needed)."""
    headers = {"cookie": f"{auth.LOGIN_CSRF_COOKIE}={TOKEN}"}  # not the client's cookie jar
    if forwarded_for is not None:
        headers["x-forwarded-for"] = forwarded_for
    data = {"email": email, "password": password, "csrf_token": TOKEN}
    return client.post("/dashboard/login", data=data, headers=headers)


def notices(client: TestClient) -> list[OutboxMessage]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        query = session.query(OutboxMessage).filter_by(kind="staff_login_locked")
        return list(query.order_by(OutboxMessage.channel))


def test_parallel_wrong_guesses_get_at_most_five_password_checks(
    db_client: TestClient, hasher: CountingHasher
) -> None:
    add_account(db_client, "sanne@school.nl")
    with ThreadPoolExecutor(max_workers=15) as pool:
        statuses = list(pool.map(lambda i: attempt(db_client, "sanne@school.nl", f"guess {i}")
                                 .status_code, range(15)))  # fmt: skip
    assert hasher.checks == 5
    assert sorted(statuses) == [401] * 5 + [429] * 10
    assert len(notices(db_client)) == 2  # one lock-out: the log and the e-mail, once each


def test_five_failures_lock_the_account_and_mail_its_holder_once(db_client: TestClient) -> None:
    add_account(db_client, "sanne@school.nl", language="en")
    assert [attempt(db_client, "Sanne@School.nl").status_code for _ in range(5)] == [401] * 5
    locked = attempt(db_client, "sanne@school.nl", PASSWORD)
    assert locked.status_code == 429  # the right password too: the friendly page
    assert "Wacht een kwartier" in locked.text
    assert attempt(db_client, "sanne@school.nl").status_code == 429
    mail, log = notices(db_client)  # by channel name
    assert (mail.channel, mail.recipient, mail.audience) == ("account_email", "sanne@school.nl",
                                                             "staff")  # fmt: skip
    assert log.channel == "staff"
    text = mail.payload["text"]
    assert text.startswith("🔒 Your dashboard account is locked for fifteen minutes")
    assert "sanne@school.nl" in text
    assert "testclient" in text  # the address the guesses came from


def test_the_lock_out_ends_after_fifteen_minutes(
    db_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(db_client, "sanne@school.nl")
    for _ in range(5):
        attempt(db_client, "sanne@school.nl")
    (notice, _) = notices(db_client)
    assert "Je dashboard-account is een kwartier geblokkeerd" in notice.payload["text"]
    start = utcnow()
    monkeypatch.setattr(auth, "utcnow", lambda: start + timedelta(minutes=14))
    assert attempt(db_client, "sanne@school.nl", PASSWORD).status_code == 429
    monkeypatch.setattr(auth, "utcnow", lambda: start + timedelta(minutes=16))
    assert attempt(db_client, "sanne@school.nl", PASSWORD).status_code == 303
    monkeypatch.setattr(auth, "utcnow", lambda: start + timedelta(minutes=17))
    for _ in range(5):  # the count started over: five new failures lock it again
        assert attempt(db_client, "sanne@school.nl").status_code == 401
    assert attempt(db_client, "sanne@school.nl").status_code == 429
    assert len(notices(db_client)) == 4  # two lock-outs, each to the log and by e-mail


def test_a_right_password_forgets_earlier_failures(db_client: TestClient) -> None:
    add_account(db_client, "sanne@school.nl")
    for _ in range(4):
        attempt(db_client, "sanne@school.nl")
    assert attempt(db_client, "sanne@school.nl", PASSWORD).status_code == 303
    for _ in range(4):
        assert attempt(db_client, "sanne@school.nl").status_code == 401
    assert notices(db_client) == []


def test_without_a_mail_server_the_notice_goes_to_the_staff_log(client: TestClient) -> None:
    add_account(client, "sanne@school.nl")
    for _ in range(5):
        attempt(client, "sanne@school.nl")
    (notice,) = notices(client)
    assert (notice.channel, notice.recipient) == ("staff", "sanne@school.nl")


def test_an_unknown_address_is_locked_out_alike_so_accounts_stay_secret(
    client: TestClient,
) -> None:
    statuses = [attempt(client, "nobody@school.nl").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert notices(client) == []


def test_failures_from_one_address_do_not_lock_out_colleagues_behind_the_same_nat(
    client: TestClient,
) -> None:
    add_account(client, "noor@school.nl")
    for i in range(25):  # 25 failures from the school's address, spread over five people
        assert attempt(client, f"colleague{i % 5}@school.nl").status_code == 401
    assert attempt(client, "noor@school.nl", PASSWORD).status_code == 303


def test_one_address_trying_many_accounts_is_still_slowed_down(client: TestClient) -> None:
    add_account(client, "noor@school.nl")
    for i in range(staff_repo.MAX_FAILURES_PER_CLIENT):
        assert attempt(client, f"guess{i}@school.nl").status_code == 401
    assert attempt(client, "another@school.nl").status_code == 429
    assert attempt(client, "noor@school.nl", PASSWORD).status_code == 429
    elsewhere = TestClient(client.app, client=("198.51.100.20", 50000), follow_redirects=False)
    assert attempt(elsewhere, "noor@school.nl", PASSWORD).status_code == 303


def served_by_uvicorn(settings: Settings) -> ASGIApp:
    """The app wrapped as `tekkie run` makes uvicorn serve it (app_spec's command line)."""
    command = services.app_spec(settings).command
    options = uvicorn.main.make_context("uvicorn", command[command.index("uvicorn") + 1 :]).params
    config = uvicorn.Config(
        create_app(settings), log_config=None, proxy_headers=options["proxy_headers"],
        forwarded_allow_ips=options["forwarded_allow_ips"],
    )  # fmt: skip
    config.load()
    return config.loaded_app


@pytest.fixture
def few_per_client(monkeypatch: pytest.MonkeyPatch) -> int:
    """A per-address limit of 10, so that these tests need few requests."""
    monkeypatch.setattr(staff_repo, "MAX_FAILURES_PER_CLIENT", 10)
    return 10


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(
    make_settings, few_per_client: int
) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(rasa_port=free_port(), outbox_worker_interval=0)
    app = served_by_uvicorn(settings)  # the request comes from 127.0.0.1, like a local proxy
    with TestClient(app, client=("127.0.0.1", 50000), follow_redirects=False) as client:
        for i in range(few_per_client):
            response = attempt(client, f"guess{i}@school.nl", forwarded_for=f"203.0.113.{i}")
            assert response.status_code == 401
        response = attempt(client, "next@school.nl", forwarded_for="203.0.113.200")
        assert response.status_code == 429


def test_a_trusted_proxy_forwards_the_real_client_address(
    make_settings, few_per_client: int
) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(rasa_port=free_port(), outbox_worker_interval=0,
                             trusted_proxies="10.0.0.5, 127.0.0.0/8")  # fmt: skip
    app = served_by_uvicorn(settings)
    with TestClient(app, client=("127.0.0.1", 50000), follow_redirects=False) as client:
        for i in range(few_per_client):
            assert (
                attempt(client, f"guess{i}@school.nl", forwarded_for="203.0.113.7").status_code
                == 401
            )
        assert attempt(client, "next@school.nl", forwarded_for="203.0.113.7").status_code == 429
        assert attempt(client, "next@school.nl", forwarded_for="203.0.113.8").status_code == 401


@pytest.mark.parametrize(
    ("trusted", "options"),
    [
        ("", ["--no-proxy-headers"]),
        ("10.0.0.5, 10.1.0.0/16", ["--forwarded-allow-ips", "10.0.0.5,10.1.0.0/16"]),
    ],
)
def test_uvicorn_believes_forwarded_headers_only_from_trusted_proxies(
    make_settings, trusted: str, options: list[str]
) -> None:  # type: ignore[no-untyped-def]
    command = services.app_spec(make_settings(trusted_proxies=trusted)).command
    at = command.index(options[0])
    assert command[at : at + len(options)] == options
    assert ("--no-proxy-headers" in command) == (not trusted)
