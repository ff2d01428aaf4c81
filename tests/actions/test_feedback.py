"""After an answer: its other half, and now and then "Had je hier iets aan? 👍 👎"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from sqlalchemy import select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from actions.feedback import AFTER_ANSWER, ActionAfterAnswer, ActionFeedback
from bot.db.models import AnswerFeedback, Reason, UnansweredQuestion
from bot.learning import desk, questions
from bot.learning.similar import from_training_data
from tests.support.actions import run, wired

QUESTION = {"event": "user", "text": "waar zitten jullie", "parse_data": {
    "intent": {"name": "fact"},
    "response_selector": {"fact": {"response": {"intent_response_key": "fact/address"}}},
}}  # fmt: skip


def answer_turn() -> list[dict[str, Any]]:
    """A question and Rasa's answer to it, as tracker events."""
    return [QUESTION, {"event": "bot", "text": "Je vindt ons in Amsterdam."},
            {"event": "action", "name": AFTER_ANSWER}]  # fmt: skip


def asked_feedback() -> dict[str, Any]:
    buttons = [{"title": "👍", "payload": "/feedback_good"},
               {"title": "👎", "payload": "/feedback_bad"}]  # fmt: skip
    return {"event": "bot", "text": "Had je hier iets aan?", "data": {"buttons": buttons}}


def tracker(events: list[dict[str, Any]], *, latest: dict[str, Any] | None = None,
            lang: str = "nl", loop: str | None = None) -> Tracker:  # fmt: skip
    latest = latest or {"text": "waar zitten jullie", "intent": {"name": "fact"}}
    return Tracker("webchat:u1", {"language": lang}, latest, events, False, None,
                   {"name": loop} if loop else {}, "action_listen")  # fmt: skip


async def test_the_first_answer_of_a_conversation_asks_for_feedback_with_two_buttons() -> None:
    _, said = await run(ActionAfterAnswer(), tracker([QUESTION]))
    (asked,) = said
    assert asked["text"] == "Had je hier iets aan?"
    assert [b["title"] for b in asked["buttons"]] == ["👍", "👎"]


async def test_feedback_is_asked_again_only_after_every_third_answer() -> None:
    events = [*answer_turn(), asked_feedback()]
    asked_again = []
    for _ in range(4):
        _, said = await run(ActionAfterAnswer(), tracker([*events, QUESTION]))
        asked_again.append(bool(said))
        events += answer_turn()[1:] if not said else [*answer_turn()[1:], asked_feedback()]
    assert asked_again == [False, False, True, False]


async def test_no_feedback_question_during_a_form() -> None:
    _, said = await run(ActionAfterAnswer(), tracker([QUESTION], loop="booking_form"))
    assert said == []


async def test_the_other_half_of_a_compound_question_is_answered_too() -> None:
    also = {"text": "ik ben 52 en heb geen diploma", "intent": {"name": "concern"},
            "tekkie_retrieval": {"also": "utter_concern/no_degree"}}  # fmt: skip
    domain = {"responses": {"utter_concern/no_degree": [{"text": "..."}]}}
    events = [*answer_turn(), asked_feedback()]
    _, said = await run(ActionAfterAnswer(), tracker(events, latest=also), domain)
    assert [m["response"] for m in said] == ["utter_concern/no_degree"]
    unknown = {**also, "tekkie_retrieval": {"also": "utter_made_up"}}
    _, said = await run(ActionAfterAnswer(), tracker(events, latest=unknown), domain)
    assert said == []


def press(payload_intent: str) -> Tracker:
    pressed = {"event": "user", "text": f"/{payload_intent}",
               "parse_data": {"intent": {"name": payload_intent}}}  # fmt: skip
    latest = {"text": f"/{payload_intent}", "intent": {"name": payload_intent}}
    return tracker([*answer_turn(), asked_feedback(), pressed], latest=latest)


async def test_thumbs_up_is_counted_for_the_answer(database: sessionmaker[Session]) -> None:
    _, said = await run(ActionFeedback(deps=wired(database)), press("feedback_good"))
    assert said[0]["text"].startswith("Fijn!")
    with database() as session:
        row = session.get(AnswerFeedback, "fact/address")
        assert row is not None
        assert (row.up, row.down) == (1, 0)
        assert session.scalars(select(UnansweredQuestion)).all() == []


async def test_thumbs_down_is_counted_and_the_question_goes_to_staff(
    database: sessionmaker[Session],
) -> None:
    _, said = await run(ActionFeedback(deps=wired(database)), press("feedback_bad"))
    assert [b["payload"] for b in said[0]["buttons"]] == ["/talk_to_person", "/menu"]
    with database() as session:
        row = session.get(AnswerFeedback, "fact/address")
        assert row is not None
        assert (row.up, row.down) == (0, 1)
        (question,) = session.scalars(select(UnansweredQuestion))
        assert (question.text, question.reason, question.answer_key) == (
            "waar zitten jullie", "thumbs_down", "fact/address",
        )  # fmt: skip


async def test_feedback_is_thanked_even_when_it_cannot_be_stored(
    database: sessionmaker[Session],
) -> None:
    with database.begin() as session:
        session.execute(sql_text("DROP TABLE answer_feedback"))
    with capture_logs() as logs:
        _, said = await run(ActionFeedback(deps=wired(database)), press("feedback_good"))
    assert said[0]["text"].startswith("Fijn!")
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == ["learning.feedback_failed"]


async def test_feedback_long_after_an_answer_is_not_pinned_on_it(
    database: sessionmaker[Session],
) -> None:
    """ "dat helpt me niet" typed after another turn: thanked, but counted for no answer."""
    later = {"event": "user", "text": "hoi", "parse_data": {"intent": {"name": "greet"}}}
    typed = {"event": "user", "text": "dat helpt me niet",
             "parse_data": {"intent": {"name": "feedback_bad"}}}  # fmt: skip
    events = [*answer_turn(), later, {"event": "bot", "text": "Hoi!"}, typed]
    latest = {"text": "dat helpt me niet", "intent": {"name": "feedback_bad"}}
    _, said = await run(ActionFeedback(deps=wired(database)), tracker(events, latest=latest))
    assert said[0]["text"].startswith("Jammer")
    with database() as session:
        assert session.scalars(select(AnswerFeedback)).all() == []


async def test_a_staff_answer_is_said_from_the_database(database: sessionmaker[Session]) -> None:
    """It has no response in the domain (Rasa said nothing): the action says the staff text."""
    with database.begin() as session:
        question = questions.record(
            session, similarity=from_training_data(), channel="webchat", channel_user_id="p",
            text="is er een kantine", language="nl", reason=Reason.FALLBACK,
        )  # fmt: skip
        assert question is not None
        desk.answer(session, group_id=question.group_id, by="Anna",
                    nl="Ja, op de begane grond.", en="Yes, on the ground floor.")  # fmt: skip
    asked = {"text": "kan ik op school lunch kopen", "intent": {"name": "fact"},
             "response_selector": {"default": {"response": {  # as Rasa files it
                 "intent_response_key": "fact/staff_1"}}}}  # fmt: skip
    events = [*answer_turn(), asked_feedback()]
    action = ActionAfterAnswer(deps=wired(database))
    _, said = await run(action, tracker(events, latest=asked, lang="en"), {"responses": {}})
    assert [m["text"] for m in said] == ["Yes, on the ground floor."]
    gone = {**asked, "response_selector": {"default": {"response": {
        "intent_response_key": "fact/staff_9"}}}}  # fmt: skip
    _, said = await run(action, tracker(events, latest=gone), {"responses": {}})
    assert [m["response"] for m in said] == ["utter_default"]  # honest, not silent
