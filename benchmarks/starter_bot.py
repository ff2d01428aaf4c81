"""Rasa's own starter bot (`rasa init`) as the yardstick for one turn's cost.

    python -m benchmarks.starter_bot

The bot `rasa init --no-prompt` makes (moodbot: a few intents, rules, TED and DIET) is trained
once into `var/starter-bot/` and reused; the benchmark starts it with `rasa run` on a free
port of 127.0.0.1 and times turns through its stock REST channel, the same way the load
benchmark times Tekkie's (`benchmarks/load.py` runs both in one go).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from bot.ops import rasa_project
from bot.settings import PROJECT_ROOT

HOME = PROJECT_ROOT / "var" / "starter-bot"
# The starter bot's own intents: greet, mood_unhappy, affirm, goodbye, ...
TURNS = ["hello", "I am sad", "yes", "very good", "bye", "hi there", "not good", "no"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_trained(home: Path = HOME) -> Path:
    """The starter bot's project directory, made and trained on the first call."""
    if not list((home / "models").glob("*.tar.gz")):
        home.mkdir(parents=True, exist_ok=True)
        rasa = str(rasa_project.rasa_executable())
        subprocess.run(
            [rasa, "init", "--no-prompt", "--init-dir", str(home)],
            cwd=home, env=rasa_project.rasa_environment(), check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return home


@contextlib.contextmanager
def running(home: Path = HOME, *, startup: float = 180.0) -> Iterator[str]:
    """Run the trained starter bot (REST channel, no action server); yield its base URL."""
    port = _free_port()
    rasa = str(rasa_project.rasa_executable())
    process = subprocess.Popen(
        [rasa, "run", "--port", str(port), "--interface", "127.0.0.1", "--credentials",
         "credentials.yml", "--endpoints", os.devnull],
        cwd=home, env=rasa_project.rasa_environment(), stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup
        while not _ready(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the starter bot did not start")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/webhooks/rest/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def turn_times(url: str, turns: int = 60) -> list[float]:
    """One conversation of `turns` REST turns back to back: each turn's time in seconds."""
    sender, timings = f"starter-{uuid.uuid4().hex[:8]}", []
    with httpx.Client(timeout=30) as client:
        for number in range(turns):
            began = time.perf_counter()
            answer = client.post(
                f"{url}/webhooks/rest/webhook",
                json={"sender": sender, "message": TURNS[number % len(TURNS)]},
            )
            timings.append(time.perf_counter() - began)
            answer.raise_for_status()
    return timings


def main() -> None:
    """Train if needed, run, print the median turn."""
    import statistics  # noqa: PLC0415

    with running(ensure_trained()) as url:
        turn_times(url, 5)  # warm up
        ms = [t * 1000 for t in turn_times(url)]
    print(f"starter bot: median REST turn {statistics.median(ms):.0f} ms over {len(ms)} turns")


if __name__ == "__main__":
    main()
