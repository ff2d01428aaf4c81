"""The held-out NLU sets stay held out: none of their messages is in the training data."""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher
from pathlib import Path

import yaml

from bot.ops.evaluation import OWN_SETS, SHARED_DEV_SET
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
    held_out = sorted(HELDOUT_DIR.glob("*.yml"))  # the NLU report's and the calibration's
    assert len(held_out) >= 3
    for path in held_out:
        copied = sorted(messages(path) & training)
        assert copied == [], f"{path.name}: held-out messages found in the training data"


def test_the_held_out_sets_are_big_enough() -> None:
    assert len(messages(HELDOUT_DIR / LANGUAGES["nl"])) >= 150
    assert len(messages(HELDOUT_DIR / LANGUAGES["en"])) >= 100


def _eval_messages() -> dict[str, set[str]]:
    """The messages of every conversation set `make eval` measures with, by file."""
    shared = [p for p in (SHARED_DEV_SET, Path("/work/shared/eval/dev_conversations.jsonl"))
              if p.exists()][:1]  # fmt: skip
    sets = {}
    for path in [*shared, *sorted(OWN_SETS.glob("*.jsonl"))]:
        found = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found |= {_plain(message) for message, _ in json.loads(line)["turns"]}
        sets[path.name] = found
    return sets


def _similar(a: str, b: str) -> bool:
    """At least 90% alike (difflib's ratio; its cheap upper bounds first)."""
    matcher = SequenceMatcher(None, a, b)
    return (
        matcher.real_quick_ratio() >= 0.9
        and matcher.quick_ratio() >= 0.9
        and (matcher.ratio() >= 0.9)
    )


def test_no_evaluation_message_is_trained_on_not_even_nearly() -> None:
    """The conversation sets measure; a (near) copy in the training data would flatter them."""
    training = set().union(*(messages(p) for p in TRAINING_DIR.glob("*.yml")))
    sets = _eval_messages()
    assert sets, "no conversation sets found"
    copies = []
    for name, found in sets.items():
        for message in sorted(found):
            if len(message.split()) < 3:  # "ja", "menu", "nederlands graag": commands, not copies
                continue
            copies += [
                f"{name}: {message!r} ~ {t!r}" for t in sorted(training)
                if abs(len(t) - len(message)) <= len(message) // 5
                and _similar(t, message)
            ]  # fmt: skip
    assert copies == [], "(nearly) in the training data:\n" + "\n".join(copies)
