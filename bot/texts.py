"""The sentences Tekkie's code says, loaded from dialogues/content/messages.yml (both languages).

The file is checked when this module loads: every message needs `nl` and `en`, and both
variants must use the same {placeholders}, so a typo stops Tekkie at start-up, not mid-chat.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from bot.settings import PROJECT_ROOT

Lang = Literal["nl", "en"]  # the languages Tekkie speaks; every text exists in each
DEFAULT_LANGUAGE: Lang = "nl"
SUPPORTED: tuple[Lang, ...] = ("nl", "en")

MESSAGES_FILE = PROJECT_ROOT / "dialogues" / "content" / "messages.yml"


class ContentError(ValueError):
    """A content file is invalid; the message names the file and the field."""


def problems(error: ValidationError, *, whole: str) -> str:
    """Pydantic's findings in one line, "tracks.2.salary: ..."; `whole` names a root error."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or whole}: {e['msg']}" for e in error.errors())


# A note to the writer, not a text for prospects: "TODO", "controleren voor publicatie", "[check]".
EDITORIAL_NOTE = re.compile(
    r"\b(todo|fixme|tbd|xxx+|lorem ipsum|nog (in)?vullen|nader te bepalen|"
    r"controleren (voor|vóór) publicatie|check (this )?before publishing|to be confirmed|"
    r"placeholder|invullen door)\b|\[\s*(check|controleer|noot|note|todo)",
    re.IGNORECASE,
)


def editorial_note(text: str) -> str | None:
    """The note to the writer in `text`, if there is one (prospects must never see it)."""
    found = EDITORIAL_NOTE.search(text)
    return found.group(0) if found else None


def without_note(text: str) -> str:
    """`text` itself, or ValueError when it holds a note to the writer (a pydantic validator)."""
    if note := editorial_note(text):
        raise ValueError(f"a note ({note!r}) is not a text for prospects")
    return text


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def load_messages(path: Path = MESSAGES_FILE) -> dict[str, dict[Lang, str]]:
    """Read and check a messages file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path}: cannot read: {error}") from error
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, dict):
        raise ContentError(f"{path}: needs a 'messages' mapping")
    result: dict[str, dict[Lang, str]] = {}
    for key, variants in messages.items():
        if not isinstance(key, str):  # YAML reads a bare yes/no/on/off key as a boolean
            raise ContentError(f"{path}: message name {key!r} must be text (quote it)")
        if not isinstance(variants, dict):
            raise ContentError(f"{path}: messages.{key} needs 'nl' and 'en'")
        texts: dict[Lang, str] = {}
        for language in SUPPORTED:
            text = variants.get(language)
            if not isinstance(text, str) or not text.strip():
                raise ContentError(f"{path}: messages.{key}.{language} is missing or empty")
            if note := editorial_note(text):
                raise ContentError(
                    f"{path}: messages.{key}.{language}: a note ({note!r}) is not a text"
                )
            texts[language] = text.strip()
        if _placeholders(texts["nl"]) != _placeholders(texts["en"]):
            raise ContentError(f"{path}: messages.{key}: nl and en use different placeholders")
        result[str(key)] = texts
    return result


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[Lang, str]]:
    """All messages, loaded once per process."""
    return load_messages()


def say(key: str, language: str | None, **values: object) -> str:
    """The message `key` in `language` (Dutch when unknown), placeholders filled in."""
    lang: Lang = "en" if language == "en" else "nl"
    return messages()[key][lang].format(**values)
