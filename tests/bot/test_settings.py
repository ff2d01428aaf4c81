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


def test_several_rasa_servers_on_consecutive_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_SERVERS", "3")
    monkeypatch.setenv("RASA_PORT", "6000")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.rasa_server_urls == [
        "http://127.0.0.1:6000", "http://127.0.0.1:6001", "http://127.0.0.1:6002"
    ]  # fmt: skip
    assert settings.rasa_url == "http://127.0.0.1:6000"


def test_rasa_servers_named_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_URLS", "http://rasa-0.rasa:5005, http://rasa-1.rasa:5005/")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.rasa_server_urls == ["http://rasa-0.rasa:5005", "http://rasa-1.rasa:5005"]


@pytest.mark.parametrize(("name", "value"), [
    ("RASA_URLS", "rasa-0:5005"), ("RASA_URLS", "http://a:1,,http://b:2"), ("RASA_SERVERS", "0"),
])  # fmt: skip
def test_unusable_rasa_servers_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings(_env_file=None)  # type: ignore[call-arg]
