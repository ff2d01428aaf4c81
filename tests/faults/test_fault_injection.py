"""Fault injection: PostgreSQL, Redis, Rasa, the action server and the app go away mid-conversation.

Real processes on free ports (tests/faults/stack.py). Prospects write on Telegram (which
redelivers on any non-2xx, as Telegram does), WhatsApp (which never redelivers) and the web
chat while one dependency is down. After it is back the suite asserts that every message the
channel delivered, or redelivered until accepted, was handled exactly once (Rasa's tracker
holds it once, in order), that each prospect heard at most one apology, that nothing stays
pending, and that /health told the truth during the outage. The numbers per fault are printed
and written to test-artifacts/faults.json.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT
from tests.support.databases import scratch_database
from tests.support.fakes import (
    TELEGRAM_SECRET,
    FakeTelegramApi,
    FakeTwilioApi,
    channel_settings,
    telegram_text,
    twilio_message,
    twilio_signature,
)
from tests.support.fault_stack import FaultStack, direct_engine, drop_redis_keys
from tests.support.proxy import CuttableProxy
from tests.support.stack import make_stack
from tests.support.waits import wait_until

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.redis]
APOLOGY = re.compile(r"^Sorry, (ik kan nu even niet|I can't answer right now|Tekkie is even niet|"
                     r"Tekkie can't be reached)")  # fmt: skip
TRY_AGAIN = re.compile(r"Probeer het|try again")
RESULTS = PROJECT_ROOT / "test-artifacts" / "faults.json"
FAULTS = ["database", "redis", "actions", "rasa", "app"]
QUESTIONS = ["hoi", "wat kost de opleiding", "hoe lang duurt de opleiding", "ik ben 52, kan dat"]


@pytest.fixture(scope="module")
def faulty(
    tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str, redis_server_url: str
) -> Iterator[FaultStack]:
    """The production-like stack, with PostgreSQL and Redis behind cuttable proxies."""
    database = scratch_database(postgres_server_url)
    direct_url = next(database)
    url = make_url(direct_url)
    redis_target = make_url(redis_server_url)
    postgres = CuttableProxy(url.host or "127.0.0.1", url.port or 5432).start()
    redis_proxy = CuttableProxy(redis_target.host or "127.0.0.1", redis_target.port or 6379).start()
    prefix = f"tekkiefault{uuid.uuid4().hex[:8]}"
    with FakeTelegramApi().start() as telegram, FakeTwilioApi().start() as twilio:
        stack = make_stack(
            tmp_path_factory.mktemp("faults"),
            **channel_settings(telegram, twilio),
            ENVIRONMENT="production",
            DATABASE_URL=url.set(port=postgres.port).render_as_string(False),
            REDIS_URL=f"redis://127.0.0.1:{redis_proxy.port}/0",
            REDIS_KEY_PREFIX=prefix,
            CHANNEL_RETRY_BASE_SECONDS="1",
            CHANNEL_RETRY_CAP_SECONDS="4",
            RASA_TIMEOUT_SECONDS="20",
            LOG_LEVEL="INFO",
        )
        faults = FaultStack(stack, postgres, redis_proxy, direct_engine(direct_url))
        faults.telegram, faults.twilio = telegram, twilio
        RESULTS.unlink(missing_ok=True)
        try:
            faults.start()
            yield faults
        finally:
            faults.stop()
            postgres.stop()
            redis_proxy.stop()
            drop_redis_keys(redis_server_url, prefix)
            database.close()


@dataclass
class Prospects:
    """Prospects on all three channels, and what happened to each message they sent."""

    faults: FaultStack
    tag: int
    telegram_chats: list[int] = field(default_factory=list)
    whatsapp_numbers: list[str] = field(default_factory=list)
    webchat_ids: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(
        default_factory=lambda: {"telegram": 0, "whatsapp": 0, "webchat": 0}
    )
    accepted: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: {"telegram": [], "whatsapp": [], "webchat": []}
    )
    twiml_apologies: dict[str, int] = field(default_factory=dict)
    webchat_refused: int = 0
    pending: list[Future[None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(32))
    _ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**6)))

    @classmethod
    def make(cls, faults: FaultStack, tag: int, count: int) -> Prospects:
        prospects = cls(faults, tag)
        prospects.telegram_chats = [tag * 1000 + n for n in range(count)]
        prospects.whatsapp_numbers = [f"+3161{tag % 1000:03d}{n:04d}" for n in range(count)]
        prospects.webchat_ids = [f"fault-{tag}-{n}" for n in range(max(1, count // 2))]
        return prospects

    @property
    def app(self) -> str:
        return self.faults.stack.app_url

    def round(self, number: int) -> None:
        """Every prospect sends one message (Telegram in the background, redelivering)."""
        for chat in self.telegram_chats:
            text = f"{QUESTIONS[number % len(QUESTIONS)]} ({self.tag}.{chat}.{number})"
            self.pending.append(self._pool.submit(self._telegram, chat, text))
        for number_ in self.whatsapp_numbers:
            self._whatsapp(number_, f"{QUESTIONS[number % len(QUESTIONS)]} (w{number})")
        for sender in self.webchat_ids:
            self._webchat(sender, f"{QUESTIONS[number % len(QUESTIONS)]} (c{number})")

    def _telegram(self, chat: int, text: str) -> None:
        update = telegram_text(self.tag * 100_000 + next(self._ids), chat, text)
        with self._lock:
            self.sent["telegram"] += 1
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # Telegram: again after any non-2xx answer
            try:
                answer = httpx.post(
                    f"{self.app}/webhooks/telegram", json=update, timeout=30,
                    headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
                )  # fmt: skip
                if answer.is_success:
                    with self._lock:
                        self.accepted["telegram"].append((f"telegram:{chat}", text))
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"Telegram update for {chat} never accepted")

    def _whatsapp(self, number: str, text: str) -> None:
        twilio: FakeTwilioApi = self.faults.twilio
        form = twilio_message("SM" + uuid.uuid4().hex, number, text)
        url = f"{self.app}/webhooks/whatsapp"
        headers = {"X-Twilio-Signature": twilio_signature(twilio.auth_token, url, form)}
        self.sent["whatsapp"] += 1
        try:
            answer = httpx.post(url, data=form, headers=headers, timeout=30)
        except httpx.HTTPError:
            return  # Twilio could not deliver it (and never tries again): not accepted
        assert answer.status_code == 200, answer.text  # Twilio shows anything else as an error
        if "<Message>" in answer.text:
            self.twiml_apologies[number] = self.twiml_apologies.get(number, 0) + 1
        if not TRY_AGAIN.search(answer.text):  # "try again" means: not kept, say it again
            self.accepted["whatsapp"].append((f"whatsapp:{number}", text))

    def _webchat(self, sender: str, text: str) -> None:
        self.sent["webchat"] += 1
        try:
            answer = httpx.post(
                f"{self.app}/api/webchat/messages",
                json={"sender_id": sender, "text": text}, timeout=60,
            )  # fmt: skip
        except httpx.HTTPError:
            self.webchat_refused += 1  # the page shows its own "could not send"
            return
        if answer.status_code == 200:
            self.accepted["webchat"].append((f"webchat:{sender}", text))
        else:
            assert answer.status_code == 503, answer.text
            assert APOLOGY.match(answer.json()["detail"]), answer.text
            self.webchat_refused += 1

    def settled(self) -> bool:
        """Every Telegram message accepted, nothing pending, nothing left in the spool."""
        if not all(f.done() for f in self.pending):
            return False
        users = [str(c) for c in self.telegram_chats] + self.whatsapp_numbers
        waiting = self.faults.rows(
            "SELECT count(*) FROM inbound_messages WHERE status = 'pending' "
            "AND channel_user_id = ANY(:users)", users=users,
        )[0][0]  # fmt: skip
        unsent = self.faults.rows(
            "SELECT count(*) FROM outbox_messages WHERE status IN ('pending', 'sending') "
            "AND recipient = ANY(:users)", users=users,
        )[0][0]  # fmt: skip
        spool = self.faults.stack.settings.runtime_dir / "inbound-spool"
        return waiting == 0 and unsent == 0 and not list(spool.glob("*.json"))

    def apologies(self) -> dict[str, int]:
        """Apologies each Telegram and WhatsApp prospect received."""
        telegram: FakeTelegramApi = self.faults.telegram
        twilio: FakeTwilioApi = self.faults.twilio
        counts = {
            f"telegram:{chat}": sum(
                1 for c in telegram.calls_of("sendMessage", chat) if APOLOGY.match(c["text"])
            )
            for chat in self.telegram_chats
        }
        for number in self.whatsapp_numbers:
            sent = [m for m in twilio.messages_to(number) if APOLOGY.match(m.get("Body", ""))]
            counts[f"whatsapp:{number}"] = len(sent) + self.twiml_apologies.get(number, 0)
        return counts

    def story(self, conversation: str) -> str:
        """What the database knows of a conversation's messages (for a failing assertion)."""
        channel, user = conversation.split(":", 1)
        inbound = self.faults.rows(
            "SELECT id, status, attempts, last_error, message FROM inbound_messages "
            "WHERE channel = :channel AND channel_user_id = :user ORDER BY id",
            channel=channel, user=user,
        )  # fmt: skip
        outbox = self.faults.rows(
            "SELECT idempotency_key, status, payload FROM outbox_messages "
            "WHERE recipient = :user ORDER BY id", user=user,
        )  # fmt: skip
        return f"{conversation}: inbound {inbound!r}; outbox {outbox!r}"

    def handled(self) -> dict[str, list[str]]:
        """Per conversation, the accepted messages Rasa's tracker holds (in its order)."""
        result: dict[str, list[str]] = {}
        for channel in self.accepted.values():
            for conversation, _ in channel:
                if conversation not in result:
                    texts = self.faults.user_texts(conversation)
                    result[conversation] = [t for t in texts if t]
        return result


def run_fault(
    faults: FaultStack,
    name: str,
    *,
    inject: Callable[[], None],
    recover: Callable[[], None],
    down: str | None,
    prospects: int = 3,
    rounds_before: int = 0,
) -> dict[str, Any]:
    """Prospects write before and during the outage; then check what became of each message."""
    assert wait_until(lambda: faults.health().get("status") == "ok", 120, "healthy before") >= 0
    tag = FAULTS.index(name) + 101  # distinct prospects per fault
    people = Prospects.make(faults, tag, prospects)
    for number in range(rounds_before):  # the load that is running when the fault comes
        people.round(number)
    inject()
    if down is not None:
        wait_until(lambda: faults.health().get(down) == "down", 30, f"/health says {down} down")
    for number in range(rounds_before, rounds_before + 2):
        people.round(number)
    health_during = faults.health()
    restored = time.monotonic()
    recover()
    back_in = time.monotonic() - restored
    wait_until(people.settled, 240, f"every message handled after the {name} outage")
    recovered_in = time.monotonic() - restored
    assert wait_until(lambda: faults.health().get("status") == "ok", 60, "healthy after") >= 0

    handled = people.handled()
    for channel, messages in people.accepted.items():
        for conversation in {c for c, _ in messages}:
            expected = [t for c, t in messages if c == conversation]
            if channel == "telegram":  # redeliveries race each other: order is Telegram's
                assert sorted(handled[conversation]) == sorted(expected), conversation
            else:  # each once, in order
                assert handled[conversation] == expected, people.story(conversation)
    apologies = people.apologies()
    assert max(apologies.values()) <= 1, apologies
    result = {
        "fault": name,
        "sent": dict(people.sent),
        "accepted": {k: len(v) for k, v in people.accepted.items()},
        "handled": {
            k: sum(len(handled[c]) for c in {c for c, _ in v}) for k, v in people.accepted.items()
        },
        "apologies": sum(apologies.values()),
        "webchat_refused_with_apology": people.webchat_refused,
        "health_during": {k: v for k, v in health_during.items() if k != "processes"},
        "dependency_back_in_s": round(back_in, 1),  # a restarted process loading, for one
        "all_handled_in_s": round(recovered_in, 1),  # from the fix until nothing is pending
    }
    _record(result)
    return result


def _record(result: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    known[result["fault"]] = result
    RESULTS.write_text(json.dumps(known, indent=2))
    print(f"\nfault {result['fault']}: {json.dumps(result)}")


def test_database_outage(faults_stack: FaultStack) -> None:
    result = run_fault(
        faults_stack, "database", inject=faults_stack.postgres.cut,
        recover=faults_stack.postgres.restore, down="database",
    )  # fmt: skip
    assert result["accepted"]["telegram"] == result["sent"]["telegram"]  # redelivered until in
    assert result["accepted"]["whatsapp"] == result["sent"]["whatsapp"]  # kept on disk


def test_redis_outage(faults_stack: FaultStack) -> None:
    result = run_fault(
        faults_stack, "redis", inject=faults_stack.redis.cut,
        recover=faults_stack.redis.restore, down="redis",
    )  # fmt: skip
    assert result["accepted"]["whatsapp"] == result["sent"]["whatsapp"]


def test_action_server_outage(faults_stack: FaultStack) -> None:
    actions = faults_stack.services["actions"]

    def recover() -> None:
        actions.start()
        actions.wait_ready()

    result = run_fault(
        faults_stack, "actions", inject=actions.kill, recover=recover, down="actions"
    )
    assert result["accepted"]["whatsapp"] == result["sent"]["whatsapp"]


def test_rasa_killed_under_load(faults_stack: FaultStack) -> None:
    """Load with faults: 12 prospects per channel are writing when Rasa is killed."""
    rasa = faults_stack.services["rasa"]

    def recover() -> None:
        rasa.start()
        rasa.wait_ready()

    result = run_fault(
        faults_stack, "rasa", inject=rasa.kill, recover=recover, down="rasa",
        prospects=12, rounds_before=1,
    )  # fmt: skip
    accepted = sum(result["accepted"][k] for k in ("telegram", "whatsapp"))
    assert accepted == sum(result["handled"][k] for k in ("telegram", "whatsapp"))


def test_app_killed(faults_stack: FaultStack) -> None:
    app = faults_stack.services["app"]

    def recover() -> None:
        app.start()
        app.wait_ready()

    result = run_fault(faults_stack, "app", inject=app.kill, recover=recover, down=None)
    assert result["accepted"]["telegram"] == result["sent"]["telegram"]


@pytest.fixture
def faults_stack(faulty: FaultStack) -> FaultStack:
    return faulty
