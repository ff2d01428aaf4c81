"""Rasa input channel used by Tekkie's app: Rasa's REST channel, but behind a bearer token.

This module is loaded by the Rasa server itself (Python 3.10, `.venv-rasa`), named in the
generated credentials.yml. Rasa's `--auth-token` protects only its HTTP API, not channel
webhooks, so this channel checks the same secret. Unlike the stock REST channel it also answers
500 when handling fails, so the app can apologise instead of showing a silent empty reply.

Rasa swallows a failed custom action ("Bot will continue, but the actions events are lost")
and answers anyway, often wrongly. So this channel answers 503 when the action server is
down: it asks the action server's /health before the turn, and again when a custom action
failed during the turn (a wrapper around `RemoteAction.run` flags it). The app then treats
the turn like Rasa being down: the message waits and is handled once actions are back. An
action that fails while its server is up is a bug that waiting cannot fix: it is logged and
the turn ends as Rasa made it, so one bad action never blocks a conversation for good.

Each answer also says what the turn left behind, in two headers the app reads instead of
asking again: `X-Tekkie-Language` (the `language` slot) and `X-Tekkie-Paused` ("1" when the
turn handed the conversation to a person). A wrapper around `MessageProcessor.save_tracker`
notes both when Rasa stores the tracker at the end of the turn.

The same wrapper keeps the stored tracker lean: each message's NLU result holds the ranking
of every intent and every answer (the retrieval ranker needs them all during the turn), some
10 KB per message. Stored, Rasa reads, writes and sends them to the action server on every
later turn, so a turn got slower the longer the conversation ran. Only the top entries of
each ranking are kept once the turn is over.
"""

from __future__ import annotations

import contextvars
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List  # noqa: UP035 - Python 3.10

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.conversation.sent_context import ANSWERS_WITHOUT_LANGUAGE, CONTEXT_ACTION, sent_language

logger = logging.getLogger(__name__)
# The custom actions that failed in the current turn (set per request by the channel).
_FAILED_ACTIONS: contextvars.ContextVar[List[str] | None] = contextvars.ContextVar(  # noqa: UP006
    "tekkie_failed_actions", default=None
)
# What the current turn left behind: the language slot and whether Rasa is paused.
_TURN_STATE: contextvars.ContextVar[Dict[str, str] | None] = contextvars.ContextVar(  # noqa: UP006
    "tekkie_turn_state", default=None
)
KEPT_RANKS = 3  # of each ranking, in the stored tracker
_remote_run = RemoteAction.run
_save_tracker = MessageProcessor.save_tracker


def context_without_a_call(tracker: DialogueStateTracker) -> List[Event] | None:  # noqa: UP006
    """`action_read_context`'s events when the app's detection decides them, else None.

    The slot mapping runs before every prediction; its round trip to the action server (the
    whole tracker sent, the answer validated) was a tenth of a turn. It is only needed when
    the privacy link is not set yet, for a request to switch, or without the app's language.
    """
    if not tracker.get_slot("privacy_url"):
        return None
    if tracker.get_slot("requested_slot") in ANSWERS_WITHOUT_LANGUAGE:
        return []  # a name or an address says nothing about the language
    message = tracker.latest_message
    intent = (message.intent or {}).get("name") if message is not None else None
    language = sent_language(intent=intent, metadata=message.metadata if message else None)
    if language is None:
        return None
    return [] if tracker.get_slot("language") == language else [SlotSet("language", language)]


async def _flagging_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    """RemoteAction.run, remembering a failure for the channel before Rasa swallows it."""
    if self.name() == CONTEXT_ACTION:
        tracker = kwargs.get("tracker") or next(
            (a for a in args if isinstance(a, DialogueStateTracker)), None
        )
        if tracker is not None and (events := context_without_a_call(tracker)) is not None:
            return events
    try:
        return await _remote_run(self, *args, **kwargs)
    except Exception:
        failed = _FAILED_ACTIONS.get()
        if failed is not None:
            failed.append(self.name())
        raise


def lean_parse_data(parse_data: Dict[str, Any]) -> Dict[str, Any]:  # noqa: UP006
    """The NLU result with only the top KEPT_RANKS of its intent and answer rankings."""
    lean = dict(parse_data)
    if isinstance(lean.get("intent_ranking"), list):
        lean["intent_ranking"] = lean["intent_ranking"][:KEPT_RANKS]
    selectors = lean.get("response_selector")
    if isinstance(selectors, dict):
        lean["response_selector"] = {
            key: {**value, "ranking": value["ranking"][:KEPT_RANKS]}
            if isinstance(value, dict) and isinstance(value.get("ranking"), list) else value
            for key, value in selectors.items()
        }  # fmt: skip
    return lean


def _is_lean(parse_data: Dict[str, Any]) -> bool:  # noqa: UP006
    rankings = [parse_data.get("intent_ranking")] + [
        value.get("ranking") for value in (parse_data.get("response_selector") or {}).values()
        if isinstance(value, dict)
    ]  # fmt: skip
    return all(not isinstance(r, list) or len(r) <= KEPT_RANKS for r in rankings)


def _lean_events(tracker: DialogueStateTracker) -> None:
    """Trim the messages not trimmed yet (in practice the turn's own): no copy of the rest."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.parse_data:
            if _is_lean(event.parse_data):
                continue
            event.parse_data = lean_parse_data(event.parse_data)


async def _noting_save(self: MessageProcessor, tracker: DialogueStateTracker) -> None:
    """MessageProcessor.save_tracker, noting the turn's language and pause for the channel."""
    _lean_events(tracker)
    await _save_tracker(self, tracker)
    state = _TURN_STATE.get()
    if state is not None:
        state["X-Tekkie-Language"] = str(tracker.get_slot("language") or "")
        state["X-Tekkie-Paused"] = "1" if tracker.is_paused() else "0"


RemoteAction.run = _flagging_run
MessageProcessor.save_tracker = _noting_save


class TokenRestInput(RestInput):
    """REST channel at /webhooks/tekkie/webhook that requires `Authorization: Bearer <token>`."""

    def __init__(self, token: str, action_health_url: str | None = None) -> None:
        if not token or token.startswith("${"):
            raise ValueError("TokenRestInput needs a token (TEKKIE_RASA_TOKEN is not set)")
        self.token = token
        self.action_health_url = action_health_url

    @classmethod
    def name(cls) -> str:
        """Channel name, also the URL prefix."""
        return "tekkie"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> TokenRestInput:  # noqa: UP006
        """Build the channel from credentials.yml."""
        credentials = credentials or {}
        return cls(
            token=str(credentials.get("token", "")),
            action_health_url=credentials.get("action_health_url") or None,
        )

    async def _actions_up(self) -> bool:
        """True when the action server answers its health check (or none is configured)."""
        if self.action_health_url is None:
            return True
        try:
            timeout = aiohttp.ClientTimeout(total=3)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(self.action_health_url) as answer,
            ):
                return answer.status == 200
        except (aiohttp.ClientError, OSError, TimeoutError):
            return False

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, supplied = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            supplied.encode(), self.token.encode()
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: GET / (health) and POST /webhook (one user message, replies as JSON)."""
        webhook = Blueprint("tekkie_webhook")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json or {}
            sender_id, text = body.get("sender"), body.get("message")
            if not isinstance(sender_id, str) or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            if not await self._actions_up():
                return response.json({"error": "action server unavailable"}, status=503)
            collector = CollectingOutputChannel()
            message = UserMessage(
                text,
                collector,
                sender_id,
                input_channel=body.get("input_channel") or self.name(),
                metadata=body.get("metadata"),
            )
            failed: List[str] = []  # noqa: UP006
            _FAILED_ACTIONS.set(failed)
            state: Dict[str, str] = {}  # noqa: UP006
            _TURN_STATE.set(state)
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - reported to the caller, not swallowed
                return response.json({"error": type(error).__name__}, status=500)
            if failed and not await self._actions_up():  # it went away during the turn
                logger.error("action server gone during the turn: %s", ", ".join(failed))
                return response.json(
                    {"error": "action server unavailable", "actions": failed}, status=503
                )
            if failed:  # the server is up: the action itself failed (a bug, see its log);
                # waiting would not help, so the turn ends as Rasa made it
                logger.error("custom actions failed in this turn: %s", ", ".join(failed))
            headers = {name: value for name, value in state.items() if value}
            return response.json(collector.messages, headers=headers)

        return webhook
