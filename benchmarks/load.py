"""Load benchmark: many prospects at once through the web chat API of a real stack.

    python -m benchmarks.load [--levels 50,100,200] [--think 15] [--arrivals 60]

Open loop: at each level, N prospects arrive spread evenly over `--arrivals` seconds (they do
not wait for each other), and each has a realistic five-turn conversation with a think time
around `--think` seconds (uniform between half and one and a half times it) between turns.
A turn is one POST to /api/webchat/messages; an error is anything but a 200 with a reply.
Per level it prints the offered and achieved turns per second, p50/p95/p99, errors, and the
CPU seconds and memory of each of the stack's processes (read from /proc). Then one
conversation of 60 turns without thinking: the cost of turns 0-9 against turns 50-59. Then,
with Tekkie stopped, the same for Rasa's own starter bot (`rasa init`, benchmarks/starter_bot.py)
as the yardstick: Tekkie's median turn against the starter bot's. `--levels ""` skips the load.
Run with `make bench-load`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks import starter_bot
from tests.support.stack import Stack, make_stack, start, stop

CONVERSATIONS = [
    ["hoi", "wat voor werk kan ik doen in de IT", "ben ik niet te oud, ik ben 52", "wat kost het",
     "dank je"],
    ["hello", "which track suits me", "I have kids, can I combine it", "do I get a laptop",
     "thanks"],
    ["hallo", "wat verdient een data-analist", "hoe lang duurt de opleiding",
     "ik heb geen diploma", "menu"],
]  # fmt: skip
LONG = ["hoi", "wat doet een data-analist", "en het salaris?", "hoe lang duurt het", "menu"]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Level:
    """What one load level measured."""

    prospects: int
    seconds: float = 0.0
    turns: list[float] = field(default_factory=list)
    errors: int = 0


async def prospect(client: httpx.AsyncClient, url: str, level: Level, *, delay: float,
                   think: float, rng: random.Random) -> None:  # fmt: skip
    """One prospect: arrives after `delay`, then talks with think time between turns."""
    await asyncio.sleep(delay)
    sender = f"load-{uuid.uuid4().hex[:10]}"
    for number, text in enumerate(rng.choice(CONVERSATIONS)):
        if number:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
        began = time.perf_counter()
        try:
            response = await client.post(url, json={"sender_id": sender, "text": text})
            ok = response.status_code == 200 and bool(response.json().get("messages"))
        except httpx.HTTPError:
            ok = False
        level.turns.append(time.perf_counter() - began)
        level.errors += not ok


async def run_level(stack: Stack, prospects: int, think: float, arrivals: float) -> Level:
    """N prospects arriving evenly over `arrivals` seconds, all talking until done."""
    level, rng = Level(prospects), random.Random(prospects)
    limits = httpx.Limits(max_connections=prospects, max_keepalive_connections=prospects)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        url = f"{stack.app_url}/api/webchat/messages"
        began = time.perf_counter()
        await asyncio.gather(*(
            prospect(client, url, level, delay=arrivals * n / prospects, think=think, rng=rng)
            for n in range(prospects)
        ))  # fmt: skip
        level.seconds = time.perf_counter() - began
    return level


def processes(root: int) -> dict[int, str]:
    """The stack's processes under `tekkie run` (pid -> a short name)."""
    found: dict[int, str] = {}
    parents = {root}
    for _ in range(4):  # tekkie run -> rasa launcher -> its workers
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if ppid in parents and pid not in found:
                found[pid] = _name(cmdline)
        parents = {root, *found}
    return found


def _name(cmdline: str) -> str:
    for key, name in (("rasa_sdk", "actions"), ("rasa_server", "rasa"), ("uvicorn", "app"),
                      ("tekkie run", "supervisor")):  # fmt: skip
        if key in cmdline:
            return name
    return cmdline.split(" ", 1)[0].rsplit("/", 1)[-1]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # clock ticks (100 per second)


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def report(level: Level, *, think: float, arrivals: float, cpu: dict[str, float],
           rss: dict[str, float]) -> None:  # fmt: skip
    """One line per level, then the processes."""
    ms = [t * 1000 for t in level.turns] or [0.0]
    offered = level.prospects * 5 / (arrivals + 4 * think)  # five turns, four pauses
    print(f"N={level.prospects:<4} think={think:g}s  turns={len(level.turns):<5} "
          f"{len(level.turns) / level.seconds:5.1f} turns/s (offered ~{offered:4.1f})  "
          f"p50={statistics.median(ms):6.0f} ms  p95={percentile(ms, 0.95):6.0f} ms  "
          f"p99={percentile(ms, 0.99):6.0f} ms  errors={level.errors}")  # fmt: skip
    print("       " + "  ".join(f"{name}: {cpu[name]:.0f} cpu-s, {rss[name]:.0f} MB"
                                for name in sorted(cpu)))  # fmt: skip


def long_conversation(stack: Stack, turns: int = 60) -> list[float]:
    """One conversation of `turns` turns back to back: each turn's time."""
    sender, timings = f"long-{uuid.uuid4().hex[:8]}", []
    for number in range(turns):
        began = time.perf_counter()
        stack.say(sender, text=LONG[number % len(LONG)])
        timings.append(time.perf_counter() - began)
    return timings


def growth(label: str, seconds: list[float]) -> float:
    """Print the median turn and turns 0-9 against 50-59; return the median in ms."""
    ms = [t * 1000 for t in seconds]
    first, last = statistics.median(ms[:10]), statistics.median(ms[50:60])
    median = statistics.median(ms)
    print(f"{label}: median turn {median:.0f} ms; turns 0-9 median {first:.0f} ms, turns 50-59 "
          f"median {last:.0f} ms ({last / first:.2f}x)")  # fmt: skip
    return median


def main() -> None:
    """Start a stack, run the levels and the long conversation, stop; then the yardstick."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="50,100,200")
    parser.add_argument("--think", type=float, default=15.0)
    parser.add_argument("--arrivals", type=float, default=60.0)
    parser.add_argument("--yardstick", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--rasa-servers", type=int, default=None, help="RASA_SERVERS")
    parser.add_argument("--database-url", help="DATABASE_URL (default: SQLite in a temp dir)")
    parser.add_argument("--redis-url", help="REDIS_URL (default: none)")
    options = parser.parse_args()
    servers = {key: str(value) for key, value in (
        ("RASA_SERVERS", options.rasa_servers), ("DATABASE_URL", options.database_url),
        ("REDIS_URL", options.redis_url), ("REDIS_KEY_PREFIX", f"bench{uuid.uuid4().hex[:8]}"),
    ) if value is not None}  # fmt: skip
    with tempfile.TemporaryDirectory() as workdir:
        stack = start(make_stack(Path(workdir), LOG_LEVEL="WARNING", DEMO_SLOTS="false", **servers))
        try:
            assert stack.process is not None
            for prospects in (int(n) for n in options.levels.split(",") if n.strip()):
                pids = processes(stack.process.pid)
                before = {pid: cpu_seconds(pid) for pid in pids}
                level = asyncio.run(run_level(stack, prospects, options.think, options.arrivals))
                cpu: dict[str, float] = {}
                rss: dict[str, float] = {}
                for pid, name in pids.items():
                    cpu[name] = cpu.get(name, 0.0) + cpu_seconds(pid) - before[pid]
                    rss[name] = rss.get(name, 0.0) + rss_mb(pid)
                report(level, think=options.think, arrivals=options.arrivals, cpu=cpu, rss=rss)
            long_conversation(stack, 5)  # warm up
            tekkie = growth("Tekkie, one conversation (web chat)", long_conversation(stack))
        finally:
            stop(stack)
    if options.yardstick:
        with starter_bot.running(starter_bot.ensure_trained()) as url:
            starter_bot.turn_times(url, 5)  # warm up
            starter = growth("starter bot (rasa init, REST)", starter_bot.turn_times(url))
        print(f"Tekkie's median turn / the starter bot's: {tekkie / starter:.2f}x")


if __name__ == "__main__":
    main()
