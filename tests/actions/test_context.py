from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import ActionReadContext
from bot.settings import get_settings

PRIVACY = SlotSet("privacy_url", get_settings().privacy_notice_url)


def tracker_for(
    text: str,
    *,
    intent: str = "greet",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
    }
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}]
    return Tracker("webchat:u1", slots or {}, latest, events, False, None, {}, "action_listen")


async def run(tracker: Tracker) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionReadContext().run(dispatcher, tracker, {})
    assert dispatcher.messages == []  # a slot mapping action never speaks
    return events


async def test_first_dutch_message_sets_dutch_and_the_privacy_link() -> None:
    assert [SlotSet("language", "nl"), PRIVACY] == await run(tracker_for("hoi"))


async def test_first_english_message_sets_english() -> None:
    assert [SlotSet("language", "en"), PRIVACY] == await run(tracker_for("hello"))


async def test_same_language_and_known_link_change_nothing() -> None:
    tracker = tracker_for("hoe gaat het", slots={"language": "nl", "privacy_url": "x"})
    assert [] == await run(tracker)


async def test_unclear_text_uses_the_channel_locale_first() -> None:
    assert [SlotSet("language", "en"), PRIVACY] == await run(
        tracker_for("ok", metadata={"locale": "en-US"})
    )


@pytest.mark.parametrize(("word", "value"), [("English", "en"), ("en", "en"), ("nl", "nl")])
async def test_explicit_switch_wins_over_the_words_used(word: str, value: str) -> None:
    other = "nl" if value == "en" else "en"
    tracker = tracker_for(
        f"{word} graag",
        intent="switch_language",
        entities=[{"entity": "language", "value": value}],
        slots={"language": other, "privacy_url": "x"},
    )
    assert [SlotSet("language", value)] == await run(tracker)


async def test_switch_without_a_known_language_falls_back_to_detection() -> None:
    tracker = tracker_for(
        "can we speak another language",
        intent="switch_language",
        entities=[{"entity": "language", "value": "klingon"}],
        slots={"language": "nl", "privacy_url": "x"},
    )
    assert [SlotSet("language", "en")] == await run(tracker)


async def test_the_language_the_app_detected_is_used_as_it_is() -> None:
    """Detected once per turn, by the app: the action does not guess again from the words."""
    tracker = tracker_for("ok", slots={"language": "nl", "privacy_url": "x"},
                          metadata={"language": "en", "locale": "nl-NL"})  # fmt: skip
    assert [SlotSet("language", "en")] == await run(tracker)


async def test_an_explicit_switch_wins_over_the_apps_language() -> None:
    tracker = tracker_for(
        "in het Engels graag", intent="switch_language",
        entities=[{"entity": "language", "value": "Engels"}],
        slots={"language": "nl", "privacy_url": "x"}, metadata={"language": "nl"},
    )  # fmt: skip
    assert [SlotSet("language", "en")] == await run(tracker)


async def test_a_name_in_a_form_keeps_the_language_whatever_the_app_detected() -> None:
    tracker = tracker_for(
        "Jan de Vries", slots={"language": "en", "privacy_url": "x", "requested_slot": "full_name"},
        metadata={"language": "nl"},
    )  # fmt: skip
    assert [] == await run(tracker)
