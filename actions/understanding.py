"""When Rasa is unsure, or a request is outside the school's business: answer honestly.

A track named in the message ("wat is een growth hacker?", "tell me about ux design") is a
question about that track, on the aspect NLU came closest to (the work, pay, ...), unless NLU
came closer to a worry or another question: then those are offered as choices. A request
outside the school's business gets "I only help with questions about the training".
A close call asks "Bedoel je ...?" with up to three questions prospects once asked and
"Iets anders" (Rasa's two-stage fallback); nothing close, or "Iets anders", gets "I'm not sure"
with the offer of a colleague and the menu. Both are recorded for staff, grouped with
similar questions (bot/learning/questions.py): "Vragen zonder antwoord" in the dashboard.
Recording never costs the prospect their answer: when the database fails, it is logged.
"""

from __future__ import annotations

from typing import Any

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import INTERRUPTIONS, button, in_thread, intent, language, utter_replies
from actions.wiring import Deps, Wired
from bot.conversation.language import detect_language
from bot.db.models import Reason
from bot.guidance.answers import ASPECTS, track_answer
from bot.guidance.content import content
from bot.intake.chat import Prospect
from bot.learning import questions
from bot.texts import say
from bot.understanding.choices import SOMETHING_ELSE, SOMETHING_ELSE_INTENT, choices

# Questions worth offering as "Bedoel je ...?"; not the menu, a greeting or "ja".
OFFERABLE = (INTERRUPTIONS | {"book_intake"}) - {
    "menu", "goodbye", "talk_to_person", "switch_language", "bot_challenge",
}  # fmt: skip
TRACK_QUESTIONS = frozenset(ASPECTS) - {"ask_careers"}

log = structlog.get_logger(__name__)


class ActionUnsure(Wired, Action):
    """Rasa's fallback and out-of-scope turns: a named track, a kind "no", or "not sure"."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_unsure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Answer the named track, decline off-topic requests, or say honestly it is unsure."""
        lang, asked = language(tracker), intent(tracker)
        parse = tracker.latest_message or {}
        offered = [] if asked == SOMETHING_ELSE_INTENT else choices(
            parse, offerable=OFFERABLE,
            in_language=lambda example: detect_language(example, current=lang) == lang,
        )  # fmt: skip
        track = next(tracker.get_latest_entity_values("track"), None)
        closest = _closest_question(parse)
        if track is not None and (not offered or closest in TRACK_QUESTIONS):
            # "wat verdient een growth hacker" that NLU was unsure of: about that track
            aspect = closest if closest in TRACK_QUESTIONS else "ask_track_work"
            utter_replies(
                dispatcher, track_answer(content(), intent=aspect, track_id=track, language=lang)
            )
            return []
        if asked == "out_of_scope" or (not offered and closest == "out_of_scope"):
            dispatcher.utter_message(response="utter_only_training")
            return []
        if offered:
            buttons = [button(choice.title, choice.payload) for choice in offered]
            buttons.append(button(say("something_else", lang), SOMETHING_ELSE))
            dispatcher.utter_message(text=say("did_you_mean", lang), buttons=buttons)
            await self._record(tracker, str(parse.get("text") or ""), lang, Reason.LOW_CONFIDENCE)
            return []
        dispatcher.utter_message(response="utter_default")
        if asked == SOMETHING_ELSE_INTENT:  # the message they meant is the one before
            if (earlier := _previous_text(tracker)) is not None:
                await self._record(tracker, earlier, lang, Reason.DECLINED)
        else:
            await self._record(tracker, str(parse.get("text") or ""), lang, Reason.FALLBACK)
        return []

    async def _record(self, tracker: Tracker, text: str, lang: str, reason: Reason) -> None:
        """Keep the question for staff; a database failure is logged, the answer still goes."""
        try:
            await in_thread(_record, self.deps, tracker.sender_id, text, lang, reason)
        except SQLAlchemyError as error:
            log.warning(
                "learning.record_failed", sender=tracker.sender_id, error=type(error).__name__
            )


def _record(deps: Deps, sender_id: str, text: str, lang: str, reason: Reason) -> None:
    who = Prospect.from_sender_id(sender_id)
    with deps.sessions.begin() as session:
        if reason is Reason.DECLINED:
            questions.declined(
                session, similarity=deps.similarity(), channel=who.channel,
                channel_user_id=who.channel_user_id, text=text, language=lang,
            )  # fmt: skip
        else:
            questions.record(
                session, similarity=deps.similarity(), channel=who.channel,
                channel_user_id=who.channel_user_id, text=text, language=lang, reason=reason,
            )  # fmt: skip


def _previous_text(tracker: Tracker) -> str | None:
    """What the prospect typed before "Iets anders" (pressed or typed: that turn is left out)."""
    said = [
        str(event.get("text") or "") for event in tracker.events if event.get("event") == "user"
    ]
    typed = [text for text in said[:-1] if not text.startswith("/")]
    return typed[-1] if typed else None


def _closest_question(parse: dict[str, Any]) -> str | None:
    """The intent ranked first once Rasa's own "nlu_fallback" is left out."""
    for entry in parse.get("intent_ranking") or []:
        if entry.get("name") != "nlu_fallback":
            return str(entry.get("name"))
    return None
