"""`make eval`: run conversation sets through the web chat API and print how many pass.

    python -m benchmarks.eval_conversations [SET.jsonl ...] [--url http://127.0.0.1:8000]

Without `--url` it starts its own stack (`tekkie run` on free ports, embedded default with demo
slots); with it, it uses a running Tekkie. Without sets it runs the shared dev set
(`../shared/eval/dev_conversations.jsonl`, when it is there) and Tekkie's own sets in
`benchmarks/conversations/`. Scoring is `bot/ops/evaluation.py`; the failing turns and a JSON
copy of every reply go to `results/eval-<set>.json`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bot.ops.evaluation import (
    OWN_SETS,
    SHARED_DEV_SET,
    Case,
    EvalSetError,
    Reply,
    Report,
    evaluate,
    format_report,
    load_cases,
)
from bot.settings import PROJECT_ROOT
from tests.support.stack import make_stack, start, stop

RESULTS_DIR = PROJECT_ROOT / "results"


def default_sets() -> list[Path]:
    """The shared dev set (when this checkout has it beside it) and Tekkie's own sets."""
    shared = [SHARED_DEV_SET] if SHARED_DEV_SET.exists() else []
    return shared + sorted(OWN_SETS.glob("*.jsonl"))


def web_chat(client: httpx.Client, base_url: str, conversation: str, message: str) -> Reply:
    """Send one message as a web chat visitor; an error answer counts as its text."""
    response = client.post(
        f"{base_url}/api/webchat/messages", json={"sender_id": conversation, "text": message}
    )
    body: dict[str, Any] = response.json()
    if response.status_code != 200:
        return Reply(texts=(str(body.get("detail", response.status_code)),))
    messages = body.get("messages", [])
    return Reply(
        texts=tuple(str(m.get("text") or "") for m in messages),
        buttons=tuple(str(b.get("title", "")) for m in messages for b in m.get("buttons") or []),
    )


@contextmanager
def tekkie(url: str | None) -> Iterator[str]:
    """The base URL of a running Tekkie: the one given, or a stack started for this run."""
    if url:
        yield url.rstrip("/")
        return
    with tempfile.TemporaryDirectory() as workdir:
        started = time.monotonic()
        stack = start(make_stack(Path(workdir)))
        print(f"stack healthy after {time.monotonic() - started:.1f} s")
        try:
            yield stack.app_url
        finally:
            stop(stack)


def save(report: Report, path: Path) -> None:
    """Every turn with its reply and verdict, for reading the failures later."""
    RESULTS_DIR.mkdir(exist_ok=True)
    rows = [
        {"id": t.case.id, "cat": t.case.cat, "lang": t.case.lang, "turn": t.index + 1,
         "message": t.message, "reply": t.reply.joined, "failure": t.failure}
        for turns in report.results.values() for t in turns
    ]  # fmt: skip
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the sets; exit code 0 (the numbers are the result, not a pass/fail gate)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, help="JSONL conversation sets")
    parser.add_argument("--url", help="a running Tekkie's base URL (default: start one)")
    args = parser.parse_args(argv)
    try:
        sets: dict[Path, list[Case]] = {p: load_cases(p) for p in args.sets or default_sets()}
    except (EvalSetError, OSError) as error:
        parser.error(str(error))
    if not sets:
        parser.error("no conversation sets given or found")
    with tekkie(args.url) as base_url, httpx.Client(timeout=60) as client:
        for path, cases in sets.items():
            t0 = time.monotonic()
            report = evaluate(cases, lambda c, m: web_chat(client, base_url, c, m))
            print(format_report(report, title=f"{path.name} ({time.monotonic() - t0:.0f} s)"))
            save(report, RESULTS_DIR / f"eval-{path.stem}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
