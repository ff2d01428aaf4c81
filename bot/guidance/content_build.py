"""Turn the staff-editable content into Rasa responses for the retrieval intents.

`concern/<id>` and `support/<id>` are answered by Rasa's ResponseSelector, which needs a
response per key in the domain. They are generated from dialogues/content/ into
dialogues/domain/answers.yml before every training and validation, so staff edit only the
content files. The generated file is committed so that the domain is complete on a fresh clone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.guidance.content import Content, Text, load_content
from bot.settings import PROJECT_ROOT

ANSWERS_FILE = PROJECT_ROOT / "dialogues" / "domain" / "answers.yml"
HEADER = (
    "# GENERATED from dialogues/content/ by `tekkie train` (bot/content_build.py): do not edit.\n"
    "# Change the texts in dialogues/content/concerns.yml, support.yml and school.yml instead.\n"
)
EN = [{"type": "slot", "name": "language", "value": "en"}]


def _variants(texts: Text | dict[str, str]) -> list[dict[str, Any]]:
    nl, en = (texts.nl, texts.en) if isinstance(texts, Text) else (texts["nl"], texts["en"])
    return [{"text": nl}, {"condition": EN, "text": en}]


def support_text(option: Any, language: str) -> str:
    """A support option in one message: what it is, for whom, how much, the next step."""
    arrow = "Volgende stap" if language != "en" else "Next step"
    return (
        f"{option.name.get(language)}\n{option.for_whom.get(language)} "
        f"{option.amount.get(language)}\n👉 {arrow}: {option.next_step.get(language)}"
    )


def responses(content: Content) -> dict[str, list[dict[str, Any]]]:
    """utter_concern/, utter_support/ and utter_fact/<id>: Dutch default, English variant."""
    result: dict[str, list[dict[str, Any]]] = {}
    for concern in content.concerns.concerns:
        result[f"utter_concern/{concern.id}"] = _variants(concern.answer)
    for option in content.support.options:
        texts = {lang: support_text(option, lang) for lang in ("nl", "en")}
        result[f"utter_support/{option.id}"] = _variants(texts)
    for fact in content.school.facts:
        result[f"utter_fact/{fact.id}"] = _variants(fact.answer)
    return result


def render(content: Content) -> str:
    """The generated domain file's text."""

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    body = yaml.dump(
        {"version": "3.1", "responses": responses(content)},
        Dumper=Dumper, allow_unicode=True, sort_keys=False, width=1000,
    )  # fmt: skip
    return HEADER + body


def build(path: Path = ANSWERS_FILE) -> bool:
    """Write the generated responses; return True when the file changed."""
    text = render(load_content())
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
