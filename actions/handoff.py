"""Talking to a person: hands the conversation to the school's staff and pauses Tekkie."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import in_thread, language, prospect
from actions.wiring import Deps, Wired
from bot.conversation.other_languages import other_languages
from bot.prospects import handoff
from bot.texts import say


def _writes_in(tracker: Tracker) -> str | None:
    """The language Tekkie does not speak that the prospect wrote in, from the button's payload."""
    code = next(tracker.get_latest_entity_values("spoken_language"), None)
    known = other_languages().get(str(code)) if code else None
    return known.name_nl if known else None


def _request(deps: Deps, tracker: Tracker, lang: str) -> bool:
    who = prospect(tracker)
    with deps.sessions.begin() as session:
        return handoff.request_handoff(
            session, channel=who.channel, channel_user_id=who.channel_user_id, language=lang,
            notices=deps.notices, writes_in=_writes_in(tracker),
        )  # fmt: skip


class ActionRequestHandoff(Wired, Action):
    """Records the request, tells staff, and pauses the conversation until staff hand it back."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_request_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Say that a colleague will answer here; Rasa predicts nothing while paused."""
        lang = language(tracker)
        await in_thread(_request, self.deps, tracker, lang)
        dispatcher.utter_message(text=say("handoff_requested", lang))
        return [ConversationPaused()]
