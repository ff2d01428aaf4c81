"""The held-out NLU sets stay held out: none of their messages is in the training data."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.ops.nlu_report import HELDOUT_DIR, LANGUAGES
from bot.settings import PROJECT_ROOT

TRAINING_DIR = PROJECT_ROOT / "dialogues" / "data" / "nlu"
ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def _plain(text: str) -> str:
    """Lowercase words only: "Sure thing 👍!" and "sure thing" are the same message."""
    return " ".join(re.findall(r"\w+", ENTITY.sub(r"\1", text).lower()))


def messages(path: Path) -> set[str]:
    """The example messages of one Rasa NLU file, made plain."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = set()
    for item in data.get("nlu", []):
        for line in str(item.get("examples", "")).splitlines():
            if line.strip().startswith("- "):
                found.add(_plain(line.strip()[2:]))
    return found


def test_no_held_out_message_is_trained_on() -> None:
    training = set().union(*(messages(p) for p in TRAINING_DIR.glob("*.yml")))
    for file in LANGUAGES.values():
        copied = sorted(messages(HELDOUT_DIR / file) & training)
        assert copied == [], f"{file}: held-out messages found in the training data"


def test_the_held_out_sets_are_big_enough() -> None:
    assert len(messages(HELDOUT_DIR / LANGUAGES["nl"])) >= 150
    assert len(messages(HELDOUT_DIR / LANGUAGES["en"])) >= 100
