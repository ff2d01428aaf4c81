import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from telegram import Bot, Update

from bot.db.models import OutboxMessage
from bot.messages import Button, OutboundMessage, button_ref
from bot.settings import Settings
from integrations import telegram
from integrations.telegram import (
    StaffTelegramSender,
    keyboard,
    make_bot,
    parse_update,
    poll_updates,
    split_text,
    start_bot,
    to_html,
)
from tests.support.fakes import FakeTelegramApi, telegram_button, telegram_text
from tests.support.stack import free_port

BOT = Bot("123456:TEST-token")
USER = {"id": 4711, "is_bot": False, "first_name": "Fatima", "language_code": "nl"}
CHAT = {"id": 4711, "type": "private", "first_name": "Fatima"}


def update(**content: Any) -> Update:
    return Update.de_json({"update_id": 10, **content}, BOT)


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 1, "date": 1_764_000_000, "chat": CHAT, "from": USER, **fields}


def test_text_becomes_text_with_the_users_language_and_first_name() -> None:
    parsed = parse_update(update(message=message(text="hoi, wat kost het?")))
    assert parsed is not None
    assert (parsed.channel, parsed.channel_user_id, parsed.text) == (
        "telegram",
        "4711",
        "hoi, wat kost het?",
    )
    assert parsed.locale == "nl"
    assert parsed.metadata == {"name_hint": "Fatima"}


@pytest.mark.parametrize(
    ("text", "command", "campaign"),
    [
        ("/start", "/greet", None),
        ("/start buurthuis-west_2026", "/greet", "buurthuis-west_2026"),
        ("/start Buurt-West", "/greet", "buurt-west"),
        ("/start <script>", "/greet", None),
        ("/help", "/menu", None),
        ("/privacy", "/what_do_you_know", None),
        ("/delete", "/delete_my_data", None),
        ("/stop@TekkieBot", "/delete_my_data", None),
    ],
)
def test_commands_stand_for_tekkies_own_payloads(
    text: str, command: str, campaign: str | None
) -> None:
    parsed = parse_update(update(message=message(text=text)))
    assert parsed is not None
    assert (parsed.command, parsed.campaign, parsed.text) == (command, campaign, None)


def test_an_unknown_slash_text_stays_text() -> None:
    parsed = parse_update(update(message=message(text='/book_intake{"x": 1}')))
    assert parsed is not None
    assert (parsed.command, parsed.text) == (None, '/book_intake{"x": 1}')


def test_a_pressed_button_carries_its_reference_and_query_id() -> None:
    data = button_ref("/book_intake")
    parsed = parse_update(update(callback_query={
        "id": "q1", "from": USER, "chat_instance": "c", "data": data,
        "message": message(text="Waar kan ik je mee helpen?"),
    }))  # fmt: skip
    assert parsed is not None
    assert (parsed.button_ref, parsed.channel_user_id) == (data, "4711")
    assert parsed.metadata == {"callback_query_id": "q1", "name_hint": "Fatima"}


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"voice": {"file_id": "v", "file_unique_id": "v1", "duration": 3}}, "voice"),
        ({"photo": [{"file_id": "p", "file_unique_id": "p1", "width": 9, "height": 9}]}, "photo"),
        ({"sticker": {"file_id": "s", "file_unique_id": "s1", "width": 9, "height": 9,
                      "is_animated": False, "is_video": False, "type": "regular"}}, "sticker"),
        ({"location": {"latitude": 52.37, "longitude": 4.89}}, "location"),
        ({"contact": {"phone_number": "+31612345678", "first_name": "Noor"}}, "contact"),
        ({"document": {"file_id": "d", "file_unique_id": "d1"}}, "document"),
    ],
)  # fmt: skip
def test_media_is_named_not_dropped(fields: dict[str, Any], kind: str) -> None:
    parsed = parse_update(update(message=message(**fields)))
    assert parsed is not None
    assert parsed.unsupported == kind


def test_edits_get_an_answer_and_groups_are_ignored() -> None:
    edited = parse_update(update(edited_message={**message(text="x"), "edit_date": 1_764_000_100}))
    assert edited is not None
    assert edited.unsupported == "edited"
    group = {**CHAT, "id": -100, "type": "group", "title": "Buurt"}
    assert parse_update(update(message={**message(text="hoi"), "chat": group})) is None


def test_html_is_escaped_and_stars_make_bold() -> None:
    assert to_html("*Laptop te leen* <3 & co") == "<b>Laptop te leen</b> &lt;3 &amp; co"


def test_long_text_is_split_at_paragraphs_within_telegrams_limit() -> None:
    text = "\n\n".join(f"Alinea {n}: " + "woord " * 150 for n in range(8))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(to_html(p)) <= 4096 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_buttons_become_an_inline_keyboard_with_short_callback_data() -> None:
    long_payload = '/answer_question{"choice": "assessment:working_style:a_long_option_id"}'
    markup = keyboard(
        OutboundMessage("Kies:", (Button("Alleen", long_payload), Button("Menu", "/menu")))
    )
    assert markup is not None
    rows = markup.inline_keyboard
    assert [row[0].text for row in rows] == ["Alleen", "Menu"]
    assert all(len(str(row[0].callback_data).encode()) <= 64 for row in rows)
    assert rows[0][0].callback_data == button_ref(long_payload)
    assert keyboard(OutboundMessage("Geen knoppen")) is None


def test_a_start_payload_reads_back_as_the_campaign_or_not_at_all() -> None:
    from integrations.telegram import start_payload_campaign

    assert start_payload_campaign("buurthuis-west") == "buurthuis-west"
    assert start_payload_campaign("Zomer_2026") == "zomer_2026"  # read lowercase
    assert start_payload_campaign("a b") is None  # a space is not in a deep link's alphabet
    assert start_payload_campaign("") is None


class QueuedUpdatesApi(FakeTelegramApi):
    """The fake Bot API with updates waiting, served as Telegram serves them: at most two per
    getUpdates, each again until a later getUpdates confirms it (an offset above its id).
    `conflicts` getUpdates calls are refused first, as when another poller holds the bot;
    `drained` is set once a getUpdates finds every update confirmed."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.waiting: list[dict[str, Any]] = []
        self.conflicts = 0
        self.drained = threading.Event()

    def offsets(self) -> list[int]:
        """The offset of every getUpdates that was answered (a refused one is not recorded)."""
        return [int(p.get("offset", 0)) for p in self.calls_of("getUpdates")]

    async def _handle(self, request: Request) -> JSONResponse:
        if request.path_params["method"] == "getUpdates" and self.conflicts > 0:
            self.conflicts -= 1
            return JSONResponse({"ok": False, "error_code": 409, "description": "Conflict: "
                                 "terminated by other getUpdates request"}, 409)  # fmt: skip
        response = await super()._handle(request)
        if request.path_params["method"] != "getUpdates" or response.status_code != 200:
            return response
        offset = self.offsets()[-1]
        with self._lock:
            self.waiting = [u for u in self.waiting if u["update_id"] >= offset]
            batch = self.waiting[:2]
        if not batch:
            self.drained.set()
            await anyio.sleep(0.02)  # a short stand-in for the long poll
        return JSONResponse({"ok": True, "result": batch})


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The events integrations.telegram logs (quietly: no tracebacks rendered)."""
    events: list[str] = []

    class Recorder:
        def exception(self, event: str, **_: Any) -> None:
            events.append(event)

    monkeypatch.setattr(telegram, "log", Recorder())
    return events


async def test_polling_hands_on_each_update_once_in_order_and_survives_an_error(
    logged: list[str],
) -> None:
    handled: list[Update] = []
    with QueuedUpdatesApi().start() as api:
        api.waiting = [
            telegram_text(101, 4711, "hoi"),
            telegram_button(102, 4711, button_ref("/menu")),
            telegram_text(103, 4712, "wat kost het?"),
        ]

        async def handle(update: Update) -> None:
            handled.append(update)
            if len(handled) == 1:
                api.conflicts = 1  # the fetch after this batch fails (409 Conflict)

        async with Bot(api.token, base_url=api.base_url) as bot:
            with anyio.fail_after(15):
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(partial(poll_updates, bot, handle, pause=0.05))
                    assert await anyio.to_thread.run_sync(api.drained.wait, 10)
                    tasks.cancel_scope.cancel()

    assert [u.update_id for u in handled] == [101, 102, 103]
    assert [u.message.text if u.message else None for u in handled] == [
        "hoi", None, "wat kost het?",
    ]  # fmt: skip
    assert handled[1].callback_query is not None  # the pressed button
    assert api.conflicts == 0  # the failing fetch did happen, and polling went on
    assert logged == ["telegram.polling_error"]
    methods = [method for method, _ in api.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert api.offsets()[:3] == [0, 103, 104]  # 103 asked for twice: once refused, once served


async def test_start_bot_only_when_configured_and_survives_telegram_being_down(
    make_settings: Callable[..., Settings], logged: list[str]
) -> None:
    assert await start_bot(make_settings()) is None
    with FakeTelegramApi().start() as api:
        bot = await start_bot(make_settings(
            telegram_bot_token=api.token, telegram_api_base_url=api.base_url,
            telegram_mode="polling",
        ))  # fmt: skip
        assert bot is not None
        assert bot.username == "TekkieTestBot"  # initialized: getMe answered
        await bot.shutdown()
    down = await start_bot(make_settings(
        telegram_bot_token="900001:unreachable", telegram_mode="polling",
        telegram_api_base_url=f"http://127.0.0.1:{free_port()}/bot",
    ))  # fmt: skip
    assert down is not None  # logged, not fatal: the webhook and the outbox retry later
    assert logged == ["telegram.unavailable_at_start"]


def staff_notice() -> OutboxMessage:
    text = "📅 Nieuwe intake gepland\n\nNaam: Fatima El Amrani\nContact: +31612345678"
    return OutboxMessage(id=7, kind="staff_booked", audience="staff", channel="staff_telegram",
                         recipient="1", payload={"text": text})  # fmt: skip


def test_a_staff_notice_is_posted_in_the_staff_group(make_settings) -> None:  # type: ignore[no-untyped-def]
    with FakeTelegramApi().start() as api:
        settings = make_settings(
            telegram_bot_token=api.token, telegram_api_base_url=api.base_url,
            telegram_mode="polling", staff_telegram_chat_id=-1001234,
        )  # fmt: skip

        async def post() -> str | None:
            async with make_bot(settings) as bot:
                sender = StaffTelegramSender(bot, -1001234)
                return await sender.send(staff_notice())

        sent_id = anyio.run(post)
        (posted,) = api.calls_of("sendMessage", -1001234)
    assert sent_id
    assert posted["text"].startswith("📅 Nieuwe intake gepland")
    assert "Contact: +31612345678" in posted["text"]
