"""Tekkie's configuration: one typed Settings class read from the environment and `.env`."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    rasa_token: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    rasa_timeout_seconds: float = Field(default=30.0, gt=0)
    rasa_tracker_db: Path = PROJECT_ROOT / "var" / "rasa-tracker.db"

    action_host: str = "127.0.0.1"
    action_port: int = Field(default=5055, ge=1, le=65535)

    outbox_worker_interval: float = Field(
        default=2.0, ge=0, description="Seconds between outbox runs in each app; 0 disables."
    )
    demo_slots: bool | None = Field(
        default=None, description="Seed a week of demo intake slots; default: embedded only."
    )

    lead_retention_days: int = Field(
        default=365, ge=1, description="Leads inactive this long are erased by the purge."
    )

    model_dir: Path = PROJECT_ROOT / "models"
    runtime_dir: Path = PROJECT_ROOT / "var" / "run"
    privacy_url: str | None = None

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
        return self

    @property
    def uses_placeholder_secret(self) -> bool:
        """True when the development placeholder token is in use (allowed only there)."""
        return self.rasa_token.get_secret_value() == PLACEHOLDER_SECRET

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
        """Base URL of the internal Rasa server."""
        return f"http://{self.rasa_host}:{self.rasa_port}"

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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
