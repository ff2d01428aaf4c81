"""HTTP client for the internal Rasa server: one user message in, Tekkie's replies out."""

from __future__ import annotations

from typing import Any

import httpx

from bot.conversation.rasa import RasaReply, RasaUnavailableError
from bot.messages import Button, OutboundMessage

__all__ = ["RasaClient", "RasaReply", "RasaUnavailableError", "to_outbound"]
# Set by Tekkie's Rasa channel (integrations/rasa_token_channel.py) on each turn's answer.
LANGUAGE_HEADER = "X-Tekkie-Language"
PAUSED_HEADER = "X-Tekkie-Paused"


class RasaClient:
    """Talks to Rasa's token-protected `tekkie` channel and its HTTP API."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.url = base_url
        self._token = token
        # A refused or silent connection fails within 2 s: the router tries another server.
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0))
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def send(
        self, *, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> RasaReply:
        """Hand one message to Rasa; its replies, and the language and pause it left."""
        body = {"sender": sender_id, "message": text, "metadata": metadata or {}}
        try:
            response = await self._http.post(
                "/webhooks/tekkie/webhook",
                json=body,
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except httpx.HTTPError as error:
            raise _unavailable(error) from error
        if response.status_code != 200:
            raise RasaUnavailableError(f"Rasa answered {response.status_code}: {response.text}")
        return RasaReply(
            messages=[to_outbound(item) for item in response.json() if _shown(item)],
            language=response.headers.get(LANGUAGE_HEADER) or None,
            paused=response.headers.get(PAUSED_HEADER) == "1",
        )

    async def is_ready(self) -> bool:
        """True when Rasa answers and has a model loaded."""
        try:
            response = await self._http.get("/status", params={"token": self._token})
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and bool(response.json().get("model_file"))

    async def load_model(self, model_file: str, *, seconds: float = 300.0) -> None:
        """Replace the running server's model (`PUT /model`); the old one answers until then.

        Raises RasaUnavailableError when Rasa is unreachable or refuses the model; it keeps
        the model it had then.
        """
        try:
            response = await self._http.put(
                "/model", params={"token": self._token}, json={"model_file": model_file},
                timeout=seconds,
            )  # fmt: skip
        except httpx.HTTPError as error:
            raise RasaUnavailableError(f"Rasa unreachable: {error!r}") from error
        if response.status_code != 204:
            raise RasaUnavailableError(f"Rasa refused the model ({response.status_code}): "
                                       f"{response.text[:500]}")  # fmt: skip

    async def model_file(self) -> str | None:
        """The file name of the model Rasa has loaded; None when it is unreachable."""
        try:
            response = await self._http.get("/status", params={"token": self._token})
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        name = response.json().get("model_file")
        return str(name).rsplit("/", 1)[-1] if name else None

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Add events to the conversation's tracker (Rasa predicts nothing for them).

        `POST /conversations/{sender_id}/tracker/events` of Rasa's HTTP API: the tracker keeps
        its session (no new session starts, not even after a long pause), and the events are
        stored as they are, e.g. a staff member's message or `{"event": "resume"}`.
        """
        try:
            response = await self._http.post(
                f"/conversations/{sender_id}/tracker/events",
                params={"token": self._token},
                json=events,
            )
        except httpx.HTTPError as error:
            raise _unavailable(error) from error
        if response.status_code != 200:
            raise RasaUnavailableError(f"Rasa answered {response.status_code}: {response.text}")

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        """The conversation's tracker (slots, events) from Rasa's HTTP API."""
        try:
            response = await self._http.get(
                f"/conversations/{sender_id}/tracker", params={"token": self._token}
            )
        except httpx.HTTPError as error:
            raise _unavailable(error) from error
        if response.status_code != 200:
            raise RasaUnavailableError(f"Rasa answered {response.status_code}: {response.text}")
        result: dict[str, Any] = response.json()
        return result


def _unavailable(error: httpx.HTTPError) -> RasaUnavailableError:
    """Rasa could not be asked; `unreached` when no connection was made (nothing happened)."""
    unreached = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
    return RasaUnavailableError(f"Rasa unreachable: {error!r}", unreached=unreached)


def _shown(item: dict[str, Any]) -> bool:
    """A reply the prospect sees (text or buttons), not only a custom payload."""
    return bool(item.get("text") or item.get("buttons"))


def to_outbound(item: dict[str, Any]) -> OutboundMessage:
    """Translate one Rasa REST reply into Tekkie's message type."""
    buttons = tuple(
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for b in item.get("buttons") or []
        if b.get("payload")
    )
    return OutboundMessage(text=str(item.get("text") or ""), buttons=buttons)
