"""Calibrate the retrieval ranker: which weight and threshold answer most and err least.

    python -m benchmarks.calibrate_retrieval [--url RASA_URL --token TOKEN]

Parses the held-out NLU sets (`dialogues/nlu_test/*.yml`, never trained on) with the real
model. The parse result holds DIET's own confidences and each intent's word coverage
(`tekkie_retrieval`), so every (weight, threshold) pair is scored here without retraining:

- right: the answer the label asks for (`none_of_these` is right when Tekkie falls back);
- unsure: a fallback for a message that had an answer (Tekkie asks, or offers a colleague);
- wrong: another answer than the label's. This is the costly one: a confident wrong answer.

Score = right - 3 x wrong. The line marked * is the best; put its numbers in config.yml
(`retrieval_weight`, FallbackClassifier `threshold`).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.ops.nlu_report import HELDOUT_DIR
from bot.understanding.nlu_files import examples
from bot.understanding.retrieval import combine
from tests.support.stack import make_stack, start, stop

AMBIGUITY = 0.1  # FallbackClassifier's ambiguity_threshold in config.yml
WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
THRESHOLDS = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65)
NO_ANSWER = "none_of_these"
WRONG_COST = 3


@dataclass(frozen=True)
class Parsed:
    """One held-out message: its label and what the model's parse says about it."""

    label: str
    text: str
    diet: dict[str, float]
    coverage: dict[str, float]
    selector: dict[str, float]
    answers: dict[str, float]


def decide(parsed: Parsed, weight: float, threshold: float) -> str | None:
    """The full intent Tekkie would answer with, or None for a fallback."""
    mixed = combine(parsed.diet, parsed.coverage, weight=weight)
    ranked = sorted(mixed.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return None
    (top, confidence), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    if confidence < threshold or confidence - runner_up < AMBIGUITY:
        return None
    answers = {k: v for k, v in parsed.selector.items() if k.startswith(f"{top}/")}
    if not answers:
        return top
    mixed_answers = combine(answers, parsed.answers, weight=weight)
    return max(mixed_answers.items(), key=lambda item: item[1])[0]


def verdict(parsed: Parsed, decided: str | None) -> str:
    """right, unsure or wrong (see the module's docstring)."""
    if parsed.label == NO_ANSWER:
        return "right" if decided is None else "wrong"
    if decided is None:
        return "unsure"
    return "right" if decided == parsed.label else "wrong"


@contextmanager
def rasa(url: str | None, token: str | None) -> Iterator[tuple[str, str]]:
    """A running Rasa's URL and token, or a stack started for this run."""
    if url and token:
        yield url.rstrip("/"), token
        return
    with tempfile.TemporaryDirectory() as workdir:
        stack = start(make_stack(Path(workdir)))
        try:
            yield stack.settings.rasa_url, stack.settings.rasa_token.get_secret_value()
        finally:
            stop(stack)


def parse_all(url: str, token: str) -> list[Parsed]:
    """Parse every held-out message with the model."""
    parsed: list[Parsed] = []
    with httpx.Client(timeout=30) as client:
        for label, text in examples(HELDOUT_DIR):
            result: dict[str, Any] = client.post(
                f"{url}/model/parse", params={"token": token}, json={"text": text}
            ).json()
            info = result.get("tekkie_retrieval") or {}
            parsed.append(
                Parsed(label, text, info.get("diet", {}), info.get("coverage", {}),
                       info.get("selector", {}), info.get("answers", {}))
            )  # fmt: skip
    return parsed


def main(argv: list[str] | None = None) -> int:
    """Print right/unsure/wrong for every weight and threshold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Rasa's URL (default: start a stack)")
    parser.add_argument("--token", help="that Rasa's API token")
    parser.add_argument("--show", action="store_true", help="list the best line's wrong answers")
    args = parser.parse_args(argv)
    with rasa(args.url, args.token) as (url, token):
        parsed = parse_all(url, token)
    print(f"{len(parsed)} held-out messages ({sum(p.label == NO_ANSWER for p in parsed)} "
          f"without an answer)")  # fmt: skip
    rows = []
    for weight in WEIGHTS:
        for threshold in THRESHOLDS:
            counts = {"right": 0, "unsure": 0, "wrong": 0}
            for item in parsed:
                counts[verdict(item, decide(item, weight, threshold))] += 1
            rows.append((counts["right"] - WRONG_COST * counts["wrong"], weight, threshold, counts))
    best = max(rows, key=lambda row: row[0])
    print("weight threshold  right unsure wrong  score")
    for row in rows:
        score, weight, threshold, counts = row
        mark = "*" if row is best else " "
        right, unsure, wrong = counts["right"], counts["unsure"], counts["wrong"]
        print(f"{mark} {weight:4.1f}   {threshold:5.2f}    {right:4d}  {unsure:4d}  {wrong:4d}"
              f"  {score:5d}")  # fmt: skip
    if args.show:
        for item in parsed:
            decided = decide(item, best[1], best[2])
            if verdict(item, decided) == "wrong":
                print(f"  {item.label} -> {decided}: {item.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
