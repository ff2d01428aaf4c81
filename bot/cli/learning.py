"""`tekkie questions ...` and `tekkie content ...`: the learning loop from a terminal.

The same steps as the dashboard's "Vragen zonder antwoord" page (bot/learning/desk.py), for
scripts, operations and tests.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import time
from typing import Annotated

import typer

from bot.cli.slots import database_session, fail
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import BuildStatus, ModelBuild
from bot.db.repositories import content as content_repo
from bot.learning import desk, publish, questions
from bot.settings import SCHOOL_TZ, get_settings
from integrations.rasa_client import RasaClient

questions_app = typer.Typer(help="Questions Tekkie could not answer well.", no_args_is_help=True)
content_app = typer.Typer(help="Staff content: publish, history, rollback.", no_args_is_help=True)
By = Annotated[str | None, typer.Option("--by", help="Who does this (default: cli:<user>).")]
Examples = Annotated[
    list[str] | None,
    typer.Option("--example", help="A question to learn from (repeat it; default: the group's "
                 "own questions, as asked: check them for names first)."),
]  # fmt: skip


def _by(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


@questions_app.command("list")
def list_groups(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    recent: Annotated[bool, typer.Option(help="Newest first (default: most asked).")] = False,
    status: Annotated[str, typer.Option(help="open, answered, linked, dismissed or all.")] = "open",
) -> None:
    """Groups of similar questions: id, count, examples and the main reason."""
    with database_session() as session:
        views = questions.overview(
            session, status=None if status == "all" else status,
            order="recent" if recent else "frequent",
        )  # fmt: skip
        rows = [
            {"id": v.group.id, "count": v.group.count, "reason": v.reason,
             "reasons": v.group.reasons, "language": v.group.language, "status": v.group.status,
             "title": v.title, "examples": v.examples, "waiting": len(v.waiting),
             "first_seen": v.group.first_seen_at.isoformat(),
             "last_seen": v.group.last_seen_at.isoformat(), "answer_key": v.group.answer_key}
            for v in views
        ]  # fmt: skip
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("No questions waiting. 🎉")
    for row in rows:
        typer.echo(f"#{row['id']:<4} {row['count']:>3}x  {row['reason']:<15} {row['language']}  "
                   f"{row['title']}")  # fmt: skip


@questions_app.command("answer")
def answer_group(  # noqa: PLR0917 - typer reads the options from the parameters
    group_id: int,
    nl: Annotated[str, typer.Option("--nl", help="The answer in Dutch (B1).")],
    en: Annotated[str, typer.Option("--en", help="The answer in English.")],
    question_nl: Annotated[str | None, typer.Option(help="How the question is named.")] = None,
    question_en: Annotated[str | None, typer.Option(help="The same in English.")] = None,
    example: Examples = None,
    by: By = None,
) -> None:
    """Write a new answer for a group; its questions teach it. Publish to make it live."""
    with database_session() as session:
        try:
            version, key = desk.answer(
                session, group_id=group_id, nl=nl, en=en, by=_by(by),
                question_nl=question_nl, question_en=question_en, examples=example or None,
            )  # fmt: skip
        except desk.DeskError as error:
            fail(str(error))
        typer.echo(f"Answer {key} saved as content version {version.id}. "
                   "Run 'tekkie content publish' to make it live.")  # fmt: skip


@questions_app.command("link")
def link_group(
    group_id: int,
    answer: Annotated[str, typer.Option("--answer", help="An answer key, e.g. fact/address.")],
    example: Examples = None,
    by: By = None,
) -> None:
    """The group's questions become examples of an existing answer."""
    with database_session() as session:
        try:
            version = desk.link(session, group_id=group_id, answer_key=answer, by=_by(by),
                                examples=example or None)  # fmt: skip
        except desk.DeskError as error:
            fail(str(error))
        typer.echo(f"Linked to {answer} in content version {version.id}. "
                   "Run 'tekkie content publish' to make it live.")  # fmt: skip


@questions_app.command("dismiss")
def dismiss_group(group_id: int, by: By = None) -> None:
    """Not worth an answer: the group leaves the list."""
    with database_session() as session:
        try:
            desk.dismiss(session, group_id=group_id, by=_by(by))
        except desk.DeskError as error:
            fail(str(error))
    typer.echo(f"Question group {group_id} dismissed.")


@content_app.command("publish")
def publish_content(
    wait: Annotated[bool, typer.Option(help="Train here and return once Rasa answers.")] = False,
    by: By = None,
) -> None:
    """Train a model from the newest content and load it into the running Rasa."""
    with database_session() as session:
        build = publish.request(session, by=_by(by))
        build_id, version = build.id, build.content_version
    typer.echo(f"Build {build_id} of content version {version} queued.")
    if not wait:
        typer.echo("The running Tekkie trains and loads it; see 'tekkie content history'.")
        return
    started = time.monotonic()
    finished = asyncio.run(_publish_and_wait(build_id))
    if finished.status != BuildStatus.LIVE:
        fail(f"build {build_id} failed: {finished.error}")
    typer.echo(f"Content version {version} is live ({finished.model_file}) after "
               f"{time.monotonic() - started:.0f} s.")  # fmt: skip


async def _publish_and_wait(build_id: int) -> ModelBuild:
    """Run the build here (unless the app's worker has it), then wait until it has finished."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    token = settings.rasa_token.get_secret_value()
    servers = [RasaClient(url, token) for url in settings.rasa_server_urls]
    publisher = publish.Publisher(sessions=sessions, settings=settings, servers=servers)
    try:
        while True:
            await publisher.run_once()
            with sessions() as session:
                build = content_repo.get_build(session, build_id=build_id)
                if build is None:
                    fail(f"build {build_id} disappeared")
                if build.status in (BuildStatus.LIVE, BuildStatus.FAILED):
                    session.expunge(build)
                    return build
            await asyncio.sleep(2)
    finally:
        for server in servers:
            await server.aclose()
        engine.dispose()


@content_app.command("history")
def history() -> None:
    """Content versions (newest first) and the models built from them."""
    with database_session() as session:
        live = publish.live_version(session)
        builds = content_repo.builds(session, limit=50)
        for version in content_repo.versions(session):
            mark = "  <- live" if version.id == live else ""
            when = version.created_at.astimezone(SCHOOL_TZ)
            typer.echo(f"v{version.id:<4} {when:%Y-%m-%d %H:%M}  {version.author:<24} "
                       f"{version.summary}{mark}")  # fmt: skip
        if live == 0:
            typer.echo("v0    the files in dialogues/ only  <- live")
        for build in builds:
            took = (
                f" in {(build.finished_at - build.started_at).total_seconds():.0f} s"
                if build.finished_at and build.started_at else ""
            )  # fmt: skip
            error = f": {build.error.splitlines()[0][:120]}" if build.error else ""
            typer.echo(f"build {build.id}: v{build.content_version} {build.status}{took}{error}")


@content_app.command("rollback")
def rollback(
    version: int,
    by: By = None,
) -> None:
    """Make an earlier version the newest again (0: no staff content), and publish it."""
    with database_session() as session:
        try:
            restored = desk.rollback(session, version=version, by=_by(by))
        except desk.DeskError as error:
            fail(str(error))
        build = publish.request(session, by=_by(by))
        typer.echo(f"Version {restored.id} restores version {version}; build {build.id} is "
                   "queued for the running Tekkie ('tekkie content publish --wait' runs it "
                   "here).")  # fmt: skip
