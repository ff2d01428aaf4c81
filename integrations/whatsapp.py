"""WhatsApp through Twilio (twilio 9): signed webhooks in, REST API messages out.

Buttons become Content API templates (quick reply up to 3, list picker up to 10) when their
ContentSids are configured, else numbered options ("1", "2" or the option's words choose).
Free-form messages are only allowed within 24 hours of the prospect's last message; outside
that window a reminder needs the configured template, and without one it is marked unsendable
(visible to staff), never silently dropped.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import phonenumbers
from sqlalchemy.orm import Session, sessionmaker
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.db.models import OutboxMessage, utcnow
from bot.db.repositories import conversations
from bot.messages import InboundMessage, OutboundMessage, button_ref
from bot.outbox import BlockingSender, UnsendableError
from bot.settings import Settings

CHANNEL = "whatsapp"
TWILIO_API = "https://api.twilio.com"
WINDOW = timedelta(hours=24)
MAX_BODY = 1600  # Twilio's limit for one WhatsApp message body
_CAMPAIGN = re.compile(r"(?i)\b(?:code|campagne|campaign)\s*[:#]?\s*([A-Za-z0-9_-]{2,32})\b")
# A bracketed code, as a campaign link fills it in, is taken out of the text Rasa reads:
# "Hoi! (code BUURT-WEST)" -> "Hoi!". A code typed in a sentence stays where it is.
_CODE_IN_TEXT = re.compile(
    r"\s*\(\s*(?:code|campagne|campaign)\s*[:#]?\s*[A-Za-z0-9_-]{2,32}\s*\)", re.IGNORECASE
)
_MEDIA_KINDS = {"audio": "voice", "image": "photo", "video": "video"}
_MESSAGE_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")  # Twilio's SIDs: two letters and 32 hex


class BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, sending to another base URL (a local stand-in in tests)."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        """Send the request to the configured base URL instead of api.twilio.com."""
        if url.startswith(TWILIO_API):
            url = self._base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def make_client(settings: Settings) -> Client:
    """The Twilio REST client for the configured account (and base URL)."""
    assert settings.twilio_auth_token is not None  # checked by Settings when SID is set
    http_client = None
    if settings.twilio_api_base_url.rstrip("/") != TWILIO_API:
        http_client = BaseUrlHttpClient(settings.twilio_api_base_url, timeout=15)
    return Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        http_client=http_client,
    )


def signature_is_valid(settings: Settings, url: str, form: dict[str, str], signature: str) -> bool:
    """True when X-Twilio-Signature matches the public URL Twilio called and the form."""
    if settings.twilio_auth_token is None or not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    return bool(validator.validate(url, form, signature))


def e164(address: str) -> str | None:
    """'whatsapp:+31612345678' -> '+31612345678'; None when it cannot be a phone number.

    WhatsApp has verified the sender's number, so any number of a possible length counts:
    libphonenumber's list of allocated ranges lags behind new ones, and a prospect writing
    from a new range must not be ignored.
    """
    number = address.removeprefix("whatsapp:").strip()
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def parse_message(form: dict[str, str]) -> InboundMessage | None:
    """The internal message for an incoming WhatsApp message; None when it is not one."""
    number = e164(form.get("From", ""))
    if number is None or not _MESSAGE_SID.fullmatch(form.get("MessageSid", "")):
        return None
    body = form.get("Body", "")
    campaign = None
    if form.get("ReferralSourceId"):  # a click-to-WhatsApp ad
        campaign = f"ad-{form['ReferralSourceId']}"[:64]
    elif (bracketed := _CODE_IN_TEXT.search(body)) and (
        found := _CAMPAIGN.search(bracketed.group(0))
    ):  # "(code BUURT-WEST)", as a link fills it in: that code, not an earlier "campagne op"
        campaign = found.group(1).lower()  # campaign codes are lowercase
        body = (body[: bracketed.start()] + body[bracketed.end() :]).strip() or body
    elif found := _CAMPAIGN.search(body):  # typed: "CODE X"
        campaign = found.group(1).lower()
    base = InboundMessage(
        channel=CHANNEL, channel_user_id=number, campaign=campaign,
        metadata={"name_hint": form["ProfileName"]} if form.get("ProfileName") else {},
    )  # fmt: skip
    if form.get("ButtonPayload", "").startswith("b"):
        return _with(base, button_ref=form["ButtonPayload"])
    if _count(form.get("NumMedia")) > 0 or form.get("MediaUrl0"):
        kind = form.get("MediaContentType0", "").split("/", 1)[0]
        return _with(base, unsupported=_MEDIA_KINDS.get(kind, "document"))
    if form.get("Latitude") or form.get("MessageType") == "location":
        return _with(base, unsupported="location")
    return _with(base, text=body or form.get("ButtonText", ""), numbered_choices=True)


def first_message_campaign(body: str) -> str | None:
    """The campaign Tekkie reads in `body` when a prospect sends it as a WhatsApp message.

    Campaigns check their codes with it against the text a wa.me link fills in
    (bot/prospects/campaigns.py): a code is only usable when it comes back unchanged.
    """
    first = parse_message({"From": "whatsapp:+31612345678", "MessageSid": "SMcheck", "Body": body})
    return first.campaign if first else None


def _count(value: str | None) -> int:
    """Twilio's NumMedia; anything that is not a number counts as none."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _with(base: InboundMessage, **changes: Any) -> InboundMessage:
    data = base.to_dict()
    data.update(changes)
    return InboundMessage.from_dict(data)


def numbered(reply: OutboundMessage) -> str:
    """The reply as text with its buttons as numbered options."""
    options = "\n".join(f"{n}. {b.title}" for n, b in enumerate(reply.buttons, start=1))
    return f"{reply.text}\n\n{options}".strip() if options else reply.text


def split_body(text: str, limit: int = MAX_BODY) -> list[str]:
    """Parts of at most `limit` characters, cut at line or word boundaries."""
    parts, rest = [], text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [*parts, rest] if rest else parts


class WhatsAppSender(BlockingSender):
    """Outbox sender for WhatsApp: templates, numbered options, the 24-hour window."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings = settings
        self._sessions = sessions
        self._client = make_client(settings)

    def send_blocking(self, message: OutboxMessage) -> str | None:
        """Deliver one reply, confirmation or reminder; return Twilio's MessageSid."""
        reply = OutboundMessage.from_payload(message.payload)
        common = {
            "to": f"whatsapp:{message.recipient}",
            "from_": self._settings.twilio_whatsapp_from,
            "status_callback": f"{self._settings.base_url}/webhooks/whatsapp/status",
        }
        if not self._window_open(message.recipient):
            template = self._settings.twilio_reminder_template_sid
            if template is None:
                raise UnsendableError(
                    "outside WhatsApp's 24-hour window and no TWILIO_REMINDER_TEMPLATE_SID set"
                )
            return self._create(**common, content_sid=template,
                                content_variables=json.dumps({"1": reply.text[:1000]}))  # fmt: skip
        template, variables = self._button_template(reply)
        if template is not None:
            return self._create(
                **common, content_sid=template, content_variables=json.dumps(variables)
            )
        sid = None
        for part in split_body(numbered(reply)) or ["👍"]:
            sid = self._create(**common, body=part)
        return sid

    def _create(self, **fields: Any) -> str:
        created = self._client.messages.create(**fields)
        return str(created.sid)

    def _window_open(self, recipient: str) -> bool:
        with self._sessions() as session:
            found = conversations.find_conversation(
                session, channel=CHANNEL, channel_user_id=recipient
            )
            last = found.last_inbound_at if found is not None else None
        return last is not None and utcnow() - last < WINDOW

    def _button_template(self, reply: OutboundMessage) -> tuple[str | None, dict[str, str]]:
        """A configured template for this many buttons, and its variables."""
        count = len(reply.buttons)
        if count == 0 or len(reply.text) > 1024:
            return None, {}
        if count <= 3:
            sid = self._settings.twilio_quick_reply_sids.get(str(count))
        else:
            sid = self._settings.twilio_list_picker_sid if count <= 10 else None
        if sid is None:
            return None, {}
        variables = {"1": reply.text}
        for n, button in enumerate(reply.buttons):
            variables[str(2 + 2 * n)] = button.title[:24]
            variables[str(3 + 2 * n)] = button_ref(button.payload)
        return sid, variables
