"""Rasa's own checks of the dialogue data, as Sara (Rasa's demo assistant) runs them."""

from pathlib import Path

import pytest

from bot import rasa_project
from bot.settings import Settings

pytestmark = pytest.mark.rasa


# Rasa 3.6 merges retrieval intents into the domain while importing NLU data and then warns
# that they are duplicated; listing them in the domain is required for the rules.
RASA_OWN_RETRIEVAL_MERGE = (
    "The following duplicated intents have been found across multiple domain files: "
    "concern, support"
)


def test_rasa_data_validate_finds_no_errors_or_warnings() -> None:
    output = rasa_project.validate()
    warnings = [
        line
        for line in output.splitlines()
        if "UserWarning" in line and RASA_OWN_RETRIEVAL_MERGE not in line
    ]
    assert warnings == []


def test_test_stories_pass_without_prediction_errors(tmp_path: Path, make_settings) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(model_dir=rasa_project.PROJECT_ROOT / "models")
    rasa_project.test_stories(settings, tmp_path)
    assert "None of the test stories failed" in (tmp_path / "failed_test_stories.yml").read_text()
