# ruff: noqa: RUF001 - letters of other scripts are the point of these tests
"""A message in a language Tekkie does not speak gets a short answer in that language."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.conversation.other_languages import LANGUAGES_FILE, load_languages, recognise
from bot.texts import ContentError


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("مرحبا، أريد أن أتعلم البرمجة", "ar"),
        ("سلام، می\u200cخواهم برنامه\u200cنویسی یاد بگیرم", "fa"),
        ("Merhaba, yazılım eğitimi hakkında bilgi almak istiyorum", "tr"),
        ("Dzień dobry, chciałabym zapisać się na kurs", "pl"),
        ("Привіт, я хочу навчатися програмуванню", "uk"),
        ("Здравствуйте, сколько стоит обучение?", "ru"),
        ("¿Cuánto cuesta el curso de programación?", "es"),
        ("Bonjour, je voudrais des informations sur la formation", "fr"),
        ("Iska warran, waxaan rabaa inaan barto koombiyuutarka", "so"),
        ("ሰላም፡ ብዛዕባ እቲ ትምህርቲ ክፈልጥ እደሊ", "ti"),
    ],
)
def test_a_language_tekkie_does_not_speak_is_recognised(text: str, code: str) -> None:
    assert recognise(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "hoi", "ok", "dank je wel!", "ik wil graag een intake", "kan ik stage lopen",
        "wat kost de opleiding", "ik ben 52 en heb geen diploma", "tell me a joke", "r u a bot",
        "how much does the data analyst course cost", "whats het nieuws vandaag?",
        "Jan de Vries", "Łukasz Wiśniewski", "mijn naam is Ayşe Yılmaz", "fatima@example.nl",
        "+31 6 12345678", "qwzx plorf vrrmb", "ich möchte Programmierer werden",
    ],
)  # fmt: skip
def test_dutch_english_names_and_addresses_are_never_taken_for_another_language(
    text: str,
) -> None:
    assert recognise(text) is None


def test_every_recognised_language_has_a_text_without_notes() -> None:
    texts = load_languages()
    assert {"ar", "fa", "tr", "pl", "uk", "ru", "es", "so", "ti"} <= texts.keys()
    assert all(t.text and t.name_nl and t.name_en for t in texts.values())


def edited(tmp_path: Path, change: object) -> Path:
    data = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path = tmp_path / "other_languages.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_missing_language_stops_the_start_up(tmp_path: Path) -> None:
    def drop_turkish(data: dict) -> None:
        data["languages"] = [e for e in data["languages"] if e["code"] != "tr"]

    with pytest.raises(ContentError, match="no text for tr"):
        load_languages(edited(tmp_path, drop_turkish))


def test_a_note_to_the_writer_stops_the_start_up(tmp_path: Path) -> None:
    def add_note(data: dict) -> None:
        data["languages"][0]["text"] += " (controleren voor publicatie)"

    with pytest.raises(ContentError, match="is not a text"):
        load_languages(edited(tmp_path, add_note))
