"""Reads the context of every message before Rasa predicts: language, privacy link."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.wiring import Wired
from bot.conversation.language import detect_language, normalise_language
from bot.conversation.sent_context import (
    ANSWERS_WITHOUT_LANGUAGE,
    CONTEXT_ACTION,
    SWITCH_INTENT,
    sent_language,
)


def latest_user_event(tracker: Tracker) -> dict[str, Any]:
    """The newest `user` event, with its text and the channel's metadata."""
    return next((e for e in reversed(tracker.events) if e.get("event") == "user"), {})


class ActionReadContext(Wired, Action):
    """Custom slot mapping: keeps `language` and `privacy_url` up to date on each message."""

    def name(self) -> str:
        """Action name used in the domain."""
        return CONTEXT_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Set the language the prospect asked for or writes in; set the privacy link once."""
        events: list[dict[str, Any]] = []
        if not tracker.get_slot("privacy_url"):
            events.append(SlotSet("privacy_url", self.deps.privacy_url))
        if tracker.get_slot("requested_slot") in ANSWERS_WITHOUT_LANGUAGE:
            return events  # "fatima@example.nl" is an address, not a wish to speak Dutch
        current = tracker.get_slot("language")
        requested = None
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == SWITCH_INTENT:
            requested = normalise_language(next(tracker.get_latest_entity_values("language"), None))
        event = latest_user_event(tracker)
        metadata = event.get("metadata") or {}
        # Tekkie's app detects the language once per turn and sends it along (and then Rasa's
        # channel sets the slot without calling this action); `rasa shell` and other clients
        # do not, so then it is detected here.
        language = (
            requested
            or sent_language(intent=intent, metadata=metadata)
            or normalise_language(metadata.get("language"))
            or detect_language(
                event.get("text") or "", current=current, hint=metadata.get("locale")
            )
        )
        if language != current:
            events.insert(0, SlotSet("language", language))
        return events
