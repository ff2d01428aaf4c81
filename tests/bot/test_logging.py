"""Logs: no secrets in any line, tracebacks kept (plain text, also in JSON)."""

import json
import logging
import subprocess
import sys

import pytest

from bot.logging import configure_logging
from bot.ops.rasa_project import rasa_server_command, write_runtime_files
from bot.settings import Settings

TOKEN = "900001:AAH-secret_token_value_1234567890abcdefg"
RASA_TOKEN = "rasa-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_secrets_never_reach_a_log_line(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", fmt, secrets=[RASA_TOKEN, "hunter2hunter2"])
    logging.getLogger("httpx").warning(
        'HTTP Request: POST https://api.telegram.org/bot%s/sendMessage "HTTP/1.1 200 OK"', TOKEN
    )
    logging.getLogger("bot").warning("GET http://127.0.0.1:5005/status?token=%s", RASA_TOKEN)
    logging.getLogger("bot").warning("db postgresql://tekkie:hunter2hunter2@db/tekkie is down")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert TOKEN.split(":")[1] not in err
    assert RASA_TOKEN not in err
    assert "hunter2hunter2" not in err
    assert err.count("[redacted]") >= 3


def test_httpx_request_lines_are_not_logged_at_info(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "console")
    logging.getLogger("httpx").info("HTTP Request: GET http://x/status")
    assert "HTTP Request" not in capsys.readouterr().err


def test_json_logs_keep_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    """Defect: with LOG_FORMAT=json only "exc_info": true was written."""
    configure_logging("INFO", "json")
    try:
        raise RuntimeError("database went away")
    except RuntimeError:
        logging.getLogger("bot").exception("inbound.failed")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert "Traceback" in line["exception"]
    assert "RuntimeError: database went away" in line["exception"]


def test_console_tracebacks_are_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    """Defect: rich rendered each traceback with boxes and locals (~1.5 s on the event loop)."""
    configure_logging("INFO", "console")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("bot").exception("failed")
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "╭" not in err


def test_the_rasa_token_is_not_on_rasas_command_line(make_settings) -> None:  # type: ignore[no-untyped-def]
    """Defect: `--auth-token <token>` was visible to every user in `ps`."""
    settings: Settings = make_settings(rasa_token=RASA_TOKEN)
    command = rasa_server_command(settings, write_runtime_files(settings), settings.model_dir)
    assert RASA_TOKEN not in " ".join(command)
    assert "--auth-token" not in command


def test_the_launcher_refuses_to_start_rasa_without_a_token() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "integrations.rasa_server", "run"],
        env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "TEKKIE_RASA_TOKEN is not set" in result.stderr
