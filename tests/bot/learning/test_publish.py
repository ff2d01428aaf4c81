"""Publishing: a queued build is trained, loaded into every Rasa server, then live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import BuildStatus, Reason
from bot.db.repositories import content as repo
from bot.learning import answers, desk, project, publish, questions
from bot.learning.similar import from_training_data
from bot.ops import rasa_project
from bot.settings import Settings

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Server:
    """A Rasa server's model API as the publisher sees it; `fail` makes the next load fail."""

    def __init__(self, model: str | None = "tekkie-old.tar.gz") -> None:
        self.model = model
        self.loads: list[str] = []
        self.fail = False

    async def load_model(self, model_file: str) -> None:
        if self.fail:
            raise RuntimeError("Rasa refused the model")
        self.loads.append(Path(model_file).name)
        self.model = Path(model_file).name

    async def model_file(self) -> str | None:
        return self.model


class Trainer:
    """Writes a model file named after the training files, or fails like `rasa train`."""

    def __init__(self) -> None:
        self.trained: list[rasa_project.Extra] = []
        self.error: str | None = None

    def __call__(self, settings: Settings, extra: rasa_project.Extra) -> Path:
        if self.error:
            raise RuntimeError(self.error)
        self.trained.append(extra)
        model = rasa_project.model_path(settings, extra)
        model.parent.mkdir(parents=True, exist_ok=True)
        model.write_bytes(b"model")
        return model


@pytest.fixture
def settings(make_settings, tmp_path: Path, database_url: str) -> Settings:  # type: ignore[no-untyped-def]
    """On the test's database (SQLite and PostgreSQL)."""
    return make_settings(model_dir=tmp_path / "models", database_url=database_url)  # type: ignore[no-any-return]


def answered(sessions: sessionmaker[Session]) -> int:
    """A group with a new answer, saved as a content version; returns the version."""
    with sessions.begin() as session:
        question = questions.record(
            session, similarity=from_training_data(), channel="webchat", channel_user_id="p1",
            text="mag mijn hond mee naar de les", language="nl", reason=Reason.FALLBACK,
        )  # fmt: skip
        assert question is not None
        version, _ = desk.answer(session, group_id=question.group_id, by="Anna",
                                 nl="Honden mogen niet mee.", en="Dogs can't come.")  # fmt: skip
        return version.id


def publisher(sessions: sessionmaker[Session], settings: Settings, *servers: Server,
              train: Trainer, now: datetime = T0) -> publish.Publisher:  # fmt: skip
    return publish.Publisher(sessions=sessions, settings=settings, servers=servers, train=train,
                             clock=lambda: now)  # fmt: skip


def queue(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        return publish.request(session, by="Anna", now=T0).id


def build_of(sessions: sessionmaker[Session], build_id: int) -> tuple[str, str | None, str | None]:
    with sessions() as session:
        build = repo.get_build(session, build_id=build_id)
        assert build is not None
        return build.status, build.model_file, build.error


async def test_a_published_version_is_trained_loaded_everywhere_and_live(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    version = answered(sessions)
    build_id = queue(sessions)
    first, second, train = Server(), Server(), Trainer()
    await publisher(sessions, settings, first, second, train=train).run_once()
    status, model, _ = build_of(sessions, build_id)
    assert status == BuildStatus.LIVE
    assert first.loads == second.loads == [model]
    (files,) = train.trained
    assert files is not None
    assert set(files) == {project.NLU_FILE}
    with sessions() as session:
        assert publish.live_version(session) == version
        said = answers.staff_answer(session, key="fact/staff_1", language="en")
    assert said == "Dogs can't come."  # what action_after_answer says for it now
    assert publish.live_training_files(settings) == files  # what a restart trains and loads


async def test_a_failed_training_changes_nothing_and_says_why(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    answered(sessions)
    build_id = queue(sessions)
    server, train = Server(), Trainer()
    train.error = "rasa train failed (log: var/run/publish.log):\nout of memory"
    await publisher(sessions, settings, server, train=train).run_once()
    status, _, error = build_of(sessions, build_id)
    assert status == BuildStatus.FAILED
    assert error is not None
    assert "out of memory" in error
    assert (server.model, server.loads) == ("tekkie-old.tar.gz", [])
    with sessions() as session:
        assert publish.live_version(session) == 0


async def test_a_failed_load_puts_back_the_servers_that_had_switched(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    """Two Rasa servers: the first takes the new model, the second refuses it."""
    answered(sessions)
    first_build = queue(sessions)
    first, second, train = Server(), Server(), Trainer()
    await publisher(sessions, settings, first, second, train=train).run_once()
    live_model = build_of(sessions, first_build)[1]
    with sessions.begin() as session:  # another change, published
        group = questions.record(
            session, similarity=from_training_data(), channel="webchat", channel_user_id="p2",
            text="is er een parkeerplaats bij de school", language="nl", reason=Reason.FALLBACK,
        )  # fmt: skip
        assert group is not None
        desk.link(session, group_id=group.group_id, answer_key="fact/address", by="Anna")
    second_build = queue(sessions)
    second.fail = True
    await publisher(sessions, settings, first, second, train=train).run_once()
    status, _, error = build_of(sessions, second_build)
    assert status == BuildStatus.FAILED
    assert "refused" in (error or "")
    assert first.model == second.model == live_model  # prospects keep the live content


async def test_a_build_whose_worker_stopped_fails_and_the_next_one_runs(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    answered(sessions)
    stuck = queue(sessions)
    with sessions.begin() as session:
        assert repo.claim(session, build_id=stuck, now=T0)  # a worker took it, then died
    waiting = queue(sessions)
    server, train = Server(), Trainer()
    soon = publisher(sessions, settings, server, train=train, now=T0 + timedelta(seconds=30))
    await soon.run_once()
    assert build_of(sessions, waiting)[0] == BuildStatus.QUEUED  # one build at a time
    later = publisher(sessions, settings, server, train=train, now=T0 + timedelta(minutes=5))
    await later.run_once()
    assert build_of(sessions, stuck)[:1] == (BuildStatus.FAILED,)
    assert publish.INTERRUPTED in (build_of(sessions, stuck)[2] or "")
    assert build_of(sessions, waiting)[0] == BuildStatus.LIVE


async def test_publishing_twice_before_it_starts_queues_one_build(
    sessions: sessionmaker[Session],
) -> None:
    answered(sessions)
    assert queue(sessions) == queue(sessions)


async def test_a_server_that_restarted_with_an_old_model_gets_the_live_one(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    answered(sessions)
    build_id = queue(sessions)
    server, train = Server(), Trainer()
    worker = publisher(sessions, settings, server, train=train)
    await worker.run_once()
    live = build_of(sessions, build_id)[1]
    server.model = "tekkie-old.tar.gz"  # Rasa restarted with the model it was started with
    await worker.run_once()
    assert server.model == live


def test_nothing_published_trains_the_files_alone(make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    never_created = make_settings(database_url=f"sqlite:///{tmp_path / 'none.db'}")
    assert publish.live_training_files(never_created) == {}
    assert not (tmp_path / "none.db").exists()  # `tekkie train` does not create it


async def test_after_a_deploy_with_new_files_the_old_live_model_is_not_loaded_back(
    sessions: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tekkie run` trained the new files + live content; reconcile must not undo that."""
    answered(sessions)
    queue(sessions)
    server, train = Server(), Trainer()
    worker = publisher(sessions, settings, server, train=train)
    await worker.run_once()
    before = rasa_project.fingerprint  # the developers' files change with the deploy
    monkeypatch.setattr(rasa_project, "fingerprint", lambda extra=None: "new" + before(extra))
    deployed = rasa_project.model_path(settings, publish.live_training_files(settings))
    deployed.write_bytes(b"model")  # what `tekkie run` trained after the deploy
    server.model = deployed.name
    await worker.run_once()
    assert server.model == deployed.name


def test_only_one_build_runs_at_a_time_even_when_two_workers_claim_at_once(
    sessions: sessionmaker[Session],
) -> None:
    answered(sessions)
    first = queue(sessions)
    with sessions.begin() as session:
        second = repo.add_build(session, content_version=0, requested_by="Ben", now=T0).id
    with sessions.begin() as session:
        assert repo.claim(session, build_id=first, now=T0)
    with sessions.begin() as session:  # the other instance did not see the first one running
        assert not repo.claim(session, build_id=second, now=T0)
    assert build_of(sessions, second)[0] == BuildStatus.QUEUED
