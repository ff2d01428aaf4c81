"""When Rasa is unsure, or a request is outside the school's business: answer honestly.

A track named in the message ("wat is een growth hacker?", "tell me about ux design") is a
question about that track, whatever else NLU made of it, so it gets the track's answer. A
request outside the school's business gets "I only help with questions about the training";
anything else gets "I'm not sure" with the offer of a colleague and the menu, and is logged
for staff (event `understanding.unsure`), so questions Tekkie cannot answer yet are seen.
"""

from __future__ import annotations

from typing import Any

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import button, intent, language
from bot.guidance.answers import track_answer
from bot.guidance.content import content

log = structlog.get_logger(__name__)


class ActionUnsure(Action):
    """Rasa's fallback and out-of-scope turns: a named track, a kind "no", or "not sure"."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_unsure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Answer the named track, decline off-topic requests, or say honestly it is unsure."""
        lang = language(tracker)
        track = next(tracker.get_latest_entity_values("track"), None)
        if track is not None:
            for reply in track_answer(
                content(), intent="ask_track_work", track_id=track, language=lang
            ):
                buttons = [button(title, payload) for title, payload in reply.buttons]
                dispatcher.utter_message(text=reply.text, buttons=buttons)
            return []
        if intent(tracker) == "out_of_scope":
            dispatcher.utter_message(response="utter_only_training")
            return []
        text = (tracker.latest_message or {}).get("text") or ""
        log.info("understanding.unsure", sender=tracker.sender_id, text=text[:300], language=lang)
        dispatcher.utter_message(response="utter_default")
        return []
