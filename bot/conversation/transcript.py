"""A conversation's transcript, read from Rasa's tracker events (the one place it is kept)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

STAFF_KEY = "tekkie_staff"  # bot-event metadata marking a message a staff member wrote


@dataclass(frozen=True)
class Line:
    """One message: who said it ("user", "bot" or "staff"), what, and when."""

    who: str
    text: str
    at: datetime | None
    author: str | None = None


def _button_text(text: str) -> str:
    """A pressed button as staff can read it: "/book_intake" -> "[book_intake]"."""
    intent, _, entities = text.lstrip("/").partition("{")
    if not entities:
        return f"[{intent}]"
    try:
        values = json.loads("{" + entities)
    except ValueError:
        return f"[{intent}]"
    return f"[{intent}: {', '.join(str(v) for v in values.values())}]"


def lines_from_events(events: list[dict[str, Any]]) -> list[Line]:
    """The user and bot messages among the tracker events, in order."""
    lines = []
    for event in events:
        kind, text = event.get("event"), event.get("text")
        if kind not in ("user", "bot") or not text:
            continue
        stamp = event.get("timestamp")
        at = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int | float) else None
        if kind == "user":
            shown = _button_text(text) if text.startswith("/") else text
            lines.append(Line("user", shown, at))
            continue
        author = (event.get("metadata") or {}).get(STAFF_KEY)
        lines.append(Line("staff" if author else "bot", text, at, author))
    return lines
