from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session, sessionmaker

from actions.booking import ActionHandleYesNo
from actions.questionnaire import (
    ActionAskQuestionnaireAnswer,
    ActionLeaveQuestionnaire,
    ActionQuestionnaireResult,
    ActionStartQuestionnaire,
    ValidateQuestionnaireForm,
)
from bot.db.repositories.leads import create_lead, find_lead
from bot.guidance import questionnaires as q
from tests.support.actions import run, wired

ALL_NO = dict.fromkeys(q.question_ids("needs"), "no")
DATA_ANSWERS = {
    "interests": "numbers", "enjoy": "puzzles", "experience": "everyday", "hours": "up_to_16",
    "learning": "reading", "language": "both", "working_style": "alone", "attraction": "data",
}  # fmt: skip


def tracker(
    text: str = "",
    *,
    intent: str = "answer_question",
    choice: str | None = None,
    slots: dict[str, Any] | None = None,
) -> Tracker:
    entities = [{"entity": "choice", "value": choice}] if choice else []
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}
    values = {"language": "nl", "requested_slot": "questionnaire_answer", **(slots or {})}
    events = [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker("webchat:q1", values, latest, events, False, None, {}, "action_listen")


async def test_start_explains_the_check_and_resets_a_finished_one() -> None:
    done = {"needs": ALL_NO}
    events, said = await run(
        ActionStartQuestionnaire(),
        tracker(intent="ask_support", slots={"questionnaire_answers": done}),
    )
    assert [
        SlotSet("questionnaire", "needs"),
        SlotSet("questionnaire_answers", {"needs": {}}),
        SlotSet("questionnaire_answer", None),
    ] == events
    assert said[0]["text"].startswith("Ik stel je 5 korte vragen")


async def test_start_resumes_a_half_finished_assessment() -> None:
    half = {"assessment": {"interests": "people"}}
    events, said = await run(
        ActionStartQuestionnaire(),
        tracker(intent="ask_assessment", slots={"questionnaire_answers": half}),
    )
    assert SlotSet("questionnaire_answers", half) in events
    assert said[0]["text"] == "We gaan verder waar je was gebleven."
    _, asked = await run(
        ActionAskQuestionnaireAnswer(),
        tracker(slots={"questionnaire": "assessment", "questionnaire_answers": half}),
    )
    assert asked[0]["text"].startswith("(2/")


async def answer(
    tracker: Tracker, dispatcher: CollectingDispatcher | None = None
) -> dict[str, Any]:
    """What the form validation makes of the latest message, as the SDK runs it."""
    form, dispatcher = ValidateQuestionnaireForm(), dispatcher or CollectingDispatcher()
    extracted = await form.extract_questionnaire_answer(dispatcher, tracker, {})
    if "questionnaire_answer" not in extracted:
        return extracted
    value = extracted["questionnaire_answer"]
    return await form.validate_questionnaire_answer(value, dispatcher, tracker, {})


async def test_a_pressed_button_answers_and_the_last_answer_completes() -> None:
    slots = {"questionnaire": "needs", "questionnaire_answers": {"needs": {}}}
    result = await answer(tracker(choice="needs:laptop:yes", slots=slots))
    assert {"questionnaire_answers": {"needs": {"laptop": "yes"}},
            "questionnaire_answer": None} == result  # fmt: skip
    almost = {**ALL_NO}
    del almost["benefit"]
    slots["questionnaire_answers"] = {"needs": almost}
    result = await answer(tracker("ja", intent="affirm", slots=slots))
    assert {"questionnaire_answers": {"needs": {**almost, "benefit": "yes"}},
            "questionnaire_answer": "done"} == result  # fmt: skip


async def test_a_typed_assessment_answer_is_matched_whatever_nlu_thought() -> None:
    slots = {"questionnaire": "assessment", "questionnaire_answers": {"assessment": {}}}
    result = await answer(tracker("cijfers", intent="ask_track_salary", slots=slots))
    assert {"questionnaire_answers": {"assessment": {"interests": "numbers"}},
            "questionnaire_answer": None} == result  # fmt: skip


async def test_an_unclear_answer_gets_a_hint_and_a_question_is_left_to_the_rules() -> None:
    slots = {"questionnaire": "assessment", "questionnaire_answers": {}}
    dispatcher = CollectingDispatcher()
    unclear = await answer(tracker("tja", intent="out_of_scope", slots=slots), dispatcher)
    assert {"questionnaire_answers": {"assessment": {}}, "questionnaire_answer": None} == unclear
    assert "Kies een van de knoppen" in dispatcher.messages[0]["text"]
    assert {} == await answer(tracker("ben ik te oud?", intent="concern", slots=slots))
    assert {} == await answer(tracker("geld en steun?", intent="ask_support", slots=slots))
    same = await answer(tracker("geen idee welke", intent="ask_assessment", slots=slots))
    assert same["questionnaire_answer"] is None
    stale = CollectingDispatcher()
    other_check = await answer(tracker(choice="needs:laptop:yes", slots=slots), stale)
    assert other_check["questionnaire_answer"] is None
    assert stale.messages[0]["text"].startswith("Die knop werkt niet meer.")


async def test_advice_without_consent_is_shown_but_not_stored(
    database: sessionmaker[Session],
) -> None:
    slots = {"questionnaire": "assessment", "questionnaire_answers": {"assessment": DATA_ANSWERS}}
    events, said = await run(ActionQuestionnaireResult(deps=wired(database)), tracker(slots=slots))
    assert said[0]["text"].startswith("🧭 Mijn advies: Data-analist.")
    assert "omdat" in said[0]["text"]
    assert said[-1]["buttons"][0]["payload"] == "/affirm"
    assert SlotSet("pending_confirmation", "store_assessment") in events
    with database() as session:
        assert find_lead(session, channel="webchat", channel_user_id="q1") is None

    advice = next(e["value"] for e in events if e.get("name") == "assessment_result")
    events, said = await run(
        ActionHandleYesNo(deps=wired(database)),
        tracker("ja", intent="affirm", slots={"pending_confirmation": "store_assessment",
                                              "assessment_result": advice}),
    )  # fmt: skip
    assert said[0]["text"].startswith("Bewaard!")
    with database() as session:
        lead = find_lead(session, channel="webchat", channel_user_id="q1")
        assert lead is not None
        assert lead.assessment_result is not None
        assert lead.assessment_result["track"] == "data_analyst"
        assert lead.assessment_answers == DATA_ANSWERS
        assert lead.status == "assessed"


async def test_needs_of_a_consented_lead_are_stored_right_away(
    database: sessionmaker[Session],
) -> None:
    with database.begin() as session:
        create_lead(session, channel="webchat", channel_user_id="q1", consent_version="v1")
    answers = {**ALL_NO, "laptop": "yes", "no_interest": "yes"}
    slots = {
        "questionnaire": "needs",
        "questionnaire_answers": {"needs": answers},
        "language": "en",
    }
    events, said = await run(ActionQuestionnaireResult(deps=wired(database)), tracker(slots=slots))
    texts = [m["text"] for m in said]
    assert texts[0] == "💶 This can help you:"
    assert any(t.startswith("*Laptop on loan*") for t in texts)
    assert any(t.startswith("*Interest-free loan*") for t in texts)
    assert any(t.startswith("*Training costs*") for t in texts)
    assert texts[-1].startswith("Saved!")
    assert SlotSet("support_needs", ["laptop", "no_interest"]) in events
    with database() as session:
        lead = find_lead(session, channel="webchat", channel_user_id="q1")
        assert lead is not None
        assert lead.support_needs == ["laptop", "no_interest"]


async def test_saying_no_to_storing_keeps_nothing(database: sessionmaker[Session]) -> None:
    _, said = await run(
        ActionHandleYesNo(deps=wired(database)),
        tracker("nee", intent="deny", slots={"pending_confirmation": "store_needs",
                                             "support_needs": ["laptop"]}),
    )  # fmt: skip
    assert said[0]["text"] == "Prima, ik heb niets bewaard."
    with database() as session:
        assert find_lead(session, channel="webchat", channel_user_id="q1") is None


async def test_menu_pauses_and_shows_the_menu() -> None:
    events, said = await run(ActionLeaveQuestionnaire(), tracker("menu", intent="menu"))
    assert [ActiveLoop(None), SlotSet("requested_slot", None)] == events
    assert said[0]["text"].startswith("Oké, we stoppen even.")
    assert said[1]["response"] == "utter_menu"
