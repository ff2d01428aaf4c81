"""Structured logging for every Tekkie process (structlog on top of the standard library).

Tracebacks are rendered as plain text (never with rich: that took about 1.5 s per traceback
on the event loop) and kept in JSON logs under "exception". Secrets never reach a log line:
the configured ones are replaced wherever they appear, and so are the shapes secrets take in
URLs (Telegram's `/bot<token>/`, `?token=...`), also for third-party loggers such as httpx.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"
_SECRET_SHAPES = (
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),  # Telegram's Bot API URL
    (
        re.compile(r"\b((?:token|auth_token|password|secret)=)[^&\s'\"]+", re.IGNORECASE),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{REDACTED}"),
    (re.compile(r"(://[^:/@\s]+:)[^@\s/]+(@)"), rf"\1{REDACTED}\2"),  # password in a URL
)
# Libraries that log every request URL at INFO (httpx: with the bot token in it).
_CHATTY = ("httpx", "httpcore", "telegram.ext", "apscheduler")


class Redactor:
    """A structlog processor that removes secrets from every string in the event."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """The text with every known secret and secret-shaped value replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for shape, replacement in _SECRET_SHAPES:
            text = shape.sub(replacement, text)
        return text

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {key: self._walk(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._walk(item) for item in value]
        return value

    def __call__(
        self, _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        """Redact every value of the event (after tracebacks have become text)."""
        for key, value in event_dict.items():
            event_dict[key] = self._walk(value)
        return event_dict


def configure_logging(
    level: str = "INFO", fmt: str = "console", *, secrets: Iterable[str] = ()
) -> None:
    """Send structlog and standard-library logs to stderr as console lines or JSON."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,  # a plain-text traceback, also in JSON
                Redactor(secrets),
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
