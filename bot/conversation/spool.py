"""A small on-disk spool for channel messages that arrive while the database is down.

Twilio does not deliver a WhatsApp message again, so when the database cannot store one the
app writes it here (one JSON file per message, written to a temporary name, flushed to disk
and renamed, so a crash never leaves half a file) and the inbound pipeline moves it into the
database once the database is back. The database's unique key still decides what is a
redelivery, so a message moved twice is stored once. A file's name starts with a sequence
number, so the messages keep their order whatever the clock does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import structlog

from bot.messages import InboundMessage

log = structlog.get_logger(__name__)
_SEQUENCE = re.compile(r"^(\d+)-")


class InboundSpool:
    """Channel messages waiting on local disk for the database."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def put(self, external_id: str, message: InboundMessage) -> Path:
        """Keep one message durably; raises OSError when the disk refuses it."""
        self._directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(f"{message.channel}:{external_id}".encode()).hexdigest()[:32]
        name = f"{message.channel}-{digest}.json"
        kept = sorted(self._directory.glob("*.json"))
        if existing := next((path for path in kept if path.name.endswith(name)), None):
            return existing  # delivered again: kept once, in its first place
        target = self._directory / f"{_next_number(kept):012d}-{name}"
        temporary = target.with_suffix(".tmp")
        data = {"external_id": external_id, "message": message.to_dict()}
        with temporary.open("w", encoding="utf-8") as file:
            json.dump(data, file)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(target)
        return target

    def waiting(self) -> list[tuple[Path, str, InboundMessage]]:
        """The kept messages, oldest first: (file, external id, message)."""
        if not self._directory.is_dir():
            return []
        found = []
        for path in sorted(self._directory.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                found.append(
                    (path, str(data["external_id"]), InboundMessage.from_dict(data["message"]))
                )
            except (OSError, ValueError, KeyError, TypeError):
                log.error("inbound.spool_damaged", file=str(path))  # left for a person to see
                continue
        return found

    def __len__(self) -> int:
        return len(list(self._directory.glob("*.json"))) if self._directory.is_dir() else 0


def _next_number(kept: list[Path]) -> int:
    numbers = [int(m.group(1)) for path in kept if (m := _SEQUENCE.match(path.name))]
    return max(numbers, default=0) + 1
