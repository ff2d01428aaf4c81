"""Staff turn a group of questions into content: answer, link, dismiss, roll back."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import GroupStatus, Reason
from bot.db.repositories import content as content_repo
from bot.learning import answers, desk, project, questions
from bot.learning.similar import from_training_data

DOG = ["mag mijn hond mee naar de les", "kan ik mijn hond meenemen naar de lessen"]
NL = "Honden mogen niet mee naar de les. Een hulphond mag wel. Zeg het in de intake."
EN = "Dogs can't come to class. An assistance dog can. Mention it in the intake."


def group_of(sessions: sessionmaker[Session], texts: list[str]) -> int:
    with sessions.begin() as session:
        for number, text in enumerate(texts):
            question = questions.record(
                session, similarity=from_training_data(), channel="webchat",
                channel_user_id=f"p{number}", text=text, language="nl", reason=Reason.FALLBACK,
            )  # fmt: skip
            assert question is not None
        return question.group_id


def test_a_new_answer_is_versioned_with_author_diff_and_training_files(
    sessions: sessionmaker[Session],
) -> None:
    group = group_of(sessions, DOG)
    with sessions.begin() as session:
        version, key = desk.answer(session, group_id=group, nl=NL, en=EN, by="Anna")
    assert key == "fact/staff_1"
    with sessions() as session:
        stored = content_repo.get_version(session, version=version.id)
        assert stored is not None
        assert (stored.author, stored.summary) == (
            "Anna",
            f"new answer {key} for questions #{group}: {DOG[0]}",  # named by its first question
        )
        assert "+  - key: fact/staff_1" in stored.diff or "+- key: fact/staff_1" in stored.diff
        view = questions.group_view(session, group_id=group)
        assert view is not None
        assert (view.group.status, view.group.answer_key) == (GroupStatus.ANSWERED, key)
        _, learned = desk.current(session)
    files = project.training_files(learned)
    nlu = yaml.safe_load(files[project.NLU_FILE])["nlu"]
    assert nlu == [{"intent": key, "examples": "".join(f"- {t}\n" for t in DOG)}]
    assert set(files) == {project.NLU_FILE}  # the domain stays the same: no policy retraining
    with sessions() as session:
        assert answers.staff_answer(session, key=key, language="nl") == NL


def test_linking_makes_the_questions_examples_of_an_existing_answer(
    sessions: sessionmaker[Session],
) -> None:
    group = group_of(sessions, ["waar kan ik mijn fiets kwijt bij jullie gebouw"])
    with sessions.begin() as session:
        desk.link(session, group_id=group, answer_key="fact/address", by="Anna")
        _, learned = desk.current(session)
    assert learned.examples == {"fact/address": ["waar kan ik mijn fiets kwijt bij jullie gebouw"]}
    assert learned.answers == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"answer_key": "fact/made_up"}, "there is no answer fact/made_up"),
        (
            {"answer_key": "fact/address", "examples": ["Ben ik met 55 niet te oud"]},
            "already an example of concern/age",
        ),  # one message teaches one answer
    ],
)
def test_a_link_that_does_not_fit_the_files_is_refused_and_changes_nothing(
    sessions: sessionmaker[Session], change: dict[str, object], problem: str
) -> None:
    group = group_of(sessions, ["waar kan ik mijn fiets kwijt bij jullie gebouw"])
    with sessions.begin() as session, pytest.raises(desk.DeskError, match=problem):
        desk.link(session, group_id=group, by="Anna", **change)  # type: ignore[arg-type]
    with sessions() as session:
        assert content_repo.latest_version(session) is None
        view = questions.group_view(session, group_id=group)
        assert view is not None
        assert view.group.status == GroupStatus.OPEN


@pytest.mark.parametrize(
    ("nl", "en", "problem"),
    [
        ("", EN, "answer.nl"),
        (NL, "x" * 451, "answer.en"),
        ("Honden mogen niet mee. TODO: navragen", EN, "note"),
    ],
)
def test_an_answer_that_would_not_pass_start_up_is_refused(
    sessions: sessionmaker[Session], nl: str, en: str, problem: str
) -> None:
    group = group_of(sessions, DOG)
    with sessions.begin() as session, pytest.raises(desk.DeskError, match=problem):
        desk.answer(session, group_id=group, nl=nl, en=en, by="Anna")


def test_a_group_is_handled_once(sessions: sessionmaker[Session]) -> None:
    group = group_of(sessions, DOG)
    with sessions.begin() as session:
        desk.dismiss(session, group_id=group, by="Anna")
    with sessions.begin() as session, pytest.raises(desk.DeskError, match="dismissed already"):
        desk.answer(session, group_id=group, nl=NL, en=EN, by="Ben")
    with sessions.begin() as session, pytest.raises(desk.DeskError, match="no question group"):
        desk.dismiss(session, group_id=999, by="Ben")


def test_rollback_is_a_new_version_with_the_old_document(sessions: sessionmaker[Session]) -> None:
    dog = group_of(sessions, DOG)
    with sessions.begin() as session:
        first, _ = desk.answer(session, group_id=dog, nl=NL, en=EN, by="Anna")
    bike = group_of(sessions, ["waar kan ik mijn fiets kwijt bij jullie gebouw"])
    with sessions.begin() as session:
        desk.link(session, group_id=bike, answer_key="fact/address", by="Anna")
        restored = desk.rollback(session, version=first.id, by="Ben")
        _, learned = desk.current(session)
    assert restored.id == first.id + 2
    assert [a.key for a in learned.answers] == ["fact/staff_1"]
    assert learned.examples == {}
    assert "-  fact/address:" in restored.diff
    with sessions.begin() as session:
        desk.rollback(session, version=0, by="Ben")
        assert desk.current(session)[1].empty
    with sessions.begin() as session, pytest.raises(desk.DeskError, match="no content version 42"):
        desk.rollback(session, version=42, by="Ben")
