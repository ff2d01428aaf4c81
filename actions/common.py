"""Helpers shared by the actions: who is talking, in which language, and buttons."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.guidance.answers import Reply
from bot.intake.chat import Prospect

T = TypeVar("T")

# Intents that interrupt a form: answered by rules, never taken as a form answer.
INTERRUPTIONS = frozenset(
    {
        "ask_careers", "ask_assessment", "ask_support", "talk_to_person", "bot_challenge",
        "menu", "goodbye", "cancel_intake", "reschedule_intake", "delete_my_data",
        "what_do_you_know", "switch_language", "ask_track_work", "ask_track_salary",
        "ask_track_training", "ask_track_requirements", "ask_track_jobs", "concern", "support",
        "fact",
    }
)  # fmt: skip


def language(tracker: Tracker) -> str:
    """The conversation's language ("nl" unless it is English)."""
    return "en" if tracker.get_slot("language") == "en" else "nl"


def prospect(tracker: Tracker) -> Prospect:
    """The channel user behind this conversation."""
    return Prospect.from_sender_id(tracker.sender_id)


def intent(tracker: Tracker) -> str | None:
    """The intent of the latest message."""
    name = (tracker.latest_message.get("intent") or {}).get("name")
    return str(name) if name else None


def button(title: str, payload: str) -> dict[str, str]:
    """A quick-reply button."""
    return {"title": title, "payload": payload}


def utter_replies(dispatcher: CollectingDispatcher, replies: Iterable[Reply]) -> None:
    """Say content answers (`bot.guidance.answers`), each with its buttons."""
    for reply in replies:
        buttons = [button(title, payload) for title, payload in reply.buttons]
        dispatcher.utter_message(text=reply.text, buttons=buttons)


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking database work without stalling the action server."""
    return await asyncio.to_thread(function, *args, **kwargs)
