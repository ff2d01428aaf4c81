"""Rasa input channel used by Tekkie's app: Rasa's REST channel, but behind a bearer token.

This module is loaded by the Rasa server itself (Python 3.10, `.venv-rasa`), named in the
generated credentials.yml. Rasa's `--auth-token` protects only its HTTP API, not channel
webhooks, so this channel checks the same secret. Unlike the stock REST channel it also answers
500 when handling fails, so the app can apologise instead of showing a silent empty reply.
"""

from __future__ import annotations

import hmac
from typing import Any, Awaitable, Callable, Dict  # noqa: UP035 - Python 3.10

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


class TokenRestInput(RestInput):
    """REST channel at /webhooks/tekkie/webhook that requires `Authorization: Bearer <token>`."""

    def __init__(self, token: str) -> None:
        if not token or token.startswith("${"):
            raise ValueError("TokenRestInput needs a token (TEKKIE_RASA_TOKEN is not set)")
        self.token = token

    @classmethod
    def name(cls) -> str:
        """Channel name, also the URL prefix."""
        return "tekkie"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> TokenRestInput:  # noqa: UP006
        """Build the channel from credentials.yml."""
        return cls(token=str((credentials or {}).get("token", "")))

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
            collector = CollectingOutputChannel()
            message = UserMessage(
                text,
                collector,
                sender_id,
                input_channel=body.get("input_channel") or self.name(),
                metadata=body.get("metadata"),
            )
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - reported to the caller, not swallowed
                return response.json({"error": type(error).__name__}, status=500)
            return response.json(collector.messages)

        return webhook
