"""Scoring conversation sets: what passes, what is confidently wrong, and bad set files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.ops.evaluation import EvalSetError, Reply, evaluate, format_report, load_cases

COSTS = "De opleiding kost je niets. Je krijgt een renteloze lening voor je laptop."
COLLEAGUE = "Dat weet ik niet zeker. Zal ik het aan een collega vragen?"
ENGLISH = "The training costs you nothing. You get an interest-free loan for a laptop."


def write(tmp_path: Path, *cases: dict[str, object]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases) + "\n", encoding="utf-8")
    return path


def case(id_: str, turns: list[list[str]], *, lang: str = "nl", cat: str = "finance") -> dict:
    return {"id": id_, "lang": lang, "cat": cat, "turns": turns}


def answering(replies: dict[str, Reply]) -> tuple[list[tuple[str, str]], object]:
    sent: list[tuple[str, str]] = []

    def say(conversation: str, message: str) -> Reply:
        sent.append((conversation, message))
        return replies[message]

    return sent, say


def test_a_case_passes_when_every_turn_matches_in_its_language(tmp_path: Path) -> None:
    cases = load_cases(write(tmp_path, case("c1", [["wat kost het", "(kost|lening)"]])))
    _, say = answering({"wat kost het": Reply((COSTS,))})
    report = evaluate(cases, say)  # type: ignore[arg-type]
    assert report.pass_rate == 1.0
    assert report.by_category() == {"finance": (1, 1)}


def test_the_regex_ignores_case_and_sees_button_titles(tmp_path: Path) -> None:
    cases = load_cases(write(tmp_path, case("c1", [["hoi", "praten met een mens"]])))
    _, say = answering({"hoi": Reply(("Waar kan ik je mee helpen?",), ("🙋 Praten met een MENS",))})
    assert evaluate(cases, say).pass_rate == 1.0  # type: ignore[arg-type]


def test_a_reply_in_the_wrong_language_fails_even_when_the_words_match(tmp_path: Path) -> None:
    turns = [["what does it cost", "(cost|loan)"]]
    cases = load_cases(write(tmp_path, case("c1", turns, lang="en")))
    _, say = answering({"what does it cost": Reply((COSTS.replace("kost", "cost"),))})
    report = evaluate(cases, say)  # type: ignore[arg-type]
    assert report.pass_rate == 0.0
    (failure,) = report.failures
    assert failure.failure == "language: en expected"


def test_english_please_switches_the_expected_language(tmp_path: Path) -> None:
    turns = [["hoi", "help"], ["English please", "help"], ["what does it cost", "cost"]]
    cases = load_cases(write(tmp_path, case("c1", turns)))
    _, say = answering({
        "hoi": Reply(("Hoi! Waar kan ik je mee helpen vandaag?",)),
        "English please": Reply(("Sure, I will write in English now. How can I help?",)),
        "what does it cost": Reply((ENGLISH,)),
    })  # fmt: skip
    assert evaluate(cases, say).pass_rate == 1.0  # type: ignore[arg-type]


def test_a_case_fails_when_one_turn_fails_and_each_case_has_its_own_conversation(
    tmp_path: Path,
) -> None:
    cases = load_cases(write(
        tmp_path,
        case("c1", [["hoi", "help"], ["wat kost het", "lening"]]),
        case("c2", [["wat kost het", "lening"]]),
    ))  # fmt: skip
    sent, say = answering({
        "hoi": Reply(("Hoi! Waar kan ik je mee helpen vandaag?",)),
        "wat kost het": Reply(("Sorry, dat begreep ik niet helemaal goed.",)),
    })  # fmt: skip
    report = evaluate(cases, say, run="r1")  # type: ignore[arg-type]
    assert report.by_category() == {"finance": (0, 2)}
    assert [c for c, _ in sent] == ["eval-r1-c1", "eval-r1-c1", "eval-r1-c2"]


def test_an_unrelated_answer_to_an_unknown_question_is_confidently_wrong(tmp_path: Path) -> None:
    cases = load_cases(write(
        tmp_path,
        case("u1", [["wat is jullie adres", "(collega|weet ik niet|adres)"]], cat="unknown"),
        case("u2", [["hoe groot is een klas", "(collega|weet ik niet|klas)"]], cat="unknown"),
        case("f1", [["wat kost het", "(huur)"]]),
    ))  # fmt: skip
    _, say = answering({
        "wat is jullie adres": Reply((COSTS,)),
        "hoe groot is een klas": Reply((COLLEAGUE,)),
        "wat kost het": Reply((COSTS,)),
    })  # fmt: skip
    report = evaluate(cases, say)  # type: ignore[arg-type]
    assert [t.case.id for t in report.confidently_wrong] == ["u1"]  # f1 fails, but is not unknown
    printed = format_report(report, title="set")
    assert "1/3 cases pass" in printed
    assert "confidently wrong: 1" in printed
    assert "FAIL u1 [unknown/nl] turn 1 (content): 'wat is jullie adres'" in printed


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("{not json", r"set\.jsonl:1: not a valid case"),
        ('{"id": "x", "lang": "nl", "cat": "a"}', r"set\.jsonl:1: not a valid case"),
        ('{"id": "x", "lang": "de", "cat": "a", "turns": [["a", "b"]]}', "lang must be one of"),
        ('{"id": "x", "lang": "nl", "cat": "a", "turns": []}', "at least one turn"),
        ('{"id": "x", "lang": "nl", "cat": "a", "turns": [["a", "(b"]]}', "not a valid case"),
    ],
)
def test_a_broken_set_is_refused_with_the_line(tmp_path: Path, line: str, complaint: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=complaint):
        load_cases(path)


def test_an_id_used_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, case("c1", [["a", "b"]]), case("c1", [["c", "d"]]))
    with pytest.raises(EvalSetError, match=r"set\.jsonl:2: the id 'c1' is used twice"):
        load_cases(path)
