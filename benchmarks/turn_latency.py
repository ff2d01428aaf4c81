"""Benchmark: turn time through the web chat API, the Telegram and WhatsApp webhooks, and Rasa.

Starts its own stack (`tekkie run` on free ports, embedded default with demo slots, Telegram
and WhatsApp pointed at local stand-ins of their APIs), sends the same short conversations each
way, then times whole booking conversations, and prints median and 95th percentile. A webhook
turn lasts from the POST until the stand-in API has received every reply. Run with `make bench`.
"""

from __future__ import annotations

import functools
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sized
from pathlib import Path

import httpx

from tests.support.fakes import (
    TELEGRAM_SECRET,
    FakeTelegramApi,
    FakeTwilioApi,
    channel_settings,
    telegram_text,
    twilio_message,
    twilio_signature,
)
from tests.support.stack import Stack, make_stack, start, stop

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


def wait_until(received: Callable[[], Sized], target: int, timeout: float = 30) -> None:
    """Poll until `received()` holds `target` items."""
    deadline = time.monotonic() + timeout
    while len(received()) < target:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(received())} of {target} replies arrived")
        time.sleep(0.002)


def channel_turns(stack: Stack, telegram: FakeTelegramApi, twilio: FakeTwilioApi,
                  rounds: int) -> tuple[list[float], list[float]]:  # fmt: skip
    """Time the same turns through both webhooks (as many replies as the web chat gives)."""
    tg_times, wa_times = [], []
    # Conversations take turns, as people pause between messages: Tekkie keeps to about one
    # Telegram message per second per chat, so back-to-back turns would time that limit.
    for i, text in enumerate(TURNS):
        for n in range(rounds):
            chat_id, number = 50_000_000 + n, f"+3161{n:07d}"
            expected = len(stack.say(f"w{chat_id}", text=text))
            before = len(telegram.calls_of("sendMessage", chat_id))
            t0 = time.perf_counter()
            stack.client.post(
                f"{stack.app_url}/webhooks/telegram",
                json=telegram_text(chat_id * 100 + i, chat_id, text),
                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            ).raise_for_status()
            sent = functools.partial(telegram.calls_of, "sendMessage", chat_id)
            wait_until(sent, before + expected)
            tg_times.append(time.perf_counter() - t0)

            before = len(twilio.messages_to(number))
            form = twilio_message(f"SM{uuid.uuid4().hex}", number, text)
            url = f"{stack.app_url}/webhooks/whatsapp"
            t0 = time.perf_counter()
            stack.client.post(
                url, data=form,
                headers={"X-Twilio-Signature": twilio_signature(twilio.auth_token, url, form)},
            ).raise_for_status()  # fmt: skip
            to_number = functools.partial(twilio.messages_to, number)
            wait_until(to_number, before + expected)
            wa_times.append(time.perf_counter() - t0)
    return tg_times, wa_times


def main(rounds: int = 20) -> None:
    """Run `rounds` short conversations each way and print the numbers."""
    with (
        tempfile.TemporaryDirectory() as workdir,
        FakeTelegramApi().start() as telegram,
        FakeTwilioApi().start() as twilio,
    ):
        started = time.monotonic()
        stack = start(make_stack(Path(workdir), **channel_settings(telegram, twilio)))
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
            tg_times, wa_times = channel_turns(stack, telegram, twilio, max(rounds // 2, 5))
        finally:
            stop(stack)
    report("web chat API (full turn)", webchat)
    report("Telegram webhook to replies", tg_times)
    report("WhatsApp webhook to replies", wa_times)
    report("Rasa channel directly", rasa)
    report("booking flow turns", booking)
    overhead = statistics.median(webchat) - statistics.median(rasa)
    print(f"median adapter overhead: {overhead * 1000:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
