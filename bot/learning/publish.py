"""Publishing staff content: train a model from a content version, load it into Rasa, go live.

Staff (dashboard or `tekkie content publish`) queue a build; a worker in the app picks it up.
Training runs in the background while the old model keeps answering; the new model is then
loaded into every running Rasa server through Rasa's HTTP API (`PUT /model`), which swaps
it in between two turns. Only then is the build "live". A failed training or load changes
nothing for prospects, and the build says why. The worker also keeps the servers on the
live model: a Rasa server that restarted with an older one is given the live model again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, TypeVar

import anyio
import structlog
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import make_engine
from bot.db.models import BuildStatus, ModelBuild, utcnow
from bot.db.repositories import content as repo
from bot.guidance.content import content
from bot.learning import project
from bot.learning.content import Learned, check, parse
from bot.ops import rasa_project
from bot.settings import Settings
from bot.texts import ContentError

log = structlog.get_logger(__name__)
HEARTBEAT = timedelta(seconds=10)
STALE = timedelta(minutes=2)  # no heartbeat for this long: the worker is gone
MAX_ERROR = 3000
INTERRUPTED = "interrupted: the worker stopped; publish again"
Train = Callable[[Settings, rasa_project.Extra], Path]
T = TypeVar("T")


class ModelServer(Protocol):
    """A running Rasa server's model API (integrations/rasa_client.py)."""

    async def load_model(self, model_file: str) -> None:
        """Replace the server's model; raises when it cannot."""
        ...

    async def model_file(self) -> str | None:
        """The file name of the model the server has loaded; None when unreachable."""
        ...


def content_of(session: Session, *, version: int) -> Learned:
    """The staff content of one version (0: none), checked against the files."""
    if version == 0:
        return Learned()
    stored = repo.get_version(session, version=version)
    if stored is None:
        raise ContentError(f"there is no content version {version}")
    learned = parse(stored.document)
    check(content(), learned)
    return learned


def live_version(session: Session) -> int:
    """The content version prospects get (0 before anything was published)."""
    build = repo.live_build(session)
    return build.content_version if build is not None else 0


def live_training_files(settings: Settings) -> dict[str, str]:
    """The staff content's training files of the live version, for `tekkie train` and `run`.

    A database that does not exist or is not migrated yet has published nothing: {}.
    """
    if settings.is_sqlite and not Path(settings.database_url.split("///", 1)[-1]).exists():
        return {}
    engine = make_engine(settings.database_url)
    try:
        if not inspect(engine).has_table("model_builds"):
            return {}
        with Session(engine) as session:
            return project.training_files(content_of(session, version=live_version(session)))
    finally:
        engine.dispose()


def request(session: Session, *, by: str, now: datetime | None = None) -> ModelBuild:
    """Queue a build of the newest content version (or return the one already waiting)."""
    latest = repo.latest_version(session)
    version = latest.id if latest is not None else 0
    waiting = repo.queued_build(session, content_version=version)
    return waiting or repo.add_build(
        session, content_version=version, requested_by=by, now=now or utcnow()
    )


def _train(settings: Settings, extra: rasa_project.Extra) -> Path:
    log_file = settings.runtime_dir / "publish.log"
    return rasa_project.train(settings, extra=extra, log_file=log_file, check_data=False)


class Publisher:
    """The worker: runs queued builds one at a time and keeps the servers on the live model."""

    def __init__(
        self, *, sessions: sessionmaker[Session], settings: Settings,
        servers: Sequence[ModelServer], train: Train = _train,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:  # fmt: skip
        self._sessions = sessions
        self._settings = settings
        self._servers = servers
        self._train = train
        self._clock = clock
        self.last_model_file: str | None = None  # what the first server ran at the last check

    async def run_once(self) -> ModelBuild | None:
        """Run the next queued build, if any and none is running; then check the servers."""
        build = await anyio.to_thread.run_sync(self._claim)
        if build is not None:
            await self._run(build)
        await self.reconcile()
        return build

    def _claim(self) -> ModelBuild | None:
        now = self._clock()
        with self._sessions.begin() as session:
            stale = repo.fail_stale(session, silent_since=now - STALE, now=now, error=INTERRUPTED)
            if stale:
                log.warning("publish.stale_builds_failed", count=stale)
            if repo.busy_build(session) is not None:
                return None
            build = repo.next_queued(session)
            if build is None or not repo.claim(session, build_id=build.id, now=now):
                return None
            session.expunge(build)
            return build

    async def _run(self, build: ModelBuild) -> None:
        log.info("publish.started", build=build.id, content_version=build.content_version)
        try:
            files = await anyio.to_thread.run_sync(self._files, build.content_version)
            model = await self._with_heartbeat(build.id, lambda: self._train_and_load(build, files))
        except Exception as error:  # noqa: BLE001 - whatever went wrong, staff are told why
            reason = _reason(error)
            log.warning("publish.failed", build=build.id, error=reason[:300])
            await anyio.to_thread.run_sync(
                lambda: self._set(build.id, BuildStatus.FAILED, error=reason)
            )
            return
        if await anyio.to_thread.run_sync(
            lambda: self._set(build.id, BuildStatus.LIVE, model_file=model.name)
        ):
            log.info("publish.live", build=build.id, model=model.name)
        else:  # too slow: the build was failed as interrupted; the next one puts things right
            log.warning("publish.lost", build=build.id, model=model.name)

    async def _train_and_load(self, build: ModelBuild, files: dict[str, str]) -> Path:
        model = await anyio.to_thread.run_sync(
            self._train, self._settings, files, abandon_on_cancel=True
        )
        await anyio.to_thread.run_sync(lambda: self._set(build.id, BuildStatus.LOADING))
        await self._load(model.name)
        return model

    def _files(self, version: int) -> dict[str, str]:
        with self._sessions() as session:
            return project.training_files(content_of(session, version=version))

    async def _with_heartbeat(self, build_id: int, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` while telling the database every few seconds that this worker is on it."""
        result: list[T] = []
        failure: list[Exception] = []
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._beat, build_id)
            try:
                result.append(await work())
            except Exception as error:  # noqa: BLE001 - raised below, outside the task group
                failure.append(error)
            tasks.cancel_scope.cancel()
        if failure:
            raise failure[0]
        return result[0]

    async def _beat(self, build_id: int) -> None:
        while True:
            await anyio.sleep(HEARTBEAT.total_seconds())
            try:
                await anyio.to_thread.run_sync(self._beat_once, build_id)
            except Exception as error:  # noqa: BLE001 - a database hiccup: the next beat
                log.warning("publish.heartbeat_failed", build=build_id, error=type(error).__name__)

    def _beat_once(self, build_id: int) -> None:
        with self._sessions.begin() as session:
            repo.heartbeat(session, build_id=build_id, now=self._clock())

    async def _load(self, model_file: str) -> None:
        """Load the model into every server; on a failure, put back what the others had."""
        loaded: list[tuple[ModelServer, str | None]] = []
        try:
            for server in self._servers:
                before = await server.model_file()
                await server.load_model(str(self._settings.model_dir / model_file))
                loaded.append((server, before))
                if await server.model_file() != model_file:
                    raise RuntimeError(f"Rasa did not switch to {model_file}")
        except Exception:
            for server, before in loaded:
                if before is not None:
                    await server.load_model(str(self._settings.model_dir / before))
            raise

    def _set(self, build_id: int, status: BuildStatus, **fields: str) -> bool:
        with self._sessions.begin() as session:
            return repo.set_build_status(
                session, build_id=build_id, status=status, now=self._clock(), **fields
            )

    def _expected_model(self) -> Path | None:
        """The model of the live content and today's files; None while a build runs."""
        with self._sessions() as session:
            if repo.busy_build(session) is not None:
                return None
            files = project.training_files(content_of(session, version=live_version(session)))
        return rasa_project.model_path(self._settings, files)

    async def reconcile(self) -> None:
        """Give the live model to any server that runs another one (it restarted, say).

        The live model is that of the live content version and the files in dialogues/ as
        they are now: after a deploy with new files, the model `tekkie run` trained at start.
        """
        try:
            expected = await anyio.to_thread.run_sync(self._expected_model)
        except ContentError as error:
            log.warning("publish.live_content_invalid", error=str(error)[:300])
            return
        if expected is None or not expected.exists():
            return
        for number, server in enumerate(self._servers):
            current = await server.model_file()
            if number == 0:
                self.last_model_file = current
            if current is not None and current != expected.name:
                log.info("publish.reloading_live_model", had=current, live=expected.name)
                try:
                    await server.load_model(str(expected))
                except Exception as error:  # noqa: BLE001 - tried again at the next round
                    log.warning("publish.reload_failed", error=str(error)[:300])


def _reason(error: Exception) -> str:
    """What staff read about a failed build: the error, with the end of a training log."""
    if isinstance(error, ContentError):
        return str(error)
    return f"{type(error).__name__}: {error}"[-MAX_ERROR:]
