"""The content staff write in the dashboard: new answers and extra examples for known ones.

It is one document, versioned in the database (`content_versions`), on top of the files in
dialogues/ that developers keep. It is checked as the files are at start-up (both languages,
no notes to the writer, one WhatsApp screen at most) and against them (a new answer's key is
new; a linked answer exists). bot/learning/project.py turns it into Rasa training files.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.guidance.content import Content, Text
from bot.texts import ContentError, problems
from bot.understanding.nlu_files import examples

NEW_KEY = re.compile(r"^fact/staff_[0-9]+$")  # answered by the `fact` rules like any school fact
MAX_EXAMPLE = 200
# Plain intents a question may be linked to: questions about the school and its tracks.
# (Not "cancel_intake" or "delete_my_data": a question must never start those.)
LINKABLE_INTENTS = re.compile(r"^(ask_[a-z_]+|book_intake|what_do_you_know)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clean_examples(texts: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(t.split()) for t in texts if t.strip()))
    for text in cleaned:
        if len(text) > MAX_EXAMPLE or text.startswith("/"):
            raise ValueError(f"not a question as prospects type it: {text[:40]!r}")
    return cleaned


class NewAnswer(_Strict):
    """An answer staff wrote for a group of questions."""

    key: str = Field(pattern=NEW_KEY.pattern)
    question: Text  # how staff and the "Bedoel je" choices name it
    answer: Text
    examples: list[str] = Field(min_length=1)
    group_id: int | None = None

    @model_validator(mode="after")
    def _examples(self) -> Self:
        object.__setattr__(self, "examples", _clean_examples(self.examples))
        return self


class Learned(_Strict):
    """The whole staff-written document."""

    answers: list[NewAnswer] = Field(default_factory=list)
    examples: dict[str, list[str]] = Field(default_factory=dict)  # answer key -> questions

    @model_validator(mode="after")
    def _unique(self) -> Self:
        keys = [answer.key for answer in self.answers]
        if len(keys) != len(set(keys)):
            raise ValueError("an answer key appears twice")
        cleaned = {key: _clean_examples(texts) for key, texts in self.examples.items()}
        object.__setattr__(self, "examples", {k: v for k, v in cleaned.items() if v})
        return self

    @property
    def empty(self) -> bool:
        """True when staff added nothing (the model is the files' own)."""
        return not self.answers and not self.examples

    def answer(self, key: str) -> NewAnswer | None:
        """The new answer with this key."""
        return next((a for a in self.answers if a.key == key), None)

    def with_answer(self, answer: NewAnswer) -> Learned:
        """A copy with `answer` added (or replacing the one with its key)."""
        kept = [a for a in self.answers if a.key != answer.key]
        return Learned(answers=[*kept, answer], examples=self.examples)

    def with_examples(self, key: str, texts: list[str]) -> Learned:
        """A copy with more examples for an existing answer."""
        if (new := self.answer(key)) is not None:
            extended = new.model_copy(update={"examples": [*new.examples, *texts]})
            return self.with_answer(NewAnswer.model_validate(extended.model_dump()))
        examples = {**self.examples, key: [*self.examples.get(key, []), *texts]}
        return Learned(answers=self.answers, examples=examples)

    def as_yaml(self) -> str:
        """The document as staff read it in a diff."""
        return yaml.safe_dump(self.model_dump(exclude_none=True), allow_unicode=True,
                              sort_keys=False, width=100)  # fmt: skip


def parse(document: dict[str, object] | None) -> Learned:
    """A stored document, checked; ContentError names what is wrong."""
    try:
        return Learned.model_validate(document or {})
    except ValidationError as error:
        raise ContentError(f"staff content: {problems(error, whole='(document)')}") from error


@lru_cache(maxsize=1)
def _training() -> tuple[dict[str, str], dict[str, str]]:
    """Each intent's first example, and the intent of each example (lower case, one space).

    Read from the NLU training files once per process: the publish worker checks the live
    content every few seconds.
    """
    pairs = list(examples())
    first = dict(reversed(pairs))
    return first, {_plain(text): intent for intent, text in pairs}


def answer_labels(base: Content, learned: Learned, language: str) -> dict[str, str]:
    """Every answer a question can be linked to, with a name staff recognise."""
    labels: dict[str, str] = {}
    for concern in base.concerns.concerns:
        labels[f"concern/{concern.id}"] = concern.question.get(language)
    for option in base.support.options:
        labels[f"support/{option.id}"] = option.name.get(language)
    for fact in base.school.facts:
        labels[f"fact/{fact.id}"] = fact.question.get(language)
    for answer in learned.answers:
        labels[answer.key] = answer.question.get(language)
    first, _ = _training()
    for intent in sorted(first):
        if LINKABLE_INTENTS.match(intent):
            labels.setdefault(intent, f"{first[intent]} ({intent})")
    return labels


def check(base: Content, learned: Learned) -> None:
    """ContentError when the document does not fit the files (as at start-up)."""
    known = set(answer_labels(base, Learned(), "nl"))
    for answer in learned.answers:
        if answer.key in known:
            raise ContentError(f"staff content: answer {answer.key} exists in the files")
    mine = {answer.key for answer in learned.answers}
    for key in learned.examples:
        if key not in known | mine:
            raise ContentError(f"staff content: there is no answer {key} to add examples to")
    # One message teaches one answer: Rasa refuses the same example under two intents.
    owner = dict(_training()[1])
    added = [(a.key, t) for a in learned.answers for t in a.examples]
    added += [(key, t) for key, texts in learned.examples.items() for t in texts]
    for key, text in added:
        if owner.setdefault(_plain(text), key) != key:
            raise ContentError(
                f"staff content: {text!r} is already an example of {owner[_plain(text)]}"
            )


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def diff(before: Learned, after: Learned) -> str:
    """What changed, as a unified diff of the two documents."""
    lines = difflib.unified_diff(
        before.as_yaml().splitlines(), after.as_yaml().splitlines(),
        "before", "after", lineterm="",
    )  # fmt: skip
    return "\n".join(lines)
