"""The "Bedoel je ...?" choices when Tekkie is not sure: questions prospects once asked.

Rasa's two-stage fallback asks the prospect to pick what they meant. Here each choice is the
training example that best matched the message, for one of the intents that came closest:
a real prospect's question in the prospect's language, which Tekkie understands for certain
when it comes back as the button's payload. Only questions are offered, never "hoi" or "ja";
nothing close enough means no choices, and Tekkie says honestly that it does not know.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SOMETHING_ELSE_INTENT = "something_else"
SOMETHING_ELSE = f"/{SOMETHING_ELSE_INTENT}"  # the payload of the last button of "Bedoel je"
YES = frozenset({"ja", "jaa", "ja klopt", "klopt", "jazeker", "ja graag", "ja dat", "jep", "jup",
                 "precies", "dat bedoel ik", "yes", "yes please", "yep", "yeah", "correct",
                 "that one", "exactly"})  # fmt: skip
NO = frozenset({"nee", "nee hoor", "nope", "no", "neither", "none", "geen", "geen van deze",
                "none of them"})  # fmt: skip
MAX_CHOICES = 3
MIN_CONFIDENCE = 0.2  # the mixed confidence an intent needs to be offered
MIN_COVERAGE = 0.3  # and the share of the message's words its example holds
DIET_SURE = 0.9  # or DIET alone was this sure, and the intent has an example with a shared word


@dataclass(frozen=True)
class Choice:
    """One button: the example as title and payload."""

    title: str
    payload: str


def choices(
    parse: Mapping[str, Any],
    *,
    offerable: Iterable[str],
    in_language: Callable[[str], bool],
) -> list[Choice]:
    """Up to three questions the prospect may have meant, closest first.

    `parse` is Rasa's parse result (`tracker.latest_message`): the mixed `intent_ranking` and the
    retrieval ranker's `tekkie_retrieval` (its `matches`, and DIET's own confidences in `diet`).
    `in_language` keeps examples in the prospect's language only.
    """
    allowed = set(offerable)
    confidence = {
        str(entry.get("name")): float(entry.get("confidence") or 0.0)
        for entry in parse.get("intent_ranking") or []
    }
    retrieval = parse.get("tekkie_retrieval") or {}
    matches = retrieval.get("matches") or []
    diet = {str(name): float(value or 0.0) for name, value in (retrieval.get("diet") or {}).items()}
    found: list[tuple[float, Choice]] = []
    seen: set[str] = set()
    for match in matches:
        intent = str(match.get("intent") or "")
        example = str(match.get("example") or "").strip()
        top = intent.split("/", 1)[0]
        if top not in allowed or intent in seen or not example or not in_language(example):
            continue
        score = confidence.get(top, 0.0)
        close = score >= MIN_CONFIDENCE and float(match.get("coverage") or 0.0) >= MIN_COVERAGE
        if not close and diet.get(top, 0.0) < DIET_SURE:
            continue
        seen.add(intent)
        found.append((score, Choice(_as_question(example), example)))
    found.sort(key=lambda item: item[0], reverse=True)
    return [choice for _, choice in found[:MAX_CHOICES]]


def _as_question(example: str) -> str:
    """A question as a button title: "wat kost het" becomes "Wat kost het?"."""
    text = example[0].upper() + example[1:]
    return text if text[-1] in "?!." else f"{text}?"


def offers_choices(payloads: Sequence[str]) -> bool:
    """The latest buttons were a "Bedoel je ...?": its last button is "iets anders"."""
    return bool(payloads) and payloads[-1] == SOMETHING_ELSE


def yes_or_no(payloads: Sequence[str], said: str) -> str | None:
    """The payload a plain "ja" or "nee" to "Bedoel je ...?" stands for, if it is one.

    `said` is the reply as lower-case words. "ja" takes the first (closest) question, "nee" is
    "iets anders". Only after such choices: elsewhere "ja" means what Rasa makes of it.
    """
    if not offers_choices(payloads):
        return None
    if said in YES:
        return payloads[0]
    return SOMETHING_ELSE if said in NO else None
