"""Benchmark: turn time through POST /api/webchat/messages vs. straight to Rasa's channel.

Starts its own stack (`tekkie run` on free ports, embedded default with demo slots), sends the
same short conversations both ways, then times whole booking conversations, and prints median
and 95th percentile. Run with `make bench`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tests.e2e.stack import Stack, make_stack, start, stop

TURNS = ["hoi", "wat voor werk kan ik doen", "ok", "hello", "which track suits me", "thanks"]


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(name: str, timings: list[float]) -> None:
    """Print median and p95 in milliseconds."""
    ms = [t * 1000 for t in timings]
    print(
        f"{name:<28} n={len(ms):<4} median={statistics.median(ms):7.1f} ms"
        f"   p95={percentile(ms, 0.95):7.1f} ms"
    )


def booking_turns(stack: Stack, rounds: int) -> list[float]:
    """Time every turn of `rounds` complete booking conversations (buttons and typing)."""
    timings: list[float] = []

    def timed(sender: str, **body: str) -> list[dict[str, object]]:
        t0 = time.perf_counter()
        replies = stack.say(sender, **body)
        timings.append(time.perf_counter() - t0)
        return replies

    for i in range(rounds):
        sender = f"book{uuid.uuid4().hex[:10]}"
        timed(sender, text="hoi")
        timed(sender, payload="/book_intake")
        mode = timed(sender, payload="/affirm")[0]
        offer = timed(sender, payload=mode["buttons"][2]["payload"])[0]  # type: ignore[index]
        timed(sender, payload=offer["buttons"][0]["payload"])  # type: ignore[index]
        timed(sender, text=f"Test Persoon {i}")
        timed(sender, text=f"persoon{i}@example.nl")
    return timings


def main(rounds: int = 20) -> None:
    """Run `rounds` short conversations both ways and print the numbers."""
    with tempfile.TemporaryDirectory() as workdir:
        started = time.monotonic()
        stack = start(make_stack(Path(workdir)))
        print(f"stack healthy after {time.monotonic() - started:.1f} s (model already trained)")
        token = stack.settings.rasa_token.get_secret_value()
        rasa_hook = f"{stack.settings.rasa_url}/webhooks/tekkie/webhook"
        webchat, rasa = [], []
        try:
            with httpx.Client(timeout=30) as client:
                for _ in range(rounds):
                    sender = uuid.uuid4().hex[:12]
                    for text in TURNS:
                        t0 = time.perf_counter()
                        stack.say(f"b{sender}", text=text)
                        webchat.append(time.perf_counter() - t0)
                        t0 = time.perf_counter()
                        client.post(
                            rasa_hook,
                            json={"sender": f"r{sender}", "message": text},
                            headers={"Authorization": f"Bearer {token}"},
                        ).raise_for_status()
                        rasa.append(time.perf_counter() - t0)
            booking = booking_turns(stack, max(rounds // 2, 5))
        finally:
            stop(stack)
    report("web chat API (full turn)", webchat)
    report("Rasa channel directly", rasa)
    report("booking flow turns", booking)
    overhead = statistics.median(webchat) - statistics.median(rasa)
    print(f"median adapter overhead: {overhead * 1000:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
