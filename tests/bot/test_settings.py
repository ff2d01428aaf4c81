import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_development_accepts_the_placeholder_token_and_says_so() -> None:
    settings = Settings(_env_file=None, environment="development")  # type: ignore[call-arg]
    assert settings.uses_placeholder_secret
    assert settings.is_sqlite
    assert settings.should_auto_migrate


@pytest.mark.parametrize("environment", ["test", "production"])
@pytest.mark.parametrize("token", ["changethis", "short"])
def test_placeholder_or_short_tokens_are_refused_outside_development(
    environment: str, token: str
) -> None:
    with pytest.raises(ValidationError, match="RASA_TOKEN"):
        Settings(_env_file=None, environment=environment, rasa_token=token)  # type: ignore[call-arg]


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("RASA_TOKEN", "a-long-random-secret-value")
    monkeypatch.setenv("DATABASE_URL", "postgresql://tekkie@db/tekkie")
    monkeypatch.setenv("APP_PORT", "9000")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert not settings.is_sqlite
    assert not settings.should_auto_migrate  # production migrates by command
    assert settings.base_url == "http://127.0.0.1:9000"
    assert settings.privacy_notice_url == "http://127.0.0.1:9000/privacy"


def test_invalid_values_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_PORT", "not-a-port")
    with pytest.raises(ValidationError, match="app_port"):
        Settings(_env_file=None)  # type: ignore[call-arg]
