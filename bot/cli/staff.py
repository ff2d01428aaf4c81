"""`tekkie staff ...`: dashboard accounts (the first admin is made here, the rest too)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.slots import database_session, fail
from bot.db.models import Role
from bot.db.repositories import staff as repo
from bot.db.repositories.staff_members import find_staff_member

app = typer.Typer(help="Staff dashboard accounts.", no_args_is_help=True)


@app.command("create")
def create(  # noqa: PLR0917 - typer reads the options from the parameters
    email: Annotated[str, typer.Option(help="Log-in e-mail address.")],
    name: Annotated[str, typer.Option(help="Name shown in the dashboard.")],
    admin: Annotated[bool, typer.Option(help="May manage staff and availability.")] = False,
    language: Annotated[str, typer.Option(help="Dashboard language: nl or en.")] = "nl",
    staff_id: Annotated[
        int | None, typer.Option(help="The intake staff member (tekkie slots staff) this is.")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="TEKKIE_NEW_PASSWORD", help="Asked for when left out (never in shell history)."
        ),
    ] = None,
) -> None:
    """Create a dashboard account; the password is stored only as an argon2 hash."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with database_session() as session:
        if staff_id is not None and find_staff_member(session, staff_id=staff_id) is None:
            fail(f"there is no staff member {staff_id} (see: tekkie slots list-staff)")
        try:
            account = repo.create_account(
                session, email=email, name=name, password=password,
                role=Role.ADMIN if admin else Role.STAFF, language=language,
                staff_member_id=staff_id,
            )  # fmt: skip
        except repo.AccountError as error:
            fail(str(error))
        typer.echo(f"Account {account.id} created for {account.email} ({account.role}).")


@app.command("list")
def list_accounts() -> None:
    """Every dashboard account."""
    with database_session() as session:
        for account in repo.list_accounts(session):
            state = "active" if account.active else "disabled"
            typer.echo(
                f"{account.id:>4}  {account.email:<32} {account.role:<6} {state}  {account.name}"
            )


@app.command("set-password")
def set_password(
    email: Annotated[str, typer.Option(help="The account's e-mail address.")],
    password: Annotated[str | None, typer.Option(envvar="TEKKIE_NEW_PASSWORD")] = None,
) -> None:
    """Give an account a new password (its sessions end)."""
    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with database_session() as session:
        account = repo.find_account(session, email=email)
        if account is None:
            fail(f"no account for {email}")
        try:
            repo.set_password(session, account=account, password=password)
        except repo.AccountError as error:
            fail(str(error))
        typer.echo(f"Password changed for {account.email}.")
