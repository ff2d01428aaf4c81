"""After a knowledge answer: its other half, and now and then "Had je hier iets aan? 👍 👎".

The question never blocks the conversation: it is two buttons, and whatever the prospect
types next is understood as usual. It is asked after the first answer of a conversation and
then after every third, never during a form (that asks its own question). 👍 and 👎 are
counted per answer; a 👎 also records the question for staff ("Vragen zonder antwoord").
"""

from __future__ import annotations

from typing import Any

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import button, in_thread, intent, language
from actions.wiring import Deps, Wired
from bot.db.models import Reason, utcnow
from bot.db.repositories import questions as repo
from bot.intake.chat import Prospect
from bot.learning import questions
from bot.learning.answers import is_staff_answer, staff_answer
from bot.texts import say

AFTER_ANSWER = "action_after_answer"
GOOD, BAD = "feedback_good", "feedback_bad"
ASK_EVERY = 3  # knowledge answers between two feedback questions
log = structlog.get_logger(__name__)


class ActionAfterAnswer(Wired, Action):
    """Runs right after Rasa's answer to a worry, support or school question.

    A staff-written answer has no response in the domain, so Rasa said nothing: its text
    comes from the database here. "ik ben 52 en heb geen diploma": the retrieval ranker found
    that another part of the message matches another answer well (`tekkie_retrieval.also`);
    that answer follows. Then, when it is due, the feedback question.
    """

    def name(self) -> str:
        """Action name used in the domain."""
        return AFTER_ANSWER

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """The staff answer, the second answer if there is one, and maybe the question."""
        lang, parse = language(tracker), tracker.latest_message or {}
        responses = domain.get("responses") or {}
        key = answer_key(parse)
        if is_staff_answer(key) and f"utter_{key}" not in responses:
            await self._say_staff_answer(dispatcher, key, lang)
        also = (parse.get("tekkie_retrieval") or {}).get("also")
        if isinstance(also, str) and also in responses:
            dispatcher.utter_message(response=also)
        elif isinstance(also, str) and is_staff_answer(also.removeprefix("utter_")):
            await self._say_staff_answer(dispatcher, also.removeprefix("utter_"), lang)
        if feedback_due(tracker):
            dispatcher.utter_message(
                text=say("feedback_question", lang),
                buttons=[button("👍", f"/{GOOD}"), button("👎", f"/{BAD}")],
            )
        return []

    async def _say_staff_answer(
        self, dispatcher: CollectingDispatcher, key: str, lang: str
    ) -> None:
        try:
            text = await in_thread(_staff_answer, self.deps, key, lang)
        except SQLAlchemyError as error:
            log.warning("learning.staff_answer_failed", key=key, error=type(error).__name__)
            text = None
        if text is None:  # gone (rolled back) or unreadable: honest, with the menu
            dispatcher.utter_message(response="utter_default")
        else:
            dispatcher.utter_message(text=text)


def _staff_answer(deps: Deps, key: str, lang: str) -> str | None:
    with deps.sessions() as session:
        return staff_answer(session, key=key, language=lang)


def feedback_due(tracker: Tracker) -> bool:
    """After the conversation's first answer, then after every third; not in a form."""
    if (tracker.active_loop or {}).get("name"):
        return False
    answers = 0
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and _asks_feedback(event):
            return answers >= ASK_EVERY - 1
        if event.get("event") == "action" and event.get("name") == AFTER_ANSWER:
            answers += 1
    return True


def _asks_feedback(event: dict[str, Any]) -> bool:
    buttons = (event.get("data") or {}).get("buttons") or []
    return any(str(b.get("payload", "")) == f"/{GOOD}" for b in buttons)


def answered_question(tracker: Tracker) -> tuple[str, str] | None:
    """(what the prospect asked, the answer's key) when the feedback is about the last turn.

    Only an answer right before the feedback counts: "dat helpt me niet" typed three turns
    later, or an old 👎 button, is not pinned on whatever was answered last.
    """
    users = [i for i, event in enumerate(tracker.events) if event.get("event") == "user"]
    if len(users) < 2:
        return None
    asked, feedback = users[-2], users[-1]
    between = tracker.events[asked + 1 : feedback]
    if not any(e.get("event") == "action" and e.get("name") == AFTER_ANSWER for e in between):
        return None
    question = tracker.events[asked]
    return str(question.get("text") or ""), answer_key(question.get("parse_data"))


def answer_key(parse: dict[str, Any] | None) -> str:
    """The answer key: "fact/address" for a retrieval answer, else the intent."""
    parse = parse or {}
    name = str((parse.get("intent") or {}).get("name") or "")
    selectors = parse.get("response_selector") or {}
    # One ResponseSelector for every retrieval intent: Rasa files its result under "default".
    selected = (selectors.get(name) or selectors.get("default") or {}).get("response") or {}
    return str(selected.get("intent_response_key") or name)


class ActionFeedback(Wired, Action):
    """👍 or 👎 (pressed or typed): counted for the answer; 👎 goes to staff as a question."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Count it, thank the prospect; after 👎 offer a person and the menu."""
        helpful, lang = intent(tracker) == GOOD, language(tracker)
        answered = answered_question(tracker)
        if answered is not None:
            try:
                await in_thread(_record, self.deps, tracker.sender_id, answered, helpful, lang)
            except SQLAlchemyError as error:
                log.warning(
                    "learning.feedback_failed", sender=tracker.sender_id,
                    error=type(error).__name__,
                )  # fmt: skip
        if helpful:
            dispatcher.utter_message(text=say("feedback_thanks", lang))
        else:
            dispatcher.utter_message(
                text=say("feedback_sorry", lang),
                buttons=[
                    button(say("talk_to_person_button", lang), "/talk_to_person"),
                    button(say("menu_button", lang), "/menu"),
                ],
            )
        return []


def _record(
    deps: Deps, sender_id: str, answered: tuple[str, str], helpful: bool, lang: str
) -> None:
    text, key = answered
    who = Prospect.from_sender_id(sender_id)
    with deps.sessions.begin() as session:
        repo.count_feedback(session, answer_key=key, helpful=helpful, now=utcnow())
        if not helpful:
            questions.record(
                session, similarity=deps.similarity(), channel=who.channel,
                channel_user_id=who.channel_user_id, text=text, language=lang,
                reason=Reason.THUMBS_DOWN, answer_key=key,
            )  # fmt: skip
