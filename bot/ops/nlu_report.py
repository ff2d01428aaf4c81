"""`make nlu-report`: how well the model understands the held-out messages, per language.

The held-out sets in dialogues/nlu_test/ are never trained on. The report tests the current
model (trained from dialogues/data/ only) on each language's set, prints intent accuracy and
macro-F1 (and the answer choice for the concern/support questions), and writes the
misunderstood messages to results/nlu-confusions.txt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.ops import rasa_project
from bot.settings import PROJECT_ROOT, Settings

HELDOUT_DIR = PROJECT_ROOT / "dialogues" / "nlu_test"
RESULTS_DIR = PROJECT_ROOT / "results"
LANGUAGES = {"nl": "heldout_nl.yml", "en": "heldout_en.yml"}


@dataclass(frozen=True)
class LanguageScore:
    """Scores of one language's held-out set."""

    language: str
    examples: int
    accuracy: float
    macro_f1: float
    answer_accuracy: float | None
    errors: list[tuple[str, str, str]]  # text, expected, predicted


def _score(language: str, out_dir: Path) -> LanguageScore:
    report = json.loads((out_dir / "intent_report.json").read_text())
    errors_file = out_dir / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    selection = out_dir / "response_selection_report.json"
    answer_accuracy = (
        json.loads(selection.read_text()).get("accuracy") if selection.exists() else None
    )
    return LanguageScore(
        language=language,
        examples=int(report["weighted avg"]["support"]),
        accuracy=float(report["accuracy"]),
        macro_f1=float(report["macro avg"]["f1-score"]),
        answer_accuracy=answer_accuracy,
        errors=[
            (e["text"], e["intent"], (e.get("intent_prediction") or {}).get("name", "?"))
            for e in errors
        ],
    )


def run(settings: Settings, results_dir: Path = RESULTS_DIR) -> list[LanguageScore]:
    """Test the current model on each language's held-out set."""
    model = rasa_project.train(settings)
    scores = []
    for language, file in LANGUAGES.items():
        out_dir = results_dir / f"nlu-{language}"
        rasa_project.test_nlu(model=model, data=HELDOUT_DIR / file, out_dir=out_dir)
        scores.append(_score(language, out_dir))
    lines = [
        f"[{s.language}] {text!r}: expected {expected}, got {predicted}"
        for s in scores
        for text, expected, predicted in s.errors
    ]
    (results_dir / "nlu-confusions.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return scores
