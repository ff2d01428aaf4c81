"""When Rasa is unsure: a named track is answered, off-topic is declined, the rest is honest."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy import select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from actions.understanding import ActionUnsure
from bot.db.models import QuestionGroup, UnansweredQuestion
from tests.support.actions import run, wired


@pytest.fixture
def unsure(database: sessionmaker[Session]) -> ActionUnsure:
    """The action on the test's database."""
    return ActionUnsure(deps=wired(database))


def recorded(database: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    """(text, reason, channel user) of every recorded question."""
    with database() as session:
        rows = session.scalars(select(UnansweredQuestion).order_by(UnansweredQuestion.id))
        return [(q.text, q.reason, q.channel_user_id) for q in rows]


def tracker(
    text: str, intent: str, *, track: str | None = None, lang: str = "nl", **parse: Any
) -> Tracker:
    entities = [{"entity": "track", "value": track}] if track else []
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.4}, "entities": entities,
              **parse}  # fmt: skip
    events: list[dict[str, Any]] = [{"event": "user", "text": text, "parse_data": latest}]
    slots = {"language": lang}
    return Tracker("webchat:u1", slots, latest, events, False, None, {}, "action_listen")


async def test_a_named_track_is_answered_even_when_nlu_was_unsure(unsure: ActionUnsure) -> None:
    _, said = await run(unsure, tracker("wat is dat, growth hacker?", "nlu_fallback",
                                                track="growth_hacker"))  # fmt: skip
    assert said[0]["text"].startswith("Growth hacker: Je helpt een bedrijf groeien")  # in Dutch
    assert any(m["buttons"] for m in said)  # and what else to ask about it


async def test_a_named_track_beats_out_of_scope(unsure: ActionUnsure) -> None:
    _, said = await run(unsure, tracker("tell me about ux", "out_of_scope",
                                                track="ux_designer", lang="en"))  # fmt: skip
    assert "UX" in said[0]["text"]
    assert all(m.get("response") != "utter_only_training" for m in said)


async def test_a_request_outside_the_schools_business_is_declined(unsure: ActionUnsure) -> None:
    _, said = await run(unsure, tracker("schrijf een gedicht", "out_of_scope"))
    assert [m["response"] for m in said] == ["utter_only_training"]


async def test_anything_else_is_an_honest_not_sure_and_is_recorded_for_staff(
    unsure: ActionUnsure, database: sessionmaker[Session]
) -> None:
    _, said = await run(unsure, tracker("hoe zit het met de dinges", "nlu_fallback"))
    assert [m["response"] for m in said] == ["utter_default"]
    assert recorded(database) == [("hoe zit het met de dinges", "fallback", "u1")]


async def test_the_answer_still_goes_when_the_question_cannot_be_recorded(
    unsure: ActionUnsure, database: sessionmaker[Session]
) -> None:
    """The database is down at that moment: the prospect gets "not sure" all the same."""
    with database() as session:
        session.execute(sql_text("DROP TABLE unanswered_questions"))
        session.commit()
    with capture_logs() as logs:
        _, said = await run(unsure, tracker("hoe zit het met de dinges", "nlu_fallback"))
    assert [m["response"] for m in said] == ["utter_default"]
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == ["learning.record_failed"]


def close_call(text: str, lang: str = "nl") -> dict[str, Any]:
    """A parse where two school questions came close: Rasa's two-stage fallback case."""
    return {
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.55},
            {"name": "fact", "confidence": 0.48},
            {"name": "support", "confidence": 0.41},
            {"name": "greet", "confidence": 0.3},
        ],
        "tekkie_retrieval": {"matches": [
            {"intent": "greet", "coverage": 0.6, "example": "hoi"},
            {"intent": "fact/address", "coverage": 0.6, "example": "waar zitten jullie"},
            {"intent": "fact/address", "coverage": 0.5, "example": "what is your address"},
            {"intent": "support/travel_costs", "coverage": 0.5, "example": "wordt de bus vergoed"},
            {"intent": "support/laptop", "coverage": 0.1, "example": "krijg ik een laptop"},
        ]},
    }  # fmt: skip


async def test_a_close_call_asks_which_question_was_meant(unsure: ActionUnsure) -> None:
    text = "hoe kom ik bij jullie met de bus"
    _, said = await run(unsure, tracker(text, "nlu_fallback", **close_call(text)))
    (message,) = said
    assert "Bedoel je" in message["text"]
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("Waar zitten jullie?", "waar zitten jullie"),  # closest first, in Dutch only
        ("Wordt de bus vergoed?", "wordt de bus vergoed"),
        ("Nee, iets anders", "/something_else"),  # no greeting, nothing barely related
    ]


@pytest.mark.parametrize("refusal", ["/something_else", "geen van deze vragen"])
async def test_something_else_is_an_honest_not_sure_about_the_question_before(
    refusal: str, unsure: ActionUnsure, database: sessionmaker[Session]
) -> None:
    """Pressed or typed, the question logged for staff is the one before the refusal."""
    asked = tracker("hoe kom ik bij jullie met de bus", "nlu_fallback")
    events = [*asked.events, {"event": "user", "text": refusal,
                              "parse_data": {"intent": {"name": "something_else"}}}]  # fmt: skip
    latest = {"text": refusal, "intent": {"name": "something_else", "confidence": 1.0},
              **close_call("")}  # fmt: skip
    pressed = Tracker("webchat:u1", {"language": "nl"}, latest, events, False, None, {}, "x")
    _, said = await run(unsure, pressed)
    assert [m["response"] for m in said] == ["utter_default"]
    assert recorded(database) == [("hoe kom ik bij jullie met de bus", "declined", "u1")]


async def test_a_close_call_is_recorded_and_declining_it_counts_once(
    unsure: ActionUnsure, database: sessionmaker[Session]
) -> None:
    """ "Bedoel je ...?" then "Iets anders": one question, now declined."""
    question = "hoe kom ik bij jullie met de bus"
    asked = tracker(question, "nlu_fallback", **close_call(question))
    await run(unsure, asked)
    assert recorded(database) == [(question, "low_confidence", "u1")]
    events = [*asked.events, {"event": "user", "text": "/something_else",
                              "parse_data": {"intent": {"name": "something_else"}}}]  # fmt: skip
    latest = {"text": "/something_else", "intent": {"name": "something_else"}}
    await run(unsure, Tracker("webchat:u1", {"language": "nl"}, latest, events, False, None,
                              {}, "x"))  # fmt: skip
    assert recorded(database) == [(question, "declined", "u1")]
    with database() as session:
        (group,) = session.scalars(select(QuestionGroup))
        assert (group.count, group.reasons) == (1, {"declined": 1})


async def test_nothing_close_gets_no_choices(unsure: ActionUnsure) -> None:
    match = {"intent": "fact/address", "coverage": 0.2, "example": "waar zitten jullie"}
    far = {"intent_ranking": [{"name": "fact", "confidence": 0.15}],
           "tekkie_retrieval": {"matches": [match]}}  # fmt: skip
    _, said = await run(unsure, tracker("wie wordt premier", "nlu_fallback", **far))
    assert [m["response"] for m in said] == ["utter_default"]


async def test_a_named_track_gets_the_aspect_nlu_came_closest_to(unsure: ActionUnsure) -> None:
    parse = {"intent_ranking": [{"name": "nlu_fallback", "confidence": 0.55},
                                {"name": "ask_track_salary", "confidence": 0.5}]}  # fmt: skip
    _, said = await run(unsure, tracker("en een ux designer dan, qua geld", "nlu_fallback",
                                                track="ux_designer", **parse))  # fmt: skip
    assert said[0]["text"].startswith("UX-designer: als starter €")


async def test_a_track_named_in_a_worry_offers_the_worry_too(unsure: ActionUnsure) -> None:
    """ "is programmeren moeilijk op mijn leeftijd": not only what a programmer does."""
    parse = {
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.55},
                           {"name": "concern", "confidence": 0.5},
                           {"name": "ask_track_work", "confidence": 0.3}],
        "tekkie_retrieval": {"matches": [
            {"intent": "concern/age", "coverage": 0.5, "example": "ben ik te oud om te leren"}]},
    }  # fmt: skip
    asked = tracker("is programmeren moeilijk op mijn leeftijd", "nlu_fallback",
                    track="programmer", **parse)  # fmt: skip
    _, said = await run(unsure, asked)
    assert [b["title"] for b in said[0]["buttons"]] == ["Ben ik te oud om te leren?",
                                                         "Nee, iets anders"]  # fmt: skip


async def test_what_diet_alone_was_sure_of_is_offered_even_with_few_shared_words(
    unsure: ActionUnsure,
) -> None:
    """ "op welke plek staat jullie gebouw?": DIET 0.999 for the address, few words in common."""
    parse = {
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.55},
                           {"name": "fact", "confidence": 0.4}],
        "tekkie_retrieval": {
            "diet": {"fact": 0.999, "concern": 0.001},
            "matches": [{"intent": "fact/address", "coverage": 0.25,
                         "example": "in welke stad zitten jullie"}],
        },
    }  # fmt: skip
    _, said = await run(unsure, tracker("op welke plek staat jullie gebouw?",
                                                "nlu_fallback", **parse))  # fmt: skip
    assert [b["title"] for b in said[0]["buttons"]] == ["In welke stad zitten jullie?",
                                                         "Nee, iets anders"]  # fmt: skip


async def test_a_near_miss_of_off_topic_is_still_declined_kindly(unsure: ActionUnsure) -> None:
    parse = {"intent_ranking": [{"name": "nlu_fallback", "confidence": 0.55},
                                {"name": "out_of_scope", "confidence": 0.54},
                                {"name": "cancel_intake", "confidence": 0.1}]}  # fmt: skip
    _, said = await run(unsure, tracker("write a rap song about my dog please",
                                                "nlu_fallback", lang="en", **parse))  # fmt: skip
    assert [m["response"] for m in said] == ["utter_only_training"]
