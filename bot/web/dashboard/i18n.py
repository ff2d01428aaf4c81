"""The dashboard's words in Dutch and English; templates call `t("key")`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")
LANGUAGES = ("nl", "en")


@cache
def texts() -> dict[str, dict[str, str]]:
    """All dashboard texts; a key missing a language is an error at start-up."""
    data: dict[str, dict[str, str]] = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    for key, value in data.items():
        missing = [lang for lang in LANGUAGES if not (value or {}).get(lang)]
        if missing:
            raise ValueError(f"{TEXTS_FILE.name}: '{key}' has no text for {', '.join(missing)}")
        if extra := set(value) - set(LANGUAGES):  # an unquoted comma splits a {nl: ..} text
            raise ValueError(f"{TEXTS_FILE.name}: '{key}' has unexpected parts {sorted(extra)}; "
                             "put texts with a comma in quotes")  # fmt: skip
    return data


def translate(key: str, language: str, **values: object) -> str:
    """The text for `key` in `language` (Dutch when unknown), with {placeholders} filled."""
    entry = texts().get(key)
    if entry is None:
        raise KeyError(f"no dashboard text '{key}' in {TEXTS_FILE.name}")
    text = entry.get(language) or entry["nl"]
    return text.format(**values) if values else text
