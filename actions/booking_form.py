"""The intake booking form: which questions to ask, how to ask them, and checking the answers."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import INTERRUPTIONS, button, in_thread, intent, language, prospect
from actions.context import latest_user_event
from actions.questionnaire import save_pending_answers
from actions.wiring import Wired
from bot.intake import chat as intake
from bot.texts import say

Events = list[dict[str, Any]]


_ORDINALS = {"eerste": 0, "first": 0, "tweede": 1, "second": 1, "derde": 2, "third": 2}


def _position(text: str, count: int) -> int | None:
    """Index of the option meant by "2", "de tweede", "the last one"...; None if unclear."""
    numbers = re.findall(r"(?<![\d:.])(\d)(?![\d:.])", text)
    if len(numbers) == 1 and 1 <= int(numbers[0]) <= count:
        return int(numbers[0]) - 1
    for word, index in _ORDINALS.items():
        if word in text and index < count:
            return index
    if count and ("laatste" in text or "last" in text):
        return count - 1
    return None


class ValidateBookingForm(Wired, FormValidationAction):
    """Skips what Tekkie already knows and checks each answer."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "validate_booking_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Only the questions still needed; none when booking is not possible or not wanted."""
        if tracker.get_slot("consent") is False:
            return []
        known = await in_thread(intake.state, self.deps.sessions, prospect(tracker))
        rescheduling = bool(tracker.get_slot("rescheduling"))
        if (known.booked_at is not None) != rescheduling:
            return []  # already booked (or nothing to move): action_book_intake explains
        skip = set()
        if known.has_lead:
            skip.add("consent")
        if known.has_name:
            skip.add("full_name")
        if known.has_contact or prospect(tracker).channel != "webchat":
            skip.add("contact")  # Telegram and WhatsApp reach the prospect themselves
        return [slot for slot in domain_slots if slot not in skip]

    async def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes stores the lead now (with the consent text's version); no ends the form."""
        if value is True:
            await in_thread(
                intake.record_consent,
                self.deps.sessions,
                prospect(tracker),
                language=language(tracker),
            )
            await save_pending_answers(
                self.deps, tracker
            )  # the advice and needs found before, if any
        return {"consent": value}

    async def validate_intake_mode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Online, on location, or either."""
        if value in ("online", "location", "any"):
            return {"intake_mode": value, "slot_page": 0}
        return {"intake_mode": None}

    async def extract_slot_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A typed choice: "1", "2", "3" or the time ("10:30") of an offered slot."""
        if tracker.get_slot("requested_slot") != "slot_id":
            return {}
        if intent(tracker) in INTERRUPTIONS | {"more_slots"}:
            return {}
        if next(tracker.get_latest_entity_values("slot_id"), None) is not None:
            return {}  # a pressed button: the entity mapping has it
        text = (tracker.latest_message.get("text") or "").strip().lower()
        offered = [str(s) for s in tracker.get_slot("offered_slots") or []]
        position = _position(text, len(offered))
        if position is not None:
            return {"slot_id": offered[position]}
        times = re.findall(r"\b(\d{1,2})[:.](\d{2})\b", text)
        if times and offered:
            found = await in_thread(intake.find_offered, self.deps.sessions, offered, times[0])
            if found is not None:
                return {"slot_id": str(found)}
        dispatcher.utter_message(text=say("pick_a_time", language(tracker)))
        return {"slot_id": None}

    async def validate_slot_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A slot that is still free; "more" pages on; a taken one gets an apology."""
        page = int(tracker.get_slot("slot_page") or 0)
        if value == "more":
            return {"slot_id": None, "slot_page": page + 1}
        if value is None or not str(value).isdigit():
            return {"slot_id": None}
        if not await in_thread(intake.is_free, self.deps.sessions, int(value)):
            dispatcher.utter_message(text=say("slot_taken", language(tracker)))
            return {"slot_id": None, "slot_page": 0}
        return {"slot_id": str(value)}

    async def validate_full_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Two to eighty characters that look like a name."""
        name = intake.clean_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(text=say("bad_name", language(tracker)))
        return {"full_name": name}

    async def extract_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A valid address or number is the answer, whatever intent NLU saw in it."""
        if tracker.get_slot("requested_slot") != "contact":
            return {}
        text = str(tracker.latest_message.get("text") or "")
        return {"contact": text.strip()} if intake.clean_contact(text) else {}

    async def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A valid e-mail address or phone number (stored as E.164)."""
        if intake.clean_contact(str(value or "")) is None:
            dispatcher.utter_message(text=say("bad_contact", language(tracker)))
            return {"contact": None}
        return {"contact": str(value).strip()}


class ActionAskConsent(Wired, Action):
    """Asks permission to store the lead before anything is stored."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Explain what is kept and ask yes or no."""
        lang = language(tracker)
        dispatcher.utter_message(
            text=say("ask_consent", lang),
            buttons=[button(say("consent_yes", lang), "/affirm"),
                     button(say("consent_no", lang), "/deny")],
        )  # fmt: skip
        return []


class ActionAskIntakeMode(Wired, Action):
    """Asks online or on location."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_intake_mode"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Three buttons: online, on location, no preference."""
        lang = language(tracker)
        dispatcher.utter_message(
            text=say("ask_mode", lang),
            buttons=[
                button(say(f"mode_{mode}", lang), f'/choose_mode{{"mode": "{mode}"}}')
                for mode in ("online", "location", "any")
            ],
        )
        return []


class ActionAskSlotId(Wired, Action):
    """Offers the next free slots as buttons, a few at a time, with "other times"."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_slot_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Show one page of slots, remember them, or end the form when there are none."""
        lang, page = language(tracker), int(tracker.get_slot("slot_page") or 0)
        options = await in_thread(
            intake.offer, self.deps.sessions, mode=tracker.get_slot("intake_mode"), page=page
        )
        if not options and page > 0:
            dispatcher.utter_message(text=say("no_more_slots", lang))
            options = await in_thread(
                intake.offer, self.deps.sessions, mode=tracker.get_slot("intake_mode"), page=0
            )
            page = 0
        if not options:
            dispatcher.utter_message(text=say("no_slots", lang))
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("requested_slot", None), ActiveLoop(None)]
        buttons = [
            button(intake.slot_label(o.starts_at, o.mode, lang), choose_slot_payload(o.slot_id))
            for o in options
        ]
        buttons.append(button(say("more_slots", lang), "/more_slots"))
        dispatcher.utter_message(text=say("offer_slots", lang), buttons=buttons)
        return [SlotSet("offered_slots", [o.slot_id for o in options]), SlotSet("slot_page", page)]


def choose_slot_payload(slot_id: int) -> str:
    """The button payload that picks a slot."""
    return f'/choose_slot{{"slot_id": "{slot_id}"}}'


class _AskOneQuestion(Wired, Action):
    """Asks one short question from messages.yml (subclasses name the action and the text)."""

    action_name = ""
    message = ""

    def name(self) -> str:
        """Action name used in the domain."""
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Say the question in the conversation's language."""
        dispatcher.utter_message(text=say(self.message, language(tracker)))
        return []


class ActionAskFullName(Wired, Action):
    """Asks the prospect's name, suggesting the channel's profile name as a button."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_full_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """The question; with WhatsApp's ProfileName or Telegram's first name as a choice."""
        lang = language(tracker)
        hint = (latest_user_event(tracker).get("metadata") or {}).get("name_hint")
        suggestion = intake.clean_name(str(hint or ""))
        if suggestion is None:
            dispatcher.utter_message(text=say("ask_name", lang))
        else:  # the button's payload is plain text: Rasa takes it as the typed name
            dispatcher.utter_message(
                text=say("ask_name_suggested", lang, name=suggestion),
                buttons=[button(suggestion, suggestion)],
            )
        return []


class ActionAskContact(_AskOneQuestion):
    """Asks an e-mail address or phone number (only where the channel gives none)."""

    action_name, message = "action_ask_contact", "ask_contact"
