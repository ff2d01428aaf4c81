"""Actions around the booking form: book or move, cancel, yes/no answers, leaving the form."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import button, in_thread, language, prospect
from actions.questionnaire import STORE, save_pending_answers
from actions.wiring import Deps, Wired
from bot.intake import booking as bookings
from bot.intake import chat as intake
from bot.intake.chat import Prospect
from bot.prospects import privacy
from bot.texts import say

Events = list[dict[str, Any]]
STORE_ANSWERS = frozenset(STORE.values())
FORM_SLOTS = ("consent", "intake_mode", "slot_id", "slot_page", "offered_slots", "full_name",
              "contact", "rescheduling")  # fmt: skip


def reset_form() -> Events:
    """Forget the form's answers (what must last is in the database)."""
    return [SlotSet(slot, 0 if slot == "slot_page" else None) for slot in FORM_SLOTS]


def book_buttons(lang: str) -> list[dict[str, str]]:
    """A button to book an intake."""
    return [button(say("book_button", lang), "/book_intake")]


def booking_buttons(lang: str) -> list[dict[str, str]]:
    """Reschedule and cancel buttons."""
    return [button(say("reschedule_button", lang), "/reschedule_intake"),
            button(say("cancel_button", lang), "/cancel_intake")]  # fmt: skip


class ActionBookIntake(Wired, Action):
    """Runs when the booking form is done: books, moves, or explains why not."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_book_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Book the chosen slot; a slot taken at the last moment reopens the choice."""
        lang, who = language(tracker), prospect(tracker)
        if tracker.get_slot("consent") is False:
            dispatcher.utter_message(text=say("no_consent", lang))
            return reset_form()
        rescheduling = bool(tracker.get_slot("rescheduling"))
        current = await in_thread(intake.current_booking, self.deps.sessions, who)
        slot_id = tracker.get_slot("slot_id")
        if current is not None and not rescheduling:
            when = intake.when_text(current.starts_at, current.mode, current.location, lang)
            dispatcher.utter_message(text=say("already_booked", lang, when=when),
                                     buttons=booking_buttons(lang))  # fmt: skip
            return reset_form()
        if (rescheduling and current is None) or not slot_id:
            dispatcher.utter_message(text=say("no_booking", lang), buttons=book_buttons(lang))
            return reset_form()
        try:
            booked, name = await in_thread(
                intake.book, self.deps.sessions, who, slot_id=int(slot_id),
                name=tracker.get_slot("full_name"), contact=tracker.get_slot("contact"),
                language=lang, reschedule=rescheduling, notices=self.deps.notices,
            )  # fmt: skip
        except bookings.SlotTakenError:
            dispatcher.utter_message(text=say("slot_taken", lang))
            return [SlotSet("slot_id", None), SlotSet("slot_page", 0),
                    FollowupAction("booking_form")]  # fmt: skip
        except bookings.BookingError as error:  # things changed meanwhile (another tab, staff)
            return await self._changed_meanwhile(dispatcher, who, lang, error)
        when = intake.when_text(booked.starts_at, booked.mode, booked.location, lang)
        key = "rescheduled" if rescheduling else "booked"
        dispatcher.utter_message(text=say(key, lang, when=when, name=name))
        return reset_form()

    async def _changed_meanwhile(
        self, dispatcher: CollectingDispatcher, who: Prospect, lang: str, error: Exception
    ) -> Events:
        """Booked elsewhere, cancelled by staff, or data erased during the form: say so."""
        current = await in_thread(intake.current_booking, self.deps.sessions, who)
        if isinstance(error, bookings.AlreadyBookedError) and current is not None:
            when = intake.when_text(current.starts_at, current.mode, current.location, lang)
            dispatcher.utter_message(text=say("already_booked", lang, when=when),
                                     buttons=booking_buttons(lang))  # fmt: skip
        elif isinstance(error, bookings.NoActiveBookingError):
            dispatcher.utter_message(text=say("no_booking", lang), buttons=book_buttons(lang))
        else:
            dispatcher.utter_message(text=say("no_consent", lang))
        return reset_form()


def _choosing_a_time(tracker: Tracker) -> bool:
    """The booking form is waiting for the prospect to pick one of the offered times."""
    loop = (tracker.active_loop or {}).get("name")
    return loop == "booking_form" and tracker.get_slot("requested_slot") == "slot_id"


class ActionStartReschedule(Wired, Action):
    """On "verzetten": shows the current intake and lets the form pick a new time."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_start_reschedule"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Say when the intake is now; the form then offers new times."""
        if _choosing_a_time(tracker):
            # "kan het een andere dag?" while picking a time (booking or moving): other times
            return [SlotSet("slot_page", int(tracker.get_slot("slot_page") or 0) + 1)]
        current = await in_thread(intake.current_booking, self.deps.sessions, prospect(tracker))
        if current is not None:
            lang = language(tracker)
            when = intake.when_text(current.starts_at, current.mode, current.location, lang)
            dispatcher.utter_message(text=say("reschedule_intro", lang, when=when))
        return [*reset_form(), SlotSet("rescheduling", True), SlotSet("intake_mode", "any")]


class ActionAskCancel(Wired, Action):
    """On "annuleren": asks to confirm, or says there is nothing to cancel."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Yes/no buttons; the answer goes to action_handle_yes_no."""
        lang = language(tracker)
        current = await in_thread(intake.current_booking, self.deps.sessions, prospect(tracker))
        if current is None:
            dispatcher.utter_message(text=say("no_booking", lang), buttons=book_buttons(lang))
            return [SlotSet("pending_confirmation", None)]
        when = intake.when_text(current.starts_at, current.mode, current.location, lang)
        dispatcher.utter_message(text=say("confirm_cancel", lang, when=when),
                                 buttons=yes_no_buttons(lang))  # fmt: skip
        return [SlotSet("pending_confirmation", "cancel")]


def yes_no_buttons(lang: str) -> list[dict[str, str]]:
    """Yes and no buttons."""
    return [button(say("yes_button", lang), "/affirm"), button(say("no_button", lang), "/deny")]


class ActionHandleYesNo(Wired, Action):
    """A yes or no: confirms a pending cancel or erase, or simply moves on."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_handle_yes_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Carry out what was confirmed; anything else gets a short reply and the menu."""
        lang = language(tracker)
        yes = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        pending = tracker.get_slot("pending_confirmation")
        done: Events = [SlotSet("pending_confirmation", None)]
        if pending == "cancel" and yes:
            cancelled = await in_thread(
                intake.cancel, self.deps.sessions, prospect(tracker), notices=self.deps.notices
            )
            dispatcher.utter_message(text=say("cancelled" if cancelled else "no_booking", lang))
        elif pending == "delete" and yes:
            await in_thread(erase, self.deps, tracker)
            dispatcher.utter_message(text=say("deleted", lang))
            return [*done, *reset_form()]
        elif pending in ("cancel", "delete"):
            dispatcher.utter_message(text=say("kept", lang))
        elif pending in STORE_ANSWERS:
            if yes:
                await in_thread(
                    intake.record_consent, self.deps.sessions, prospect(tracker), language=lang
                )
                await save_pending_answers(self.deps, tracker)
            dispatcher.utter_message(
                text=say("answers_saved" if yes else "answers_not_saved", lang)
            )
            return done
        else:
            dispatcher.utter_message(text=say("ok" if yes else "no_problem", lang))
        dispatcher.utter_message(response="utter_anything_else")
        return done


def erase(deps: Deps, tracker: Tracker) -> None:
    """Erase the prospect's data in one transaction."""
    who = prospect(tracker)
    with deps.sessions.begin() as session:
        privacy.erase_person(
            session,
            channel=who.channel,
            channel_user_id=who.channel_user_id,
            rasa_sender_id=tracker.sender_id,
            notices=deps.notices,
        )


class ActionLeaveBooking(Wired, Action):
    """Leaves the booking form on "menu", "stop" or another request."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_leave_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Forget the half-filled form; show the menu when that is what was asked for."""
        if (tracker.latest_message.get("intent") or {}).get("name") in ("menu", "goodbye"):
            dispatcher.utter_message(response="utter_menu")
        return [ActiveLoop(None), *reset_form()]
