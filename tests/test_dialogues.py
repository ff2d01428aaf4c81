"""Rasa's own checks of the dialogue data, as Sara (Rasa's demo assistant) runs them."""

from pathlib import Path

import pytest

from bot.ops import rasa_project
from bot.settings import Settings

pytestmark = pytest.mark.rasa


def test_rasa_data_validate_finds_no_errors_or_warnings() -> None:
    output = rasa_project.validate()  # raises on errors and on warnings about our data
    assert rasa_project.project_warnings(output) == []


def test_a_warning_about_our_data_is_caught_even_when_rasa_exits_0() -> None:
    output = (
        "/x/validator.py:123: UserWarning: The utterance 'utter_x' is not used in any story\n"
        f"/x/domain.py:9: UserWarning: {rasa_project.RASA_OWN_RETRIEVAL_MERGE}\n"
    )
    (warning,) = rasa_project.project_warnings(output)
    assert "utter_x" in warning


def test_test_stories_pass_without_prediction_errors(tmp_path: Path, make_settings) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(model_dir=rasa_project.PROJECT_ROOT / "models")
    rasa_project.test_stories(settings, tmp_path)
    assert "None of the test stories failed" in (tmp_path / "failed_test_stories.yml").read_text()
