"""The fit assessment and the money-and-support check through the web chat API, both languages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.engine import make_engine
from bot.db.models import Lead
from tests.support.stack import Stack

# Someone who likes numbers and puzzles: the content's scoring makes this a data analyst.
DATA_ANSWERS = {
    "interests": "numbers", "enjoy": "puzzles", "experience": "everyday", "hours": "up_to_16",
    "learning": "reading", "language": "both", "working_style": "alone", "attraction": "data",
}  # fmt: skip


@pytest.fixture
def db(stack: Stack) -> Iterator[Engine]:
    engine = make_engine(stack.settings.database_url)
    yield engine
    engine.dispose()


def lead_of(engine: Engine, sender: str) -> Lead | None:
    with Session(engine) as session:
        return session.scalars(
            select(Lead).where(Lead.channel == "webchat", Lead.channel_user_id == sender)
        ).first()


def question(replies: list[dict[str, Any]]) -> dict[str, Any]:
    """The last reply, which asks the next question with its answer buttons."""
    asked = replies[-1]
    assert asked["text"].startswith("("), asked
    assert asked["buttons"], asked
    return asked


def press(stack: Stack, sender: str, asked: dict[str, Any], option: str) -> list[dict[str, Any]]:
    payload = next(b["payload"] for b in asked["buttons"] if b["payload"].endswith(f':{option}"}}'))
    return stack.say(sender, payload=payload)


def test_dutch_assessment_with_typing_a_worry_in_between_and_consent(
    stack: Stack, sender: str, db: Engine
) -> None:
    stack.say(sender, text="hoi")
    replies = stack.say(sender, text="welke opleiding past bij mij?")
    assert replies[0]["text"].startswith("Leuk! Ik stel je 8 korte vragen")
    asked = question(replies)
    assert asked["text"].startswith("(1/8) ")

    replies = stack.say(sender, text="cijfers")  # typed instead of pressed
    assert question(replies)["text"].startswith("(2/8) ")
    replies = stack.say(sender, text="uhm geen idee")
    assert "Kies een van de knoppen" in replies[0]["text"]
    assert question(replies)["text"].startswith("(2/8) ")
    replies = press(stack, sender, question(replies), DATA_ANSWERS["enjoy"])
    worry = stack.say(sender, text="ik ben 47, ben ik niet te oud?")
    assert "47" not in worry[0]["text"]
    assert len(worry) == 2  # the answer to the worry, then the same question again
    assert question(worry)["text"] == question(replies)["text"]

    asked = question(worry)
    for question_id in list(DATA_ANSWERS)[2:]:
        replies = press(stack, sender, asked, DATA_ANSWERS[question_id])
        if question_id != "attraction":
            asked = question(replies)
    advice, offer, consent = replies
    assert advice["text"].startswith("🧭 Mijn advies: Data-analist. Dit past bij je omdat ")
    assert "Ook een goede keuze voor jou: " in advice["text"]
    assert "/book_intake" in [b["payload"] for b in offer["buttons"]]
    assert consent["text"].startswith("Zal ik je antwoorden bewaren?")
    assert lead_of(db, sender) is None  # nothing stored before consent

    (saved,) = stack.say(sender, payload="/affirm")
    assert saved["text"].startswith("Bewaard!")
    lead = lead_of(db, sender)
    assert lead is not None
    assert lead.assessment_result is not None
    assert lead.assessment_result["track"] == "data_analyst"
    assert lead.assessment_answers == DATA_ANSWERS
    assert lead.status == "assessed"

    (mode,) = stack.say(sender, text="ik wil een intake plannen")
    assert mode["text"].startswith("Wil je de intake online")  # consent is not asked again


def test_english_needs_check_paused_resumed_and_not_stored(
    stack: Stack, sender: str, db: Engine
) -> None:
    stack.say(sender, text="hello")
    replies = stack.say(sender, payload="/ask_support")
    assert replies[0]["text"].startswith("I'll ask you 5 short questions")
    laptop = question(replies)
    assert laptop["text"] == "(1/5) Do you need a laptop for the training? 💻"
    assert [b["title"] for b in laptop["buttons"]] == ["Yes", "No"]
    replies = press(stack, sender, laptop, "yes")
    replies = stack.say(sender, text="no")
    assert question(replies)["text"].startswith("(3/5) ")

    paused = stack.say(sender, text="menu")
    assert paused[0]["text"].startswith("OK, let's pause.")
    assert "/ask_support" in [b["payload"] for b in paused[-1]["buttons"]]
    direct = stack.say(sender, text="is there an interest free loan?")
    assert direct[0]["text"].startswith("Interest-free loan")

    replies = stack.say(sender, payload="/ask_support")
    assert replies[0]["text"] == "Let's carry on where you left off."
    replies = stack.say(sender, text="yes, I'm worried about money")
    assert question(replies)["text"].startswith("(4/5) ")
    replies = stack.say(sender, text="yes")
    replies = stack.say(sender, text="nope")
    texts = [r["text"] for r in replies]
    assert texts[0] == "💶 This can help you:"
    listed = [t.split("*")[1] for t in texts if t.startswith("*")]
    assert listed == [  # income worries: the loan and keeping a benefit; everybody: the costs
        "Interest-free loan", "Laptop on loan", "Keeping your benefit while you study",
        "Training costs",
    ]  # fmt: skip
    assert texts[-1].startswith("Shall I keep your answers?")

    (declined,) = stack.say(sender, payload="/deny")
    assert declined["text"] == "Fine, I haven't stored anything."
    assert lead_of(db, sender) is None


def test_needs_found_before_booking_are_stored_when_booking_consent_is_given(
    stack: Stack, sender: str, db: Engine
) -> None:
    stack.say(sender, text="hoi")
    asked = question(stack.say(sender, text="geld en steun"))
    for answer in ("ja", "nee", "nee", "nee", "ja"):
        replies = stack.say(sender, text=answer)
    assert "*Uitkering houden tijdens de opleiding*" in [r["text"].split("\n")[0] for r in replies]
    assert asked["text"].startswith("(1/5) Heb je een laptop nodig")
    stack.say(sender, payload="/book_intake")  # instead of answering "may I keep this?"
    (mode,) = stack.say(sender, payload="/affirm")  # yes to the booking's consent question
    assert mode["text"].startswith("Wil je de intake online")
    lead = lead_of(db, sender)
    assert lead is not None
    assert lead.support_needs == ["laptop", "benefit"]
