"""Local stand-ins for the Telegram Bot API and Twilio's REST API, on 127.0.0.1.

They speak just enough of each protocol for the real client libraries (python-telegram-bot,
twilio) that Tekkie uses, and record every request so tests can see what a prospect received.
Nothing here calls the internet.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.support.stack import free_port

TELEGRAM_SECRET = "tekkie-test-secret-0123456789"
BOT_USER = {"id": 900001, "is_bot": True, "first_name": "Tekkie", "username": "TekkieTestBot"}


class _Server:
    """A Starlette app served by uvicorn in a background thread."""

    def __init__(self, app: Starlette) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


async def _params(request: Request) -> dict[str, Any]:
    """Bot API parameters (JSON body or form fields; nested values arrive JSON-encoded)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        data: dict[str, Any] = await request.json()
        return data
    params: dict[str, Any] = {}
    for key, value in (await request.form()).items():
        text = str(value)
        try:
            params[key] = json.loads(text) if text[:1] in "[{" else text
        except json.JSONDecodeError:
            params[key] = text
    return params


class _FakeApi:
    """Start, stop and wait: what both stand-ins share (each sets `_server`)."""

    _server: _Server

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    @staticmethod
    def _wait(sent: Callable[[], list[Any]], count: int, timeout: float, who: object) -> list[Any]:
        """The first `count` items of `sent()`, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        while len(found := sent()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages to {who}, got: {found}")
            time.sleep(0.05)
        return found[:count]


@dataclass
class FakeTelegramApi(_FakeApi):
    """The Telegram Bot API: sendMessage, answerCallbackQuery, getMe, webhooks, getUpdates."""

    token: str = field(default_factory=lambda: f"900001:{secrets.token_urlsafe(24)}")
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail: dict[str, list[int]] = field(default_factory=dict)  # method -> retry_after per failure
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        route = Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"])
        self._server = _Server(Starlette(routes=[route]))

    @property
    def base_url(self) -> str:
        """What python-telegram-bot's `base_url` needs (it appends the token)."""
        return f"http://127.0.0.1:{self._server.port}/bot"

    def fail_next(self, method: str, *, retry_after: int = 1) -> None:
        """Answer the next call of `method` with 429 Too Many Requests."""
        with self._lock:
            self.fail.setdefault(method, []).append(retry_after)

    def calls_of(self, method: str, chat_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                p for m, p in self.calls
                if m == method and (chat_id is None or str(p.get("chat_id")) == str(chat_id))
            ]  # fmt: skip

    def wait_for_messages(
        self, chat_id: int, count: int, *, timeout: float = 20.0
    ) -> list[dict[str, Any]]:
        """The first `count` messages sent to the chat, waiting for them to arrive."""
        return self._wait(lambda: self.calls_of("sendMessage", chat_id), count, timeout, chat_id)

    async def _handle(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method, params = request.path_params["method"], await _params(request)
        with self._lock:
            if self.fail.get(method):
                wait = self.fail[method].pop(0)
                return JSONResponse(
                    {"ok": False, "error_code": 429,
                     "description": f"Too Many Requests: retry after {wait}",
                     "parameters": {"retry_after": wait}}, 429,
                )  # fmt: skip
            self.calls.append((method, params))
        results: dict[str, Callable[[], Any]] = {
            "getMe": lambda: BOT_USER,
            "sendMessage": lambda: self._message(params),
            "answerCallbackQuery": lambda: True,
            "setWebhook": lambda: True,
            "deleteWebhook": lambda: True,
            "getUpdates": list,
        }
        if method not in results:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return JSONResponse({"ok": True, "result": results[method]()})

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._ids), "date": int(time.time()), "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private"}, "text": params.get("text", ""),
        }  # fmt: skip
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message


def telegram_text(
    update_id: int, chat_id: int, text: str, *, language: str = "nl"
) -> dict[str, Any]:
    """An update with a typed message, as Telegram POSTs it to the webhook."""
    return {"update_id": update_id, "message": _message(chat_id, language, text=text)}


def telegram_media(update_id: int, chat_id: int, kind: str) -> dict[str, Any]:
    """An update with a voice note, photo or sticker instead of text."""
    media = {
        "voice": {"file_id": "AwACAgQ", "file_unique_id": "AgAD1", "duration": 4,
                  "mime_type": "audio/ogg"},
        "photo": [{"file_id": "AgACAgQ", "file_unique_id": "AQAD2", "width": 90, "height": 67}],
        "sticker": {"file_id": "CAACAgQ", "file_unique_id": "AgAD3", "width": 512, "height": 512,
                    "is_animated": False, "is_video": False, "type": "regular"},
    }[kind]  # fmt: skip
    return {"update_id": update_id, "message": _message(chat_id, "nl", **{kind: media})}


def telegram_button(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    """An update for a pressed inline button."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id * 7), "from": _user(chat_id, "nl"), "chat_instance": "42",
            "data": data, "message": _message(chat_id, "nl", text="…"),
        },
    }  # fmt: skip


def _user(chat_id: int, language: str) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Fatima", "language_code": language}


def _message(chat_id: int, language: str, **content: Any) -> dict[str, Any]:
    return {
        "message_id": int(time.time() * 1000) % 1_000_000, "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Fatima"},
        "from": _user(chat_id, language), **content,
    }  # fmt: skip


@dataclass
class FakeTwilioApi(_FakeApi):
    """Twilio's Messages resource: POST .../Accounts/{sid}/Messages.json, with basic auth."""

    account_sid: str = field(default_factory=lambda: "AC" + secrets.token_hex(16))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    messages: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        route = Route("/2010-04-01/Accounts/{sid}/Messages.json", self._create, methods=["POST"])
        self._server = _Server(Starlette(routes=[route]))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    def messages_to(self, number: str) -> list[dict[str, str]]:
        with self._lock:
            return [m for m in self.messages if m["To"] == f"whatsapp:{number}"]

    def wait_for_messages(
        self, number: str, count: int, *, timeout: float = 20.0
    ) -> list[dict[str, str]]:
        """The first `count` messages sent to the number, waiting for them to arrive."""
        return self._wait(lambda: self.messages_to(number), count, timeout, number)

    async def _create(self, request: Request) -> JSONResponse:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, 401)
        form = {key: str(value) for key, value in (await request.form()).items()}
        if not form.get("Body") and not form.get("ContentSid"):
            return JSONResponse(
                {"code": 21619, "message": "A text message body or media urls must be specified",
                 "status": 400}, 400,
            )  # fmt: skip
        sid = "SM" + secrets.token_hex(16)
        with self._lock:
            self.messages.append({**form, "Sid": sid})
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        return JSONResponse(
            {
                "sid": sid, "account_sid": self.account_sid, "to": form.get("To"),
                "from": form.get("From"), "body": form.get("Body", ""), "status": "queued",
                "num_segments": "1", "num_media": "0", "direction": "outbound-api",
                "api_version": "2010-04-01", "date_created": now, "date_updated": now,
                "date_sent": None, "price": None, "error_code": None, "error_message": None,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            201,
        )  # fmt: skip


def twilio_message(sid: str, number: str, body: str, **extra: str) -> dict[str, str]:
    """The form Twilio POSTs for an incoming WhatsApp message."""
    return {
        "MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{number}", "To": "whatsapp:+14155238886", "Body": body,
        "NumMedia": "0", "NumSegments": "1", "ProfileName": "Fatima",
        "WaId": number.lstrip("+"), "SmsStatus": "received", "ApiVersion": "2010-04-01",
        **extra,
    }  # fmt: skip


def twilio_signature(auth_token: str, url: str, form: dict[str, str]) -> str:
    """X-Twilio-Signature for a request, as Twilio computes it."""
    return str(RequestValidator(auth_token).compute_signature(url, form))


def channel_settings(telegram_api: FakeTelegramApi, twilio_api: FakeTwilioApi) -> dict[str, str]:
    """Telegram and WhatsApp switched on, talking to the local stand-ins."""
    return {
        "TELEGRAM_BOT_TOKEN": telegram_api.token,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
        "TELEGRAM_BOT_USERNAME": "TekkieTestBot",
        "TWILIO_ACCOUNT_SID": twilio_api.account_sid,
        "TWILIO_AUTH_TOKEN": twilio_api.auth_token,
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": twilio_api.base_url,
        "CHANNEL_RETRY_INTERVAL": "0.5",
    }
