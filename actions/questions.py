"""Answers to questions about the tracks, from the staff-editable content."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import intent, language, utter_replies
from bot.guidance.answers import track_answer
from bot.guidance.content import content


class ActionAnswerTrack(Action):
    """Answers "what does a data analyst do", "salaris?", "hoe lang duurt het" and the like."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_answer_track"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """The named track, else the one asked about before, else an overview with buttons."""
        asked = intent(tracker) or "ask_careers"
        named = next(tracker.get_latest_entity_values("track"), None)
        track_id = None if asked == "ask_careers" else named or tracker.get_slot("track")
        lang = language(tracker)
        utter_replies(
            dispatcher, track_answer(content(), intent=asked, track_id=track_id, language=lang)
        )
        return []
