"""Tekkie's configuration: one typed Settings class read from the environment and `.env`."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SCHOOL_TZ = ZoneInfo("Europe/Amsterdam")  # the school's clock: slots, reminders, the dashboard
PROJECT_ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER_SECRET = "changethis"  # noqa: S105 - the documented development placeholder


class Settings(BaseSettings):
    """Every setting Tekkie reads; see `.env.example` and the README's configuration table."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'tekkie.db'}"
    db_auto_migrate: bool | None = Field(
        default=None, description="Run migrations at start-up; default: only for SQLite."
    )
    redis_url: str | None = None
    redis_key_prefix: str = Field(default="tekkie", pattern=r"^[A-Za-z0-9]+$")  # Rasa: alphanumeric

    app_host: str = "127.0.0.1"
    app_port: int = Field(default=8000, ge=1, le=65535)
    public_base_url: str | None = None

    rasa_host: str = "127.0.0.1"
    rasa_port: int = Field(default=5005, ge=1, le=65535)
    # How many Rasa servers `tekkie run` starts, on RASA_PORT, RASA_PORT + 1, ...
    rasa_servers: int = Field(default=1, ge=1, le=16)
    # The Rasa servers the app uses, comma-separated; empty: the ones `tekkie run` starts.
    rasa_urls: str = Field(default="", pattern=r"^(https?://[^,\s]+)?(,\s*https?://[^,\s]+)*$")
    rasa_token: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    rasa_timeout_seconds: float = Field(default=30.0, gt=0)
    rasa_tracker_db: Path = PROJECT_ROOT / "var" / "rasa-tracker.db"

    action_host: str = "127.0.0.1"
    action_port: int = Field(default=5055, ge=1, le=65535)

    outbox_worker_interval: float = Field(
        default=2.0, ge=0, description="Seconds between outbox runs in each app; 0 disables."
    )
    # Bearer token for GET /metrics; unset: only requests from this machine may read it.
    metrics_token: SecretStr | None = None
    publish_worker_interval: float = Field(
        default=3.0, ge=0,
        description="Seconds between checks for content to publish (and Rasa's model); 0: off.",
    )  # fmt: skip
    demo_slots: bool | None = Field(
        default=None, description="Seed a week of demo intake slots; default: embedded only."
    )

    lead_retention_days: int = Field(
        default=365, ge=1, description="Leads inactive this long are erased by the purge."
    )

    model_dir: Path = PROJECT_ROOT / "models"
    runtime_dir: Path = PROJECT_ROOT / "var" / "run"
    privacy_url: str | None = None

    # Telegram (python-telegram-bot): on when the token is set.
    telegram_bot_token: SecretStr | None = None
    telegram_mode: Literal["webhook", "polling"] = "webhook"
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # The bot's @username (with or without the @), for campaign deep links t.me/<username>.
    telegram_bot_username: str | None = Field(
        default=None, pattern=r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$"
    )
    # WhatsApp (Twilio): on when the account SID is set.
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None  # e.g. whatsapp:+14155238886
    # The number prospects write to (E.164), for campaign wa.me links; default: the number
    # in TWILIO_WHATSAPP_FROM.
    whatsapp_number: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")
    twilio_api_base_url: str = "https://api.twilio.com"
    # Content API templates (ContentSid) for buttons: quick replies by number of buttons
    # ({"1": "HX...", "2": "HX...", "3": "HX..."}) and a list picker for 4 to 10 options.
    twilio_quick_reply_sids: dict[str, str] = Field(default_factory=dict)
    twilio_list_picker_sid: str | None = None
    # Approved template for reminders outside WhatsApp's 24-hour window ({{1}} = the text).
    twilio_reminder_template_sid: str | None = None
    channel_retry_interval: float = Field(default=5.0, gt=0)
    # A channel message that waits for Rasa is retried after 5 s, 10 s, 20 s ... at most 5 min.
    channel_retry_base_seconds: float = Field(default=5.0, gt=0)
    channel_retry_cap_seconds: float = Field(default=300.0, gt=0)

    # Staff notices (new, moved and cancelled intakes) go to the log file always, and also to a
    # staff Telegram group (uses the Telegram bot) and/or by e-mail when configured.
    staff_telegram_chat_id: int | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "tekkie@localhost"
    staff_emails: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reject_placeholders(self) -> Settings:
        """Refuse placeholder or weak secrets outside development."""
        token = self.rasa_token.get_secret_value()
        if token == PLACEHOLDER_SECRET or len(token) < 16:
            message = (
                "RASA_TOKEN is the placeholder 'changethis' or shorter than 16 characters; "
                f"set it to a long random value, e.g. {secrets.token_urlsafe(24)}"
            )
            if self.environment != "development":
                raise ValueError(message)
        self._check_channels()
        return self

    def _check_channels(self) -> None:
        """A channel that is switched on must be complete (and its secrets long enough)."""
        if self.telegram_bot_token is not None and self.telegram_mode == "webhook":
            secret = self.telegram_webhook_secret
            if secret is None or not re.fullmatch(
                r"[A-Za-z0-9_-]{16,256}", secret.get_secret_value()
            ):
                raise ValueError(
                    "TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z a-z 0-9 _ - in "
                    f"webhook mode, e.g. {secrets.token_urlsafe(24)}"
                )
        if self.twilio_account_sid is not None:
            missing = [
                name
                for name, value in (
                    ("TWILIO_AUTH_TOKEN", self.twilio_auth_token),
                    ("TWILIO_WHATSAPP_FROM", self.twilio_whatsapp_from),
                    ("PUBLIC_BASE_URL", self.public_base_url),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"WhatsApp needs {', '.join(missing)} as well")

    @property
    def secret_values(self) -> list[str]:
        """Every configured secret (tokens, passwords), so logs can leave them out."""
        found = [
            value.get_secret_value()
            for value in self.__dict__.values()
            if isinstance(value, SecretStr)
        ]
        for url in (self.database_url, self.redis_url):
            password = urlsplit(url).password if url else None
            if password:
                found.append(password)
        return [value for value in found if value and value != PLACEHOLDER_SECRET]

    @property
    def uses_placeholder_secret(self) -> bool:
        """True when the development placeholder token is in use (allowed only there)."""
        return self.rasa_token.get_secret_value() == PLACEHOLDER_SECRET

    @property
    def telegram_enabled(self) -> bool:
        """True when a Telegram bot token is configured."""
        return self.telegram_bot_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        """True when a Twilio account is configured."""
        return self.twilio_account_sid is not None

    @property
    def staff_channels(self) -> tuple[str, ...]:
        """Outbox channels every staff notice is sent on."""
        channels = ["staff"]
        if self.staff_telegram_chat_id is not None and self.telegram_enabled:
            channels.append("staff_telegram")
        if self.smtp_host and self.staff_emails:
            channels.append("staff_email")
        return tuple(channels)

    @property
    def is_sqlite(self) -> bool:
        """True when the leads database is an SQLite file (the embedded default)."""
        return self.database_url.startswith("sqlite")

    @property
    def should_auto_migrate(self) -> bool:
        """Whether the app migrates the database itself at start-up."""
        return self.is_sqlite if self.db_auto_migrate is None else self.db_auto_migrate

    @property
    def should_seed_demo_slots(self) -> bool:
        """Whether start-up seeds demo slots (the embedded development default)."""
        if self.demo_slots is not None:
            return self.demo_slots
        return self.is_sqlite and self.environment == "development"

    @property
    def rasa_url(self) -> str:
        """Base URL of the (first) internal Rasa server."""
        return self.rasa_server_urls[0]

    @property
    def rasa_server_urls(self) -> list[str]:
        """Every Rasa server the app routes conversations to (bot/conversation/routing.py)."""
        if self.rasa_urls.strip():
            return [url.strip().rstrip("/") for url in self.rasa_urls.split(",")]
        return [f"http://{self.rasa_host}:{self.rasa_port + n}" for n in range(self.rasa_servers)]

    @property
    def action_server_url(self) -> str:
        """URL Rasa calls to run custom actions."""
        return f"http://{self.action_host}:{self.action_port}/webhook"

    @property
    def base_url(self) -> str:
        """Public base URL of the app (falls back to the local address)."""
        return (self.public_base_url or f"http://{self.app_host}:{self.app_port}").rstrip("/")

    @property
    def privacy_notice_url(self) -> str:
        """Where the privacy notice lives; the app serves one at /privacy by default."""
        return self.privacy_url or f"{self.base_url}/privacy"

    # Reverse proxies whose X-Forwarded-For/-Proto headers the app believes: comma-separated
    # IP addresses or networks (e.g. "127.0.0.1" for a proxy on this machine, "10.0.0.0/8").
    # Empty: nobody's, so a client cannot pick the address that log-in throttling counts.
    trusted_proxies: str = Field(default="", pattern=r"^[0-9A-Fa-f:.,/ *]*$")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
