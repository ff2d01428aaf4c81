"""The two button questionnaires: the fit assessment and the money-and-support needs check.

Both ask one question at a time from the content files, accept a pressed button or a typed
answer, and end in a result. Answers are kept as {question id: option id}; the needs check's
question ids are the needs (laptop, travel, ...) and its options are "yes" and "no".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from bot.guidance.assessment import Result, assessment, match_option, normalise, score
from bot.guidance.content import SupportOption, content
from bot.texts import say

Kind = Literal["assessment", "needs"]
KINDS: tuple[Kind, ...] = ("assessment", "needs")
ANSWER_INTENT = "answer_question"
_YES = frozenset("ja jazeker jawel klopt zeker graag wel yes yep yeah sure y j 1".split())  # noqa: SIM905
_NO = frozenset("nee neen nope niet geen no nah not n 2".split())  # noqa: SIM905


@dataclass(frozen=True)
class Step:
    """One question as Tekkie asks it: text with its number, and the answer buttons."""

    question_id: str
    text: str
    buttons: list[tuple[str, str]]  # (title, payload)


@dataclass(frozen=True)
class Choice:
    """A pressed answer button, decoded."""

    kind: Kind
    question_id: str
    option_id: str


def kind_of(value: object) -> Kind:
    """The questionnaire named by a slot value ("assessment" unless it is "needs")."""
    return "needs" if value == "needs" else "assessment"


def question_ids(kind: Kind) -> list[str]:
    """The questions of `kind`, in the order they are asked."""
    if kind == "needs":
        return [q.need for q in content().support.needs_check.questions]
    return [q.id for q in assessment().questions]


def next_question(kind: Kind, answers: dict[str, str]) -> str | None:
    """The first question not answered yet; None when all are."""
    return next((q for q in question_ids(kind) if q not in answers), None)


def is_complete(kind: Kind, answers: dict[str, str]) -> bool:
    """True when every question has a valid answer."""
    return all(is_valid(kind, q, answers.get(q, "")) for q in question_ids(kind))


def is_valid(kind: Kind, question_id: str, option_id: str) -> bool:
    """True when `option_id` answers `question_id`."""
    if question_id not in question_ids(kind):
        return False
    if kind == "needs":
        return option_id in ("yes", "no")
    return option_id in {o.id for o in assessment().question(question_id).options}


def choice_payload(kind: Kind, question_id: str, option_id: str) -> str:
    """The button payload that answers a question."""
    value = json.dumps({"choice": f"{kind}:{question_id}:{option_id}"})
    return f"/{ANSWER_INTENT}{value}"


def parse_choice(value: object) -> Choice | None:
    """Decode a button's "kind:question:option"; None when it is not a valid answer."""
    kind, _, rest = str(value or "").partition(":")
    question_id, _, option_id = rest.partition(":")
    if kind not in KINDS or not is_valid(kind_of(kind), question_id, option_id):
        return None
    return Choice(kind_of(kind), question_id, option_id)


def intro(kind: Kind, language: str) -> str:
    """What Tekkie says before the first question."""
    count = len(question_ids(kind))
    if kind == "needs":
        return content().support.needs_check.intro.get(language).replace("{count}", str(count))
    return say("assessment_intro", language, count=count)


def step(kind: Kind, question_id: str, language: str) -> Step:
    """The question `question_id` with its number ("2/8") and buttons."""
    ids = question_ids(kind)
    number = f"({ids.index(question_id) + 1}/{len(ids)})"
    if kind == "needs":
        question = content().support.needs_check.question(question_id)
        options = [("yes", say("yes_button", language)), ("no", say("no_button", language))]
        text = question.text.get(language)
    else:
        asked = assessment().question(question_id)
        options = [(o.id, o.title.get(language)) for o in asked.options]
        text = asked.text.get(language)
    buttons = [(title, choice_payload(kind, question_id, oid)) for oid, title in options]
    return Step(question_id, f"{number} {text}", buttons)


def match_typed(
    kind: Kind, question_id: str, text: str, *, intent: str | None, language: str
) -> str | None:
    """The option meant by a typed answer ("2", "cijfers", "ja"); None when unclear."""
    if question_id not in question_ids(kind):
        return None
    if kind == "assessment":
        return match_option(assessment().question(question_id), text, language=language)
    words = set(normalise(text).split())
    yes, no = bool(words & _YES), bool(words & _NO)
    if intent == "affirm" or (yes and not no):
        return "yes"
    if intent == "deny" or (no and not yes):
        return "no"
    return None


def assessment_result(answers: dict[str, str]) -> Result:
    """The suggested track for a complete set of assessment answers."""
    return score(assessment(), answers)


def needs_of(answers: dict[str, str]) -> list[str]:
    """The needs answered with yes, in question order."""
    return [q for q in question_ids("needs") if answers.get(q) == "yes"]


def support_for(needs: list[str]) -> list[SupportOption]:
    """The support options that apply to these needs (and those shown to everybody)."""
    return content().support.options_for(needs)
