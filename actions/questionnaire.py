"""The fit assessment and the money-and-support check: one form, one question at a time."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import INTERRUPTIONS, button, in_thread, intent, language, prospect
from actions.wiring import Deps, Wired
from bot.guidance import questionnaires as q
from bot.guidance.content import content
from bot.intake import chat as intake
from bot.texts import say

Events = list[dict[str, Any]]
# Typed messages that are not an answer but a request of their own (answered by rules).
NOT_AN_ANSWER = INTERRUPTIONS | {"book_intake"}
STORE = {"assessment": "store_assessment", "needs": "store_needs"}
# "geen idee welke opleiding" in the assessment itself is an unclear answer, not a restart.
STARTED_BY = {"assessment": "ask_assessment", "needs": "ask_support"}


def _all_answers(tracker: Tracker) -> dict[str, dict[str, str]]:
    stored = tracker.get_slot("questionnaire_answers")
    return {k: dict(v) for k, v in stored.items()} if isinstance(stored, dict) else {}


def _current(tracker: Tracker) -> tuple[q.Kind, dict[str, str]]:
    kind = q.kind_of(tracker.get_slot("questionnaire"))
    return kind, _all_answers(tracker).get(kind, {})


class ActionStartQuestionnaire(Wired, Action):
    """Starts the assessment or the needs check, or resumes the one left half-way."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_start_questionnaire"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Say how it works (or that we carry on), then the form asks the questions."""
        kind: q.Kind = "needs" if intent(tracker) == "ask_support" else "assessment"
        answers = _all_answers(tracker)
        mine = answers.get(kind, {})
        if mine and not q.is_complete(kind, mine):
            dispatcher.utter_message(text=say("questionnaire_resume", language(tracker)))
        else:
            answers[kind] = {}
            dispatcher.utter_message(text=q.intro(kind, language(tracker)))
        return [
            SlotSet("questionnaire", kind),
            SlotSet("questionnaire_answers", answers),
            SlotSet("questionnaire_answer", None),
        ]


class ActionAskQuestionnaireAnswer(Wired, Action):
    """Asks the next unanswered question with its buttons."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_questionnaire_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """One question, numbered, with a button per answer."""
        kind, answers = _current(tracker)
        question_id = q.next_question(kind, answers)
        if question_id is not None:
            asked = q.step(kind, question_id, language(tracker))
            dispatcher.utter_message(
                text=asked.text,
                buttons=[button(title, payload) for title, payload in asked.buttons],
            )
        return []


class ValidateQuestionnaireForm(Wired, FormValidationAction):
    """Turns a pressed button or a typed answer into the answer of the current question."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "validate_questionnaire_form"

    async def extract_questionnaire_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer as "question:option", a hint when unclear, or {} for another request."""
        if tracker.get_slot("requested_slot") != "questionnaire_answer":
            return {}
        kind, answers = _current(tracker)
        lang, pressed = language(tracker), next(tracker.get_latest_entity_values("choice"), None)
        if pressed is not None:
            choice = q.parse_choice(pressed)
            if choice is not None and choice.kind == kind:
                return {"questionnaire_answer": f"{choice.question_id}:{choice.option_id}"}
            dispatcher.utter_message(text=say("stale_button", lang))
            return {"questionnaire_answer": None}
        question_id = q.next_question(kind, answers) or ""
        text = str(tracker.latest_message.get("text") or "")
        option = q.match_typed(kind, question_id, text, intent=intent(tracker), language=lang)
        if option is not None:
            return {"questionnaire_answer": f"{question_id}:{option}"}
        if intent(tracker) in NOT_AN_ANSWER - {STARTED_BY[kind]}:
            return {}
        dispatcher.utter_message(text=say(_hint(kind), lang))
        return {"questionnaire_answer": None}

    async def validate_questionnaire_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Record the answer; the slot stays empty (next question) until all are answered."""
        kind, answers = _current(tracker)
        question_id, _, option_id = str(value or "").partition(":")
        if value != "done" and q.is_valid(kind, question_id, option_id):
            answers[question_id] = option_id
        done = "done" if q.next_question(kind, answers) is None else None
        everything = {**_all_answers(tracker), kind: answers}
        return {"questionnaire_answers": everything, "questionnaire_answer": done}


def _hint(kind: q.Kind) -> str:
    return "pick_yes_no" if kind == "needs" else "pick_an_option"


class ActionQuestionnaireResult(Wired, Action):
    """Gives the advice or the support list, and keeps it on the lead if allowed."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_questionnaire_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """The result first; then store it, or ask whether we may."""
        kind, answers = _current(tracker)
        lang = language(tracker)
        if not q.is_complete(kind, answers):
            return [SlotSet("questionnaire_answer", None)]
        events: Events = [SlotSet("questionnaire_answer", None)]
        if kind == "assessment":
            outcome: dict[str, Any] = {"assessment": _advise(dispatcher, answers, lang)}
            events.append(SlotSet("assessment_result", outcome["assessment"]))
        else:
            outcome = {"needs": _list_support(dispatcher, answers, lang)}
            events.append(SlotSet("support_needs", outcome["needs"]))
        if await in_thread(intake.save_answers, self.deps.sessions, prospect(tracker), **outcome):
            dispatcher.utter_message(text=say("answers_saved", lang))
            return events
        dispatcher.utter_message(
            text=say("ask_store_answers", lang),
            buttons=[button(say("consent_yes", lang), "/affirm"),
                     button(say("consent_no", lang), "/deny")],
        )  # fmt: skip
        return [*events, SlotSet("pending_confirmation", STORE[kind])]


def _next_buttons(lang: str) -> list[dict[str, str]]:
    return [button(say("book_button", lang), "/book_intake"),
            button(say("menu_button", lang), "/menu")]  # fmt: skip


def _advise(dispatcher: CollectingDispatcher, answers: dict[str, str], lang: str) -> dict[str, Any]:
    result = q.assessment_result(answers)
    tracks = content()
    dispatcher.utter_message(
        text=say(
            "assessment_result", lang, track=tracks.track(result.track).name.get(lang),
            why=result.why(lang), runner_up=tracks.track(result.runner_up).name.get(lang),
        ),
        buttons=[button(say("more_about_track", lang),
                        f'/ask_track_work{{"track": "{result.track}"}}')],
    )  # fmt: skip
    dispatcher.utter_message(text=say("assessment_next", lang), buttons=_next_buttons(lang))
    return result.as_dict()


def _list_support(
    dispatcher: CollectingDispatcher, answers: dict[str, str], lang: str
) -> list[str]:
    needs = q.needs_of(answers)
    dispatcher.utter_message(text=say("needs_result", lang))
    for option in q.support_for(needs):
        dispatcher.utter_message(
            text=say("needs_option", lang, name=option.name.get(lang),
                     amount=option.amount.get(lang), next_step=option.next_step.get(lang))
        )  # fmt: skip
    dispatcher.utter_message(text=say("needs_next", lang), buttons=_next_buttons(lang))
    return needs


class ActionLeaveQuestionnaire(Wired, Action):
    """Pauses the questionnaire on "stop", "menu" or another request; answers are kept."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_leave_questionnaire"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Events:
        """Say that we pause (and show the menu when asked for)."""
        if intent(tracker) in ("menu", "goodbye"):
            dispatcher.utter_message(text=say("left_questionnaire", language(tracker)))
        if intent(tracker) == "menu":
            dispatcher.utter_message(response="utter_menu")
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


async def save_pending_answers(deps: Deps, tracker: Tracker) -> bool:
    """Store the advice and needs this conversation found (after consent); False if no lead."""
    outcome: dict[str, Any] = {}
    if isinstance(advice := tracker.get_slot("assessment_result"), dict):
        outcome["assessment"] = advice
    if isinstance(needs := tracker.get_slot("support_needs"), list):
        outcome["needs"] = [str(need) for need in needs]
    if not outcome:
        return False
    return await in_thread(intake.save_answers, deps.sessions, prospect(tracker), **outcome)
