"""The staff-editable content files: valid as shipped, and clear errors when edited wrongly."""

from pathlib import Path

import pytest

from bot.guidance.content import CONTENT_DIR, load_content
from bot.texts import ContentError, load_messages


def test_the_shipped_content_is_valid_and_complete() -> None:
    content = load_content()
    assert [t.id for t in content.tracks.tracks] == [
        "programmer",
        "data_analyst",
        "growth_hacker",
        "ux_designer",
        "ai_specialist",
    ]
    assert len(content.concerns.concerns) >= 10
    loan = next(o for o in content.support.options if o.id == "interest_free_loan")
    assert "rente" in loan.name.nl.lower()
    assert "no_interest" in loan.needs
    assert load_messages()["booked"]["en"]
    facts = {f.id: f for f in content.school.facts}
    assert {"address", "start_dates", "certificate", "class_size", "what_is_intake"} <= set(facts)
    assert "Utrecht" in facts["address"].answer.nl  # the campus the demo slots name
    assert "gratis eerste gesprek" in facts["what_is_intake"].answer.nl  # "intake" explained


def test_the_campus_is_the_same_everywhere_a_prospect_reads_it() -> None:
    content = load_content()
    places = [t.training.format.nl for t in content.tracks.tracks]
    assert all("Utrecht" in p for p in places if "locatie" in p or "campus" in p)
    for other_city in ("Amsterdam", "Rotterdam"):
        assert all(other_city not in p for p in places)


def copy_content(tmp_path: Path) -> Path:
    for name in ("tracks.yml", "concerns.yml", "support.yml", "school.yml"):
        (tmp_path / name).write_text((CONTENT_DIR / name).read_text(encoding="utf-8"))
    return tmp_path


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "tracks.yml",
            "starter: {min: 2700, max: 3400}",
            "starter: {min: 3400, max: 2700}",
            "tracks.yml: tracks.0.salary.starter: Value error, max must be above min",
        ),
        ("concerns.yml", "  - id: age", "  - id: Age!", "concerns.yml: concerns.0.id"),
        ("support.yml", "needs: [laptop]", "needs: [tablet]", "support.yml: options.1.needs.0"),
        (
            "tracks.yml",
            '      en: "Software developer"',
            '      fr: "Développeur"',
            "tracks.yml: tracks.0.name.en: Field required",
        ),
        ("school.yml", "  - id: address", "  - id: class_size", "'class_size' appears twice"),
        (
            "tracks.yml",
            "2025 (indicatief)",
            "2025 (indicatief, controleren voor publicatie)",
            "tracks.yml: tracks.0.salary.source: Value error, a note",
        ),
        (
            "school.yml",
            '      nl: "Waar zitten jullie?"',
            '      nl: "Waar zitten jullie? (controleren voor publicatie)"',
            "school.yml: facts.0.question.nl: Value error, a note ('controleren voor publicatie')",
        ),
    ],
)
def test_editing_mistakes_name_the_file_and_the_field(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    directory = copy_content(tmp_path)
    text = (directory / file).read_text(encoding="utf-8")
    assert old in text
    (directory / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_content(directory)
    assert message in str(error.value)


def test_messages_with_a_missing_language_or_placeholder_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "messages.yml"
    broken.write_text("messages:\n  hi:\n    nl: Hoi {name}\n    en: Hi\n")
    with pytest.raises(ContentError, match="different placeholders"):
        load_messages(broken)
    broken.write_text("messages:\n  yes:\n    nl: Ja\n    en: Yes\n")
    with pytest.raises(ContentError, match="must be text"):
        load_messages(broken)
    broken.write_text("messages:\n  hi:\n    nl: Hoi [check datum]\n    en: Hi\n")
    with pytest.raises(ContentError, match=r"a note \('\[check'\) is not a text"):
        load_messages(broken)
