"""The content page: versions of the staff content, publishing them, rolling back.

"Publiceren" queues a build; the app's publish worker trains it in the background and loads
it into Rasa (bot/learning/publish.py). The page follows the build until it is live or failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.db.models import BuildStatus, ContentVersion, ModelBuild, utcnow
from bot.db.repositories import content as repo
from bot.learning import desk, publish
from bot.web.dashboard.auth import Staff, StaffForm, redirect, sessions_of
from bot.web.dashboard.templating import flash, render

router = APIRouter()
_DONE = {"queued", "rolled_back", "rollback_refused"}


@dataclass(frozen=True)
class ContentPage:
    """What the page shows."""

    live: int  # the content version prospects get
    latest: int  # the newest version (0: none)
    versions: list[ContentVersion]
    builds: list[ModelBuild]

    @property
    def busy(self) -> bool:
        """A build waits or runs: the page refreshes itself."""
        waiting = (BuildStatus.QUEUED, BuildStatus.TRAINING, BuildStatus.LOADING)
        return any(build.status in waiting for build in self.builds)

    @property
    def unpublished(self) -> bool:
        """Changes that prospects do not get yet, and no build on its way."""
        return self.latest != self.live and not self.busy


def seconds_since(build: ModelBuild) -> int:
    """How long the build has been running, or took."""
    start = build.started_at or build.requested_at
    return int(((build.finished_at or utcnow()) - start).total_seconds())


def _page_data(request: Request) -> ContentPage:
    with sessions_of(request)() as session:
        latest = repo.latest_version(session)
        page = ContentPage(
            live=publish.live_version(session), latest=latest.id if latest else 0,
            versions=repo.versions(session, limit=20), builds=repo.builds(session, limit=10),
        )  # fmt: skip
        session.expunge_all()
        return page


@router.get("/content", response_class=HTMLResponse)
async def content_page(request: Request, staff: Staff) -> Response:
    """Versions, builds and the publish button."""
    page = await anyio.to_thread.run_sync(_page_data, request)
    return render(request, "content.html", staff=staff, page=page, took=seconds_since,
                  flash=flash(request, staff.language, _DONE, prefix="content_done_"))  # fmt: skip


@router.post("/content/publish")
async def publish_content(request: Request, staff: StaffForm) -> Response:
    """Train and load the newest version in the background."""

    def queue() -> None:
        with sessions_of(request).begin() as session:
            publish.request(session, by=staff.name)

    await anyio.to_thread.run_sync(queue)
    return redirect("/dashboard/content?done=queued")


@router.post("/content/rollback")
async def rollback(
    request: Request, staff: StaffForm, version: Annotated[int, Form()] = -1
) -> Response:
    """Make an earlier version the newest again, and publish it."""

    def restore() -> None:
        with sessions_of(request).begin() as session:
            desk.rollback(session, version=version, by=staff.name)
            publish.request(session, by=staff.name)

    try:
        await anyio.to_thread.run_sync(restore)
    except desk.DeskError:  # a version that does not exist, or one that no longer fits
        return redirect("/dashboard/content?done=rollback_refused")
    return redirect("/dashboard/content?done=rolled_back")
