"""Messages in a language Tekkie does not speak: recognised, and answered in that language.

Tekkie speaks Dutch and English. Someone who writes in Arabic, Turkish, Polish, Ukrainian,
Tigrinya and so on gets a short, staff-editable text in their own language
(dialogues/content/other_languages.yml): Tekkie speaks Dutch and English, and a colleague can
help further. The script decides first (Arabic, Cyrillic, Ethiopic letters cannot be Dutch);
for Latin letters the `lingua` detector decides, and only for a message of a few words without
a single Dutch or English marker word, so "ok", names and mixed Dutch are never taken for it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from bot.conversation.language import marker_share
from bot.settings import PROJECT_ROOT
from bot.texts import ContentError, without_note

LANGUAGES_FILE = PROJECT_ROOT / "dialogues" / "content" / "other_languages.yml"
_MIN_WORDS_LATIN = 3
_MIN_CONFIDENCE = 0.6
_MAX_MARKER_SHARE = 0.3  # "de", "no", "a" occur in Spanish too: a few may be there
# lingua's names of the languages recognised by their Latin letters, and their codes.
_LATIN = {"TURKISH": "tr", "POLISH": "pl", "SPANISH": "es", "PORTUGUESE": "pt", "FRENCH": "fr",
          "ITALIAN": "it", "ROMANIAN": "ro", "SOMALI": "so"}  # fmt: skip
# Candidates that are not answered as another language: they only keep Dutch and English
# (and German, Dutch's close neighbour) from being mistaken for one.
_GUARDS = ("DUTCH", "ENGLISH", "GERMAN", "AFRIKAANS")
_ARABIC_SCRIPT = {"ARABIC": "ar", "PERSIAN": "fa"}
_CYRILLIC = {"RUSSIAN": "ru", "UKRAINIAN": "uk", "BULGARIAN": "bg"}


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z]{2}$")
    name: dict[str, str]
    text: Annotated[str, AfterValidator(without_note)] = Field(min_length=1, max_length=450)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    languages: list[_Entry]


@dataclass(frozen=True)
class OtherLanguage:
    """A language Tekkie recognises but does not speak, and what it says to its writers."""

    code: str
    name_nl: str
    name_en: str
    text: str


def load_languages(path: Path = LANGUAGES_FILE) -> dict[str, OtherLanguage]:
    """Read and check the texts; every recognised language needs one."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _File.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise ContentError(f"{path.name}: {error}") from error
    found = {}
    for entry in parsed.languages:
        if {"nl", "en"} - entry.name.keys():
            raise ContentError(f"{path.name}: {entry.code}: name needs nl and en")
        found[entry.code] = OtherLanguage(
            entry.code, entry.name["nl"], entry.name["en"], entry.text
        )
    recognised = {*_LATIN.values(), *_ARABIC_SCRIPT.values(), *_CYRILLIC.values(), "ti"}
    if missing := sorted(recognised - found.keys()):
        raise ContentError(f"{path.name}: no text for {', '.join(missing)}")
    return found


@lru_cache(maxsize=1)
def other_languages() -> dict[str, OtherLanguage]:
    """The texts, loaded once per process."""
    return load_languages()


def warm_up() -> None:
    """Load the texts and the language models now (a few seconds), not in a prospect's turn."""
    other_languages()
    for sample in ("Dzień dobry, chciałbym zapytać", "Привіт, я хочу", "مرحبا، أريد"):
        recognise(sample)


def _script(letters: list[str]) -> str | None:
    """The script most letters are in, when it is not Latin."""
    scripts = [unicodedata.name(c, "").split(" ", 1)[0] for c in letters]
    for script in ("ARABIC", "CYRILLIC", "ETHIOPIC"):
        if scripts.count(script) * 2 > len(letters):
            return script
    return None


@lru_cache(maxsize=4)
def _detector(names: tuple[str, ...]) -> Any:
    from lingua import Language, LanguageDetectorBuilder  # noqa: PLC0415 - slow to load; lazily

    return LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in names)).build()


def _best(text: str, candidates: dict[str, str], guards: tuple[str, ...] = ()) -> str | None:
    detector = _detector(tuple(sorted({*candidates, *guards})))
    values = detector.compute_language_confidence_values(text)
    top = values[0]
    if top.language.name in candidates and top.value >= _MIN_CONFIDENCE:
        return candidates[top.language.name]
    return None


def recognise(text: str) -> str | None:
    """The code of the language Tekkie does not speak that `text` is written in, if any."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3:
        return None
    script = _script(letters)
    if script == "ETHIOPIC":
        return "ti"  # Eritrean prospects write Tigrinya; Amharic readers understand it too
    if script == "ARABIC":
        return _best(text, _ARABIC_SCRIPT) or "ar"
    if script == "CYRILLIC":
        return _best(text, _CYRILLIC) or "ru"
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < _MIN_WORDS_LATIN or marker_share(words) >= _MAX_MARKER_SHARE:
        return None  # short, or clearly Dutch or English words in it
    return _best(text, _LATIN, _GUARDS)
