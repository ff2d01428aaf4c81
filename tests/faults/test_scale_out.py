"""Scale-out: two app instances and two Rasa servers as separate processes, on PostgreSQL + Redis.

Telegram delivers each prospect's messages to either app instance (as a load balancer would);
the apps share the database and Redis, and route every conversation to its home Rasa server
(bot/conversation/routing.py). The suite asserts that one conversation's messages, spread
over both instances at once, reach Rasa in the order they were sent and are each answered
once; and that when one Rasa server is killed under load, its conversations carry on on the
other one with nothing lost and at most one apology each. Numbers go to
test-artifacts/scale-out.json.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from bot.conversation.routing import home_order
from bot.settings import PROJECT_ROOT
from tests.support.databases import scratch_database
from tests.support.fakes import (
    TELEGRAM_SECRET,
    FakeTelegramApi,
    FakeTwilioApi,
    channel_settings,
    telegram_text,
)
from tests.support.fault_stack import FaultStack, Service, direct_engine, drop_redis_keys
from tests.support.proxy import CuttableProxy
from tests.support.stack import free_port, make_stack
from tests.support.waits import read_conversation, wait_until

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.redis]
APOLOGY = re.compile(r"^Sorry, (ik kan nu even niet|I can't answer right now)")
QUESTIONS = ["hoi", "wat kost de opleiding", "hoe lang duurt de opleiding", "ik ben 52, kan dat",
             "krijg ik een laptop", "wat doet een data-analist"]  # fmt: skip
RESULTS = PROJECT_ROOT / "test-artifacts" / "scale-out.json"


@dataclass
class Scaled:
    """The running processes and where to reach them."""

    faults: FaultStack
    apps: list[str]  # base URLs of the two app instances
    rasa_urls: list[str]

    def service(self, name: str) -> Service:
        return self.faults.services[name]

    def user_texts(self, sender_id: str, server: int) -> list[str]:
        """The prospect's messages in Rasa's tracker, in order, as one server reads them."""
        return self.faults.user_texts(sender_id, self.rasa_urls[server])


@pytest.fixture(scope="module")
def scaled(
    tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str, redis_server_url: str
) -> Iterator[Scaled]:
    """actions, rasa, rasa-2, app and app-2, each `tekkie serve` in its own process group."""
    database = scratch_database(postgres_server_url)
    url = next(database)
    prefix = f"tekkiescale{uuid.uuid4().hex[:8]}"
    ports = [free_port(), free_port()]
    rasa_urls = [f"http://127.0.0.1:{port}" for port in ports]
    with FakeTelegramApi().start() as telegram, FakeTwilioApi().start() as twilio:
        stack = make_stack(
            tmp_path_factory.mktemp("scale"), **channel_settings(telegram, twilio),
            ENVIRONMENT="production", DATABASE_URL=url, REDIS_URL=redis_server_url,
            REDIS_KEY_PREFIX=prefix, RASA_PORT=str(ports[0]), RASA_URLS=",".join(rasa_urls),
            CHANNEL_RETRY_BASE_SECONDS="1", CHANNEL_RETRY_CAP_SECONDS="2",
            RASA_TIMEOUT_SECONDS="20", LOG_LEVEL="INFO",
        )  # fmt: skip
        unused = CuttableProxy("127.0.0.1", 1)  # the stack's dependencies are not cut here
        faults = FaultStack(stack, unused, unused, direct_engine(url))
        faults.telegram, faults.twilio = telegram, twilio
        second_app = free_port()
        settings, env, logs = stack.settings, stack.env, stack.settings.runtime_dir
        token = settings.rasa_token.get_secret_value()
        try:
            faults.start()  # actions, rasa (first port) and app
            extra = {
                "rasa-2": (env | {"RASA_PORT": str(ports[1])},
                           f"{rasa_urls[1]}/status?token={token}"),
                "app-2": (env | {"APP_PORT": str(second_app)},
                          f"http://127.0.0.1:{second_app}/health/live"),
            }  # fmt: skip
            for name, (service_env, ready_url) in extra.items():
                faults.services[name] = Service(name.split("-")[0], service_env, ready_url,
                                                logs / f"{name}.log")  # fmt: skip
                faults.services[name].start()
            for name in extra:
                faults.services[name].wait_ready()
            yield Scaled(faults, [settings.base_url, f"http://127.0.0.1:{second_app}"], rasa_urls)
        finally:
            faults.stop()
            drop_redis_keys(redis_server_url, prefix)
            database.close()


class Prospects:
    """Telegram chats whose messages go to both app instances in turn."""

    def __init__(self, scaled: Scaled, chats: list[int]) -> None:
        self.scaled = scaled
        self.chats = chats
        self.sent: dict[int, list[str]] = {chat: [] for chat in chats}
        self._ids = iter(range(chats[0] * 1000, chats[0] * 1000 + 10**6))
        self._pool = ThreadPoolExecutor(len(chats))

    def send(self, chat: int, number: int) -> None:
        """Message `number` of the chat, to app instance number % 2, until it is accepted."""
        text = f"{QUESTIONS[number % len(QUESTIONS)]} ({chat}.{number})"
        update = telegram_text(next(self._ids), chat, text)
        app = self.scaled.apps[number % 2]
        for _ in range(200):  # Telegram delivers again after any non-2xx answer
            try:
                answer = httpx.post(
                    f"{app}/webhooks/telegram", json=update, timeout=30,
                    headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
                )  # fmt: skip
                if answer.is_success:
                    self.sent[chat].append(text)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"message {number} of {chat} never accepted")

    def conversations(self, numbers: range) -> None:
        """Each chat sends these messages one after another (each as soon as the last is in)."""

        def one(chat: int) -> None:
            for number in numbers:
                self.send(chat, number)

        list(self._pool.map(one, self.chats))

    def settled(self) -> bool:
        """Every message handled and every reply sent, as the database shows it."""
        engine = self.scaled.faults.database
        return all(read_conversation(engine, "telegram", str(c)).settled([]) for c in self.chats)

    def failed(self) -> int:
        users = [str(chat) for chat in self.chats]
        return int(self.scaled.faults.rows(
            "SELECT count(*) FROM inbound_messages WHERE status = 'failed' "
            "AND channel_user_id = ANY(:users)", users=users,
        )[0][0])  # fmt: skip

    def replies(self, chat: int) -> list[str]:
        telegram: FakeTelegramApi = self.scaled.faults.telegram
        return [str(call.get("text", "")) for call in telegram.calls_of("sendMessage", chat)]


def homes(scaled: Scaled, chats: list[int]) -> dict[int, int]:
    return {chat: home_order(scaled.rasa_urls, f"telegram:{chat}")[0] for chat in chats}


def record(name: str, numbers: dict[str, object]) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    found = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps(found | {name: numbers}, indent=2))
    print(f"\n{name}: {numbers}")


def test_one_conversation_over_two_app_instances_stays_in_order(scaled: Scaled) -> None:
    chats = [7_100_000 + n for n in range(8)]
    assert set(homes(scaled, chats).values()) == {0, 1}  # both Rasa servers take part
    prospects = Prospects(scaled, chats)
    began = time.monotonic()
    prospects.conversations(range(6))
    wait_until(prospects.settled, timeout=180, what="every message answered")
    seconds = time.monotonic() - began
    for chat in chats:  # every server reads the same trackers (one shared store)
        for server in (0, 1):
            assert scaled.user_texts(f"telegram:{chat}", server) == prospects.sent[chat]
        replies = prospects.replies(chat)
        assert not any(APOLOGY.match(text) for text in replies), replies
    assert prospects.failed() == 0
    record("order", {"conversations": len(chats), "messages": 6 * len(chats),
                     "seconds": round(seconds, 1)})  # fmt: skip


def test_a_rasa_server_killed_under_load_loses_nothing(scaled: Scaled) -> None:
    chats = [7_200_000 + n for n in range(16)]
    home = homes(scaled, chats)
    moved = [chat for chat in chats if home[chat] == 0]
    assert 0 < len(moved) < len(chats)  # some live on the server that goes
    prospects = Prospects(scaled, chats)
    prospects.conversations(range(2))
    wait_until(prospects.settled, timeout=180, what="the first messages answered")
    with ThreadPoolExecutor(1) as background:
        load = background.submit(prospects.conversations, range(2, 6))
        wait_until(  # the load has reached the first server: turns are in flight there
            lambda: sum(len(prospects.sent[c]) for c in moved) > 2 * len(moved),
            timeout=60,
            what="turns under way",
        )
        killed_at = time.monotonic()
        scaled.service("rasa").kill()
        load.result()
    wait_until(prospects.settled, timeout=240, what="every message answered after the kill")
    seconds = time.monotonic() - killed_at
    apologies = {chat: sum(bool(APOLOGY.match(t)) for t in prospects.replies(chat))
                 for chat in chats}  # fmt: skip
    for chat in chats:  # the second server has every conversation, whole and in order
        assert scaled.user_texts(f"telegram:{chat}", 1) == prospects.sent[chat], chat
        assert len(prospects.sent[chat]) == 6
        assert apologies[chat] <= 1, prospects.replies(chat)
    assert prospects.failed() == 0
    record("rasa_killed", {
        "conversations": len(chats), "on_the_killed_server": len(moved),
        "apologised": sum(1 for n in apologies.values() if n),
        "seconds_until_all_answered": round(seconds, 1),
    })  # fmt: skip
