"""Recording unanswered questions: similar ones grouped, counted, erased with the prospect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Reason
from bot.learning import questions
from bot.learning.similar import from_training_data
from bot.prospects.privacy import erase_person
from tests.support.notices import NOTICES

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def ask(session: Session, who: str, text: str, *, reason: Reason = Reason.FALLBACK,
        minutes: int = 0, language: str = "nl") -> None:  # fmt: skip
    questions.record(
        session, similarity=from_training_data(), channel="webchat", channel_user_id=who,
        text=text, language=language, reason=reason, now=T0 + timedelta(minutes=minutes),
    )  # fmt: skip


def test_the_same_question_in_other_words_is_one_group_with_counts(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        ask(session, "a", "Mag mijn hond mee naar de les?")
        ask(session, "b", "mag ik mijn hond meenemen naar de lessen", minutes=5)
        ask(session, "c", "is er een parkeerplaats bij de school", minutes=7)
        ask(session, "d", "kan ik mijn hondje meenemen naar de les", minutes=9,
            reason=Reason.DECLINED)  # fmt: skip
    with sessions() as session:
        views = questions.overview(session)
    assert [(v.title, v.group.count) for v in views] == [
        ("Mag mijn hond mee naar de les?", 3),
        ("is er een parkeerplaats bij de school", 1),
    ]
    dog = views[0]
    assert dog.group.reasons == {"fallback": 2, "declined": 1}
    assert (dog.group.first_seen_at, dog.group.last_seen_at) == (T0, T0 + timedelta(minutes=9))
    assert len(dog.examples) == 3
    assert {q.channel_user_id for q in dog.waiting} == {"a", "b", "d"}


def test_most_recent_order_puts_the_newest_question_first(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ask(session, "a", "mag mijn hond mee naar de les")
        ask(session, "b", "mag mijn hond mee naar de les", minutes=1)
        ask(session, "c", "is er een parkeerplaats bij de school", minutes=2)
    with sessions() as session:
        recent = [v.title for v in questions.overview(session, order="recent")]
        frequent = [v.title for v in questions.overview(session, order="frequent")]
    assert recent == ["is er een parkeerplaats bij de school", "mag mijn hond mee naar de les"]
    assert frequent == list(reversed(recent))


@pytest.mark.parametrize("text", ["", "   ", "/affirm"])
def test_empty_messages_and_button_presses_are_not_questions(
    sessions: sessionmaker[Session], text: str
) -> None:
    with sessions.begin() as session:
        ask(session, "a", text)
    with sessions() as session:
        assert questions.overview(session) == []


def test_languages_are_grouped_apart(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        ask(session, "a", "can I bring my dog to class", language="en")
        ask(session, "b", "mag mijn hond mee naar de les")
    with sessions() as session:
        assert sorted(v.group.language for v in questions.overview(session)) == ["en", "nl"]


def test_erasing_a_prospect_erases_their_words_but_keeps_the_counts(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        ask(session, "fatima", "Ik ben Fatima, mag mijn hond mee naar de les?")
        ask(session, "b", "mag mijn hond mee naar de lessen", minutes=1)
        ask(session, "fatima", "waar kan ik mijn fiets parkeren", minutes=2)
    with sessions.begin() as session:
        erase_person(session, channel="webchat", channel_user_id="fatima",
                     rasa_sender_id="webchat:fatima", notices=NOTICES)  # fmt: skip
    with sessions() as session:
        views = {v.group.count: v for v in questions.overview(session)}
    assert views[2].title == "mag mijn hond mee naar de lessen"  # no longer Fatima's words
    assert views[1].title == questions.ERASED_TITLE
    assert views[1].examples == []
    assert all("Fatima" not in text for v in views.values() for text in v.examples)
