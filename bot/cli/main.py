"""The `tekkie` command: run everything, run one service, train, validate, migrate."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.campaigns import app as campaigns_app
from bot.cli.learning import content_app, questions_app
from bot.cli.slots import app as scheduling_app
from bot.cli.staff import app as staff_app
from bot.cli.telegram import app as telegram_app
from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory
from bot.learning.publish import live_training_files
from bot.ops import rasa_project, services
from bot.ops.supervisor import ServiceError, Supervisor
from bot.outbox import Notices
from bot.prospects.privacy import purge_inactive
from bot.settings import PROJECT_ROOT, Settings, get_settings
from bot.texts import ContentError

app = typer.Typer(help="Tekkie: the IT-retraining chat assistant.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")
privacy_app = typer.Typer(help="Privacy (AVG/GDPR) housekeeping.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")
app.add_typer(scheduling_app, name="slots")
app.add_typer(telegram_app, name="telegram")
app.add_typer(staff_app, name="staff")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(questions_app, name="questions")
app.add_typer(content_app, name="content")


class Service(StrEnum):
    """The services `tekkie serve` can start on their own."""

    rasa = "rasa"
    actions = "actions"
    app = "app"


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        typer.secho(f"Configuration error:\n{error}", fg="red", err=True)
        raise typer.Exit(2) from error


def _live_files(settings: Settings) -> dict[str, str]:
    """The published staff content's training files; none when they cannot be read now.

    Rasa must start even when the database is down or a change to the files makes the staff
    content invalid: it then answers from the files alone, and the app's publish worker
    loads the live model as soon as it can.
    """
    try:
        return live_training_files(settings)
    except (SQLAlchemyError, ContentError) as error:
        why = f"{type(error).__name__}: {str(error)[:200]}"
        typer.secho(f"Staff content not used ({why}); starting with the files in dialogues/ only.",
                    fg="yellow", err=True)  # fmt: skip
        return {}


def _ensure_model(settings: Settings, *, force: bool = False) -> Path:
    """The model of the files and the published staff content, trained when missing."""
    extra = _live_files(settings)
    target = rasa_project.model_path(settings, extra)
    if target.exists() and not force:
        typer.echo(f"Model is up to date: {target.name}")
        return target
    typer.echo("Training the Rasa model (a few minutes the first time; skipped when unchanged)...")
    started = time.monotonic()
    try:
        model = rasa_project.train(settings, force=force, extra=extra)
    except (RuntimeError, rasa_project.RasaNotInstalledError) as error:
        typer.secho(str(error), fg="red", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Trained {model.name} in {time.monotonic() - started:.0f} s")
    return model


@app.command()
def train(force: Annotated[bool, typer.Option(help="Train even when unchanged.")] = False) -> None:
    """Train the Rasa model from config.yml and dialogues/ (skipped when nothing changed)."""
    _ensure_model(_settings(), force=force)


@app.command()
def validate() -> None:
    """Check the dialogue data with `rasa data validate` (warnings count as errors)."""
    try:
        rasa_project.validate()
    except RuntimeError as error:
        typer.secho(str(error), fg="red", err=True)
        raise typer.Exit(1) from error
    typer.echo("Dialogue data is valid.")


@app.command("nlu-report")
def nlu_report() -> None:
    """Test understanding on the held-out messages: accuracy and macro-F1 per language."""
    from bot.ops import nlu_report as report  # noqa: PLC0415 - only this command needs it

    scores = report.run(_settings())
    for score in scores:
        answers = (
            "" if score.answer_accuracy is None else f", answer choice {score.answer_accuracy:.3f}"
        )
        typer.echo(
            f"{score.language}: {score.examples} messages, intent accuracy {score.accuracy:.3f}, "
            f"macro-F1 {score.macro_f1:.3f}{answers}"
        )
    typer.echo(f"Misunderstood messages: {report.RESULTS_DIR / 'nlu-confusions.txt'}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database (DATABASE_URL) up to the newest revision."""
    migrate.upgrade(_settings().database_url, revision)
    typer.echo(f"Database migrated to {revision}.")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to a revision ("base" removes every table)."""
    migrate.downgrade(_settings().database_url, revision)
    typer.echo(f"Database migrated down to {revision}.")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one in the code."""
    settings = _settings()
    engine = make_engine(settings.database_url)
    current = migrate.current_revision(engine)
    engine.dispose()
    typer.echo(f"database: {current or 'not migrated'}; code: {migrate.head_revision('')}")


@privacy_app.command("purge")
def privacy_purge(
    days: Annotated[
        int | None, typer.Option(min=1, help="Inactive days (default LEAD_RETENTION_DAYS).")
    ] = None,
) -> None:
    """Erase leads inactive longer than the retention period (bookings cancelled, staff told)."""
    settings = _settings()
    cutoff = datetime.now(UTC) - timedelta(days=days or settings.lead_retention_days)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine).begin() as session:
        erased = purge_inactive(session, older_than=cutoff, notices=Notices.from_settings(settings))
    engine.dispose()
    typer.echo(f"Erased {erased} lead(s) inactive since before {cutoff:%Y-%m-%d}.")


@app.command()
def serve(service: Service) -> None:
    """Run one service in the foreground (for production process managers)."""
    settings = _settings()
    if service is Service.rasa:
        model = rasa_project.model_path(settings, _live_files(settings))
        if not model.exists():
            typer.secho(f"No model {model.name}; run 'tekkie train' first.", fg="red", err=True)
            raise typer.Exit(1)
        spec = services.rasa_spec(settings, model)
    elif service is Service.actions:
        spec = services.actions_spec(settings)
    else:
        spec = services.app_spec(settings)
    os.chdir(PROJECT_ROOT)
    os.execvpe(spec.command[0], spec.command, spec.env)  # noqa: S606 - replaces this process


@app.command()
def run(
    no_train: Annotated[bool, typer.Option(help="Use the newest model without training.")] = False,
) -> None:
    """Start Rasa, the action server and the web chat together; Ctrl-C stops them all.

    A crashed service is restarted with backoff; five crashes in five minutes stop everything.
    """
    settings = _settings()
    if settings.uses_placeholder_secret:
        typer.secho("Note: RASA_TOKEN is the development placeholder.", fg="yellow")
    if settings.should_auto_migrate:  # first: the published staff content is in the database
        migrate.upgrade(settings.database_url)
    model = (
        rasa_project.model_path(settings, _live_files(settings))
        if no_train
        else _ensure_model(settings)
    )
    supervisor = Supervisor(settings.runtime_dir)
    stop_requested = False

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        typer.echo(f"Starting Rasa, actions and app (logs in {settings.runtime_dir}/)...")
        started = time.monotonic()
        running = [
            supervisor.start(services.actions_spec(settings)),
            *(supervisor.start(spec) for spec in services.rasa_specs(settings, model)),
            supervisor.start(services.app_spec(settings)),
        ]
        supervisor.wait_ready(running)
        typer.secho(
            f"\nTekkie is ready after {time.monotonic() - started:.0f} s. "
            f"Open {settings.base_url}/ to chat. Press Ctrl-C to stop.\n",
            fg="green",
            bold=True,
        )
        typer.echo(
            f"Staff dashboard: {settings.base_url}/dashboard (first log-in: "
            ".venv/bin/tekkie staff create --admin --email you@school.nl --name 'Your Name')\n"
        )
        while not stop_requested:  # crashed services restart with backoff; see Supervisor
            for event in supervisor.check_and_restart(time.monotonic()):
                if event.kind == "failed":
                    raise ServiceError(event.message)
                typer.secho(event.message, fg="green" if event.kind == "recovered" else "yellow")
            time.sleep(0.5)
    except ServiceError as error:
        typer.secho(str(error), fg="red", err=True)
        supervisor.stop_all()
        raise typer.Exit(1) from error
    typer.echo("Stopping...")
    supervisor.stop_all()
    typer.echo("Stopped.")


def main() -> None:
    """Entry point for `python -m bot`."""
    app(prog_name="tekkie")


if __name__ == "__main__":
    main()
