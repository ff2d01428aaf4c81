"""Privacy actions: "delete my data" (after a yes) and "what do you know about me"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking import yes_no_buttons
from actions.common import in_thread, language, prospect
from actions.wiring import Deps, Wired
from bot.prospects import privacy
from bot.texts import say


class ActionAskDelete(Wired, Action):
    """Asks to confirm erasing everything; the yes goes to action_handle_yes_no."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_delete"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Explain what will be erased and ask yes or no."""
        lang = language(tracker)
        dispatcher.utter_message(text=say("confirm_delete", lang), buttons=yes_no_buttons(lang))
        return [SlotSet("pending_confirmation", "delete")]


def _summary(deps: Deps, tracker: Tracker) -> list[str] | None:
    who = prospect(tracker)
    with deps.sessions() as session:
        return privacy.summary_lines(
            session, channel=who.channel, channel_user_id=who.channel_user_id
        )


class ActionShowMyData(Wired, Action):
    """Answers "what do you know about me" with a readable summary."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_show_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """List what is stored, or say that nothing is."""
        lang = language(tracker)
        lines = await in_thread(_summary, self.deps, tracker)
        if lines is None:
            dispatcher.utter_message(text=say("nothing_stored", lang))
        else:
            dispatcher.utter_message(text=say("your_data", lang, lines="\n".join(lines)))
        return []
