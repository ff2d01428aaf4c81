"""Questions about careers, worries and support, answered from the content in both languages."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.engine import make_engine
from bot.db.models import AnswerFeedback, UnansweredQuestion
from bot.guidance.content import load_content
from tests.support.stack import Stack

CONTENT = load_content()


def concern(concern_id: str, language: str) -> str:
    found = next(c for c in CONTENT.concerns.concerns if c.id == concern_id)
    return found.answer.get(language)


def support_name(option_id: str, language: str) -> str:
    found = next(o for o in CONTENT.support.options if o.id == option_id)
    return found.name.get(language)


@pytest.mark.parametrize(
    ("greeting", "question", "expected"),
    [
        ("hoi", "wat doet een data-analist", "Data-analist: "),
        ("hoi", "wat verdient een programmeur?", "Programmeur: als starter € "),
        ("hello", "what does a ux designer do all day", "UX designer: "),
        ("hello", "how much does an AI specialist earn", "as a starter € "),
    ],
)
def test_track_questions_are_answered_from_the_content(
    stack: Stack, sender: str, greeting: str, question: str, expected: str
) -> None:
    stack.say(sender, text=greeting)
    replies = stack.say(sender, text=question)
    assert expected in replies[0]["text"]
    assert replies[-1]["buttons"]  # more about the same track


def test_a_follow_up_question_is_about_the_same_track(stack: Stack, sender: str) -> None:
    stack.say(sender, text="hoi")
    stack.say(sender, text="wat doet een ux designer?")
    (answer,) = stack.say(sender, text="en hoe lang duurt de opleiding?")
    assert answer["text"].startswith("De opleiding UX-designer duurt")


@pytest.mark.parametrize(
    ("greeting", "question", "language", "concern_id"),
    [
        ("hoi", "ik ben 47, te oud?", "nl", "age"),
        ("hoi", "ik heb geen diploma, kan ik toch meedoen", "nl", "no_degree"),
        ("hello", "am I too old at 52 to start in tech", "en", "age"),
        ("hello", "my dutch is not so good, is that a problem", "en", "language_level"),
    ],
)
def test_worries_get_the_honest_answer(  # noqa: PLR0917 - parametrised
    stack: Stack, sender: str, greeting: str, question: str, language: str, concern_id: str
) -> None:
    stack.say(sender, text=greeting)
    answer, asked = stack.say(sender, text=question)  # the first answer asks for feedback
    assert answer["text"] == concern(concern_id, language)
    assert [b["title"] for b in asked["buttons"]] == ["👍", "👎"]


def test_thumbs_down_is_heard_counted_and_the_question_goes_to_staff(
    stack: Stack, sender: str
) -> None:
    stack.say(sender, text="hoi")
    _answer, asked = stack.say(sender, text="ik ben 47, te oud?")
    (bad,) = [b["payload"] for b in asked["buttons"] if b["title"] == "👎"]
    (sorry,) = stack.say(sender, payload=bad)
    assert sorry["text"].startswith("Jammer")
    assert [b["payload"] for b in sorry["buttons"]] == ["/talk_to_person", "/menu"]
    engine = make_engine(stack.settings.database_url)
    with Session(engine) as session:
        asked_here = session.scalars(
            select(UnansweredQuestion).where(UnansweredQuestion.channel_user_id == sender)
        ).all()
        down = session.get(AnswerFeedback, "concern/age")
        assert down is not None
        assert down.down >= 1
    engine.dispose()
    assert [(q.text, q.reason, q.answer_key) for q in asked_here] == [
        ("ik ben 47, te oud?", "thumbs_down", "concern/age")
    ]


@pytest.mark.parametrize(
    ("greeting", "question", "language", "option_id"),
    [
        ("hoi", "is er een lening zonder rente", "nl", "interest_free_loan"),
        ("hoi", "ik heb geen laptop", "nl", "laptop"),
        ("hello", "I don't own a laptop", "en", "laptop"),
        ("hello", "can I keep my benefits while I study?", "en", "keep_benefits"),
    ],
)
def test_support_questions_are_answered_directly(  # noqa: PLR0917 - parametrised
    stack: Stack, sender: str, greeting: str, question: str, language: str, option_id: str
) -> None:
    stack.say(sender, text=greeting)
    answer, _feedback = stack.say(sender, text=question)
    assert answer["text"].startswith(support_name(option_id, language))


def test_careers_menu_lists_the_tracks_with_buttons(stack: Stack, sender: str) -> None:
    stack.say(sender, text="hoi")
    (overview,) = stack.say(sender, payload="/ask_careers")
    assert [b["title"] for b in overview["buttons"]] == [t.name.nl for t in CONTENT.tracks.tracks]
    first = overview["buttons"][0]["payload"]
    replies = stack.say(sender, payload=first)
    assert replies[0]["text"].startswith("Programmeur: ")
