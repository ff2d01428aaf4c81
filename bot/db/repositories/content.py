"""Queries on staff content versions and model builds (keyword-only, explicit session)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import BuildStatus, ContentVersion, ModelBuild

BUSY = (BuildStatus.TRAINING, BuildStatus.LOADING)


def latest_version(session: Session) -> ContentVersion | None:
    """The newest content version, published or not."""
    return session.scalars(select(ContentVersion).order_by(ContentVersion.id.desc())).first()


def get_version(session: Session, *, version: int) -> ContentVersion | None:
    """One content version."""
    return session.get(ContentVersion, version)


class VersionTakenError(Exception):
    """Someone else stored the same version number first (two staff saving at once)."""


def add_version(
    session: Session, *, number: int, document: dict[str, Any], author: str, summary: str,
    diff: str, now: datetime,
) -> ContentVersion:  # fmt: skip
    """Store version `number` of the whole document (the one after what the author saw)."""
    version = ContentVersion(
        id=number, document=document, author=author, summary=summary[:300], diff=diff,
        created_at=now,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(version)
    except IntegrityError as error:
        raise VersionTakenError(number) from error
    return version


def documents(session: Session) -> list[dict[str, Any]]:
    """Every version's document (to keep new answer keys unique across all of history)."""
    return list(session.scalars(select(ContentVersion.document)))


def versions(session: Session, *, limit: int = 50) -> list[ContentVersion]:
    """The newest versions first."""
    query = select(ContentVersion).order_by(ContentVersion.id.desc()).limit(limit)
    return list(session.scalars(query))


def queued_build(session: Session, *, content_version: int) -> ModelBuild | None:
    """A build of this version that waits to start."""
    query = select(ModelBuild).where(
        ModelBuild.content_version == content_version, ModelBuild.status == BuildStatus.QUEUED
    )
    return session.scalars(query).first()


def add_build(
    session: Session, *, content_version: int, requested_by: str, now: datetime
) -> ModelBuild:
    """Ask for a model of this content version."""
    build = ModelBuild(
        content_version=content_version, status=BuildStatus.QUEUED, requested_by=requested_by,
        requested_at=now,
    )  # fmt: skip
    session.add(build)
    session.flush()
    return build


def get_build(session: Session, *, build_id: int) -> ModelBuild | None:
    """One build."""
    return session.get(ModelBuild, build_id)


def builds(session: Session, *, limit: int = 20) -> list[ModelBuild]:
    """The newest builds first."""
    return list(session.scalars(select(ModelBuild).order_by(ModelBuild.id.desc()).limit(limit)))


def busy_build(session: Session) -> ModelBuild | None:
    """A build a worker is training or loading now."""
    return session.scalars(select(ModelBuild).where(ModelBuild.status.in_(BUSY))).first()


def claim(session: Session, *, build_id: int, now: datetime) -> bool:
    """Start the queued build; False when another worker took it or another build runs."""
    try:
        with session.begin_nested():
            result = session.execute(
                update(ModelBuild)
                .where(ModelBuild.id == build_id, ModelBuild.status == BuildStatus.QUEUED)
                .values(status=BuildStatus.TRAINING, started_at=now, heartbeat_at=now, running=1)
            )
    except IntegrityError:  # `running` is unique: another build started at the same moment
        return False
    return bool(getattr(result, "rowcount", 0))


def next_queued(session: Session) -> ModelBuild | None:
    """The oldest build waiting to start."""
    query = (
        select(ModelBuild).where(ModelBuild.status == BuildStatus.QUEUED).order_by(ModelBuild.id)
    )
    return session.scalars(query).first()


def set_build_status(
    session: Session, *, build_id: int, status: str, now: datetime, error: str | None = None,
    model_file: str | None = None,
) -> bool:  # fmt: skip
    """Move a running build on (training -> loading -> live, or failed).

    False when it was not running any more: its worker went quiet for too long and lost it.
    """
    values: dict[str, Any] = {"status": status, "heartbeat_at": now}
    if status == BuildStatus.LOADING:
        values["loading_at"] = now
    if status in (BuildStatus.LIVE, BuildStatus.FAILED):
        values["finished_at"], values["running"] = now, None
    if error is not None:
        values["error"] = error
    if model_file is not None:
        values["model_file"] = model_file
    result = session.execute(
        update(ModelBuild)
        .where(ModelBuild.id == build_id, ModelBuild.status.in_(BUSY))
        .values(values)
    )
    return bool(getattr(result, "rowcount", 0))


def heartbeat(session: Session, *, build_id: int, now: datetime) -> None:
    """The worker is still on it."""
    session.execute(update(ModelBuild).where(ModelBuild.id == build_id).values(heartbeat_at=now))


def fail_stale(session: Session, *, silent_since: datetime, error: str, now: datetime) -> int:
    """Builds whose worker went quiet (it stopped or crashed) fail; returns how many."""
    result = session.execute(
        update(ModelBuild)
        .where(ModelBuild.status.in_(BUSY), ModelBuild.heartbeat_at < silent_since)
        .values(status=BuildStatus.FAILED, error=error, finished_at=now, running=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def live_build(session: Session) -> ModelBuild | None:
    """The build prospects get: the one that went live last."""
    query = (
        select(ModelBuild)
        .where(ModelBuild.status == BuildStatus.LIVE)
        .order_by(ModelBuild.finished_at.desc(), ModelBuild.id.desc())
    )
    return session.scalars(query).first()
