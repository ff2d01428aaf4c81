"""`make eval`: whole conversations through the web chat, scored like a prospect would score them.

A set is a JSONL file, one case per line: `id`, `lang` (`nl`, `en` or `any`), `cat` (career,
worry, finance, booking, unknown, ...) and `turns`, a list of `[message, regex]`. Each case is
one fresh web chat conversation; a turn passes when the regex (case-insensitive) matches the
replies' texts and button titles joined by newlines and, for `nl`/`en` cases, every reply is
in that language ("English please" / "Nederlands graag" switch the expected language). A
case passes when every turn passes. A failed turn of an `unknown` case is *confidently
wrong*: Tekkie answered with content that does not fit instead of saying it is not sure.

This module only scores; `benchmarks/eval_conversations.py` starts a stack and sends.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.conversation.language import detect_language
from bot.settings import PROJECT_ROOT

OWN_SETS = PROJECT_ROOT / "benchmarks" / "conversations"  # Tekkie's own sets
# The shared dev set, written by others: measure with it, never train on it.
SHARED_DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "dev_conversations.jsonl"

LANGS = ("nl", "en", "any")
# Words in a prospect's message that switch the language the replies must be in.
_TO_ENGLISH = re.compile(r"\b(english please|in english|speak english)\b", re.IGNORECASE)
_TO_DUTCH = re.compile(r"\b(nederlands graag|in het nederlands|nederlands alsjeblieft)\b", re.I)
# Replies too short to tell the language of ("👍", "OK!", a time) are not checked.
_MIN_WORDS_FOR_LANGUAGE = 4


class EvalSetError(ValueError):
    """A conversation set cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class Case:
    """One conversation to run."""

    id: str
    lang: str
    cat: str
    turns: tuple[tuple[str, re.Pattern[str]], ...]
    source: str = ""


@dataclass(frozen=True)
class Reply:
    """What Tekkie answered to one message (or the error text it gave)."""

    texts: tuple[str, ...]
    buttons: tuple[str, ...] = ()

    @property
    def joined(self) -> str:
        """Texts and button titles, one per line, as the regexes are written against."""
        return "\n".join([*self.texts, *self.buttons])


@dataclass(frozen=True)
class TurnResult:
    """One message of a case: what was sent, expected and answered, and why it failed."""

    case: Case
    index: int
    message: str
    reply: Reply
    failure: str | None  # None: passed; else "content" or "language: en expected"


@dataclass
class Report:
    """The outcome of a run: per case and per category."""

    results: dict[str, list[TurnResult]] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)

    def passed(self, case_id: str) -> bool:
        """True when every turn of the case passed."""
        return all(turn.failure is None for turn in self.results[case_id])

    @property
    def pass_rate(self) -> float:
        """Share of cases that passed (0 when there are none)."""
        if not self.cases:
            return 0.0
        return sum(self.passed(case_id) for case_id in self.cases) / len(self.cases)

    def by_category(self) -> dict[str, tuple[int, int]]:
        """(passed, total) cases per category, sorted by category."""
        totals, passed = Counter[str](), Counter[str]()
        for case_id, case in self.cases.items():
            totals[case.cat] += 1
            passed[case.cat] += self.passed(case_id)
        return {cat: (passed[cat], totals[cat]) for cat in sorted(totals)}

    @property
    def confidently_wrong(self) -> list[TurnResult]:
        """Turns of `unknown` cases answered with content that does not fit."""
        return [t for t in self.failures if t.case.cat == "unknown" and t.failure == "content"]

    @property
    def failures(self) -> list[TurnResult]:
        """Every failed turn, in case order."""
        return [t for turns in self.results.values() for t in turns if t.failure is not None]


def load_cases(path: Path) -> list[Case]:
    """Read and check one set; raises EvalSetError naming the line of any mistake."""
    cases: list[Case] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            raw = json.loads(line)
            case = Case(
                id=str(raw["id"]), lang=str(raw["lang"]), cat=str(raw["cat"]),
                turns=tuple((str(m), re.compile(str(p), re.IGNORECASE)) for m, p in raw["turns"]),
                source=path.name,
            )  # fmt: skip
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, re.error) as error:
            raise EvalSetError(f"{where}: not a valid case ({error})") from error
        if case.lang not in LANGS:
            raise EvalSetError(f"{where}: lang must be one of {', '.join(LANGS)}")
        if not case.turns:
            raise EvalSetError(f"{where}: a case needs at least one turn")
        if case.id in seen:
            raise EvalSetError(f"{where}: the id {case.id!r} is used twice")
        seen.add(case.id)
        cases.append(case)
    return cases


def expected_language(message: str, current: str) -> str:
    """The language replies must be in after this message."""
    if _TO_ENGLISH.search(message):
        return "en"
    if _TO_DUTCH.search(message):
        return "nl"
    return current


def score_turn(case: Case, index: int, reply: Reply, language: str) -> TurnResult:
    """Score one reply against the turn's regex and the expected language."""
    message, pattern = case.turns[index]
    failure = None
    if not pattern.search(reply.joined):
        failure = "content"
    elif language != "any":
        for text in reply.texts:
            if len(text.split()) < _MIN_WORDS_FOR_LANGUAGE:
                continue
            if detect_language(text) != language:
                failure = f"language: {language} expected"
                break
    return TurnResult(case, index, message, reply, failure)


def evaluate(
    cases: Iterable[Case], say: Callable[[str, str], Reply], *, run: str | None = None
) -> Report:
    """Run every case; `say(conversation_id, message)` sends one message and returns the reply.

    Each case gets a conversation of its own, new in every run (`run` tells runs apart).
    """
    run = run or secrets.token_hex(4)
    report = Report()
    for case in cases:
        if case.id in report.cases:
            raise EvalSetError(f"{case.source}: the id {case.id!r} is in two sets")
        report.cases[case.id] = case
        language, turns = case.lang, []
        conversation = f"eval-{run}-{re.sub(r'[^A-Za-z0-9_-]', '-', case.id)}"[:64]
        for index, (message, _) in enumerate(case.turns):
            language = expected_language(message, language) if language != "any" else language
            turns.append(score_turn(case, index, say(conversation, message), language))
        report.results[case.id] = turns
    return report


def format_report(report: Report, *, title: str) -> str:
    """The printed summary: per category, the confidently wrong replies, the failing turns."""
    passed = sum(report.passed(case_id) for case_id in report.cases)
    lines = [f"{title}: {passed}/{len(report.cases)} cases pass ({report.pass_rate:.0%})"]
    lines += [
        f"  {cat:<10} {ok:>3}/{total:<3}" for cat, (ok, total) in report.by_category().items()
    ]
    lines.append(f"  confidently wrong: {len(report.confidently_wrong)}")
    for turn in report.failures:
        answer = turn.reply.joined.replace("\n", " | ")
        lines.append(
            f"  FAIL {turn.case.id} [{turn.case.cat}/{turn.case.lang}] turn {turn.index + 1}"
            f" ({turn.failure}): {turn.message!r}\n       -> {answer[:220]!r}"
        )
    return "\n".join(lines)
