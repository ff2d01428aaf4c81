"""Read and write Rasa NLU files: (intent, message) pairs as prospects typed them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

TRAINING_DIR = PROJECT_ROOT / "dialogues" / "data" / "nlu"
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")  # [data analist]{"entity": ...}


def examples(directory: Path = TRAINING_DIR) -> Iterator[tuple[str, str]]:
    """(intent, message without entity marks) from every NLU file in `directory`."""
    for path in sorted(directory.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                if "intent" in item and line.strip().startswith("- "):
                    yield item["intent"], ANNOTATION.sub(r"\1", line.strip()[2:].strip())


def render(pairs: Iterable[tuple[str, str]], *, header: str) -> str:
    """An NLU file with these examples, grouped per intent in the order they first appear."""
    grouped: dict[str, list[str]] = {}
    for intent, text in pairs:
        line = " ".join(text.split())
        if line and line not in grouped.setdefault(intent, []):
            grouped[intent].append(line)
    items = [
        {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
        for intent, texts in grouped.items()
    ]

    class Literal(yaml.SafeDumper):
        pass

    def block(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Literal.add_representer(str, block)
    body = yaml.dump({"version": "3.1", "nlu": items}, Dumper=Literal, allow_unicode=True,
                     sort_keys=False, width=1000)  # fmt: skip
    return header + body
