from pathlib import Path

import pytest

from bot.guidance import questionnaires as q
from bot.guidance.content import load_content
from bot.settings import PROJECT_ROOT
from bot.texts import ContentError

CONTENT = PROJECT_ROOT / "dialogues" / "content"


def test_assessment_asks_six_to_ten_questions_with_numbered_buttons() -> None:
    ids = q.question_ids("assessment")
    assert 6 <= len(ids) <= 10
    first = q.step("assessment", ids[0], "nl")
    assert first.text.startswith(f"(1/{len(ids)}) ")
    assert 2 <= len(first.buttons) <= 4
    assert q.parse_choice(q.choice_payload("assessment", ids[0], "people").split('"')[3]) == (
        q.Choice("assessment", ids[0], "people")
    )


def test_needs_check_asks_yes_no_about_each_need_in_both_languages() -> None:
    assert q.question_ids("needs") == ["laptop", "travel", "income", "no_interest", "benefit"]
    dutch, english = q.step("needs", "laptop", "nl"), q.step("needs", "laptop", "en")
    assert dutch.text.startswith("(1/5) Heb je een laptop nodig")
    assert "Do you need" in english.text
    assert [title for title, _ in dutch.buttons] == ["Ja", "Nee"]
    assert [title for title, _ in english.buttons] == ["Yes", "No"]
    assert "5" in q.intro("needs", "nl")


@pytest.mark.parametrize(
    "value",
    ["", "assessment", "assessment:interests", "assessment:interests:cooking",
     "needs:laptop:maybe", "quiz:interests:people", "needs:car:yes"],
)  # fmt: skip
def test_invalid_or_unknown_choices_are_refused(value: str) -> None:
    assert q.parse_choice(value) is None


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("ja", "affirm", "yes"),
        ("Ja hoor!", None, "yes"),
        ("yes please", None, "yes"),
        ("nee", "deny", "no"),
        ("nope 🙂", None, "no"),
        ("2", None, "no"),
        ("geen idee", None, "no"),
        ("misschien", None, None),
        ("ja en nee", None, None),
    ],
)
def test_typed_yes_and_no_in_the_needs_check(text: str, intent: str | None, expected: str) -> None:
    assert q.match_typed("needs", "laptop", text, intent=intent, language="nl") == expected


def test_typed_assessment_answers_use_the_options_words() -> None:
    first = q.question_ids("assessment")[0]
    assert q.match_typed("assessment", first, "cijfers!", intent="ask_track_salary",
                         language="nl") == "numbers"  # fmt: skip
    assert q.match_typed("assessment", first, "1", intent=None, language="en") == "people"
    assert q.match_typed("assessment", first, "geen idee", intent=None, language="nl") is None


def test_support_options_follow_the_needs_and_costs_are_always_shown() -> None:
    assert [o.id for o in q.support_for([])] == ["training_costs"]
    assert [o.id for o in q.support_for(["laptop", "travel"])] == [
        "laptop", "travel_costs", "training_costs",
    ]  # fmt: skip
    loan = [o.id for o in q.support_for(["no_interest"])]
    assert "interest_free_loan" in loan
    assert q.needs_of({"laptop": "yes", "travel": "no", "benefit": "yes"}) == ["laptop", "benefit"]


def test_complete_only_when_every_question_has_a_valid_answer() -> None:
    answers = dict.fromkeys(q.question_ids("needs"), "no")
    assert q.is_complete("needs", answers)
    assert not q.is_complete("needs", {**answers, "laptop": "perhaps"})
    assert q.next_question("needs", {"laptop": "yes"}) == "travel"


def _support_dir(tmp_path: Path, support_text: str) -> Path:
    for name in ("tracks.yml", "concerns.yml"):
        (tmp_path / name).write_text((CONTENT / name).read_text())
    (tmp_path / "support.yml").write_text(support_text)
    return tmp_path


def test_an_option_no_needs_question_leads_to_is_a_content_error(tmp_path: Path) -> None:
    original = (CONTENT / "support.yml").read_text()
    laptop_question = original[
        original.index("    - need: laptop") : original.index("    - need: travel")
    ]
    with pytest.raises(ContentError, match="option 'laptop': no needs_check question leads to it"):
        load_content(_support_dir(tmp_path, original.replace(laptop_question, "")))


def test_a_need_asked_twice_is_a_content_error(tmp_path: Path) -> None:
    original = (CONTENT / "support.yml").read_text()
    twice = original.replace("    - need: laptop\n", "    - need: travel\n", 1)
    with pytest.raises(ContentError, match="needs_check need 'travel' appears twice"):
        load_content(_support_dir(tmp_path, twice))
