"""When Rasa is unsure: a named track is answered, off-topic is declined, the rest is honest."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from structlog.testing import capture_logs

from actions.understanding import ActionUnsure
from tests.support.actions import run


def tracker(text: str, intent: str, *, track: str | None = None, lang: str = "nl") -> Tracker:
    entities = [{"entity": "track", "value": track}] if track else []
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.4}, "entities": entities}
    events: list[dict[str, Any]] = [{"event": "user", "text": text, "parse_data": latest}]
    slots = {"language": lang}
    return Tracker("webchat:u1", slots, latest, events, False, None, {}, "action_listen")


async def test_a_named_track_is_answered_even_when_nlu_was_unsure() -> None:
    _, said = await run(ActionUnsure(), tracker("wat is dat, growth hacker?", "nlu_fallback",
                                                track="growth_hacker"))  # fmt: skip
    assert said[0]["text"].startswith("Growth hacker: Je helpt een bedrijf groeien")  # in Dutch
    assert any(m["buttons"] for m in said)  # and what else to ask about it


async def test_a_named_track_beats_out_of_scope() -> None:
    _, said = await run(ActionUnsure(), tracker("tell me about ux", "out_of_scope",
                                                track="ux_designer", lang="en"))  # fmt: skip
    assert "UX" in said[0]["text"]
    assert all(m.get("response") != "utter_only_training" for m in said)


async def test_a_request_outside_the_schools_business_is_declined() -> None:
    _, said = await run(ActionUnsure(), tracker("schrijf een gedicht", "out_of_scope"))
    assert [m["response"] for m in said] == ["utter_only_training"]


async def test_anything_else_is_an_honest_not_sure_and_is_logged_for_staff() -> None:
    with capture_logs() as logs:
        _, said = await run(ActionUnsure(), tracker("hoe zit het met de dinges", "nlu_fallback"))
    assert [m["response"] for m in said] == ["utter_default"]
    (unsure,) = [e for e in logs if e["event"] == "understanding.unsure"]
    assert unsure["text"] == "hoe zit het met de dinges"
