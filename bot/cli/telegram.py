"""`tekkie telegram ...`: connect the Telegram bot (WhatsApp needs no command: see README)."""

from __future__ import annotations

import asyncio

import typer
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.settings import get_settings
from integrations import telegram

app = typer.Typer(help="Telegram bot set-up.", no_args_is_help=True)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def _bot_or_exit() -> ExtBot[int]:
    settings = get_settings()
    if not settings.telegram_enabled:
        typer.echo("TELEGRAM_BOT_TOKEN is not set (see README: Connecting Telegram).", err=True)
        raise typer.Exit(2)
    return telegram.make_bot(settings)


@app.command("set-webhook")
def set_webhook() -> None:
    """Tell Telegram to POST updates to PUBLIC_BASE_URL/webhooks/telegram with the secret."""
    settings = get_settings()
    if not settings.public_base_url or settings.telegram_webhook_secret is None:
        typer.echo("Set PUBLIC_BASE_URL (https) and TELEGRAM_WEBHOOK_SECRET first.", err=True)
        raise typer.Exit(2)
    url = f"{settings.base_url}/webhooks/telegram"
    secret = settings.telegram_webhook_secret.get_secret_value()

    async def register() -> None:
        async with _bot_or_exit() as bot:
            await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    try:
        asyncio.run(register())
    except TelegramError as error:
        typer.echo(f"Telegram refused the webhook: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Webhook set: {url}")


@app.command("delete-webhook")
def delete_webhook() -> None:
    """Stop webhook delivery (needed before TELEGRAM_MODE=polling works)."""

    async def remove() -> None:
        async with _bot_or_exit() as bot:
            await bot.delete_webhook()

    try:
        asyncio.run(remove())
    except TelegramError as error:
        typer.echo(f"Telegram refused: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo("Webhook removed.")
