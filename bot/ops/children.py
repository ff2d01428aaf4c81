"""One child process of `tekkie run`: its restart policy, its record, its process group.

bot/ops/supervisor.py decides when to start, restart and stop; this module holds what one
child needs for that: the backoff bookkeeping, launching it with its log, its readiness check
and signalling its whole process group (orphaned workers included).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

import httpx

from bot.ops.services import ServiceSpec
from bot.settings import PROJECT_ROOT


@dataclass
class RestartPolicy:
    """When to restart a crashed service: exponential backoff, and when to give up.

    Times are seconds on one clock (`time.monotonic()` in `tekkie run`), passed in so that
    the policy is easy to test. The backoff starts over once the service has been ready for
    `healthy_after` seconds; it gives up at `max_crashes` crashes within `window` seconds.
    """

    first_delay: float = 1.0
    max_delay: float = 30.0
    healthy_after: float = 60.0
    max_crashes: int = 5
    window: float = 300.0
    crashes: list[float] = field(default_factory=list)
    _backoffs: int = 0
    _ready_at: float | None = None

    def record_ready(self, now: float) -> None:
        """The service answered its readiness check at `now`."""
        self._ready_at = now

    def record_crash(self, now: float) -> float | None:
        """The service exited at `now`: seconds to wait before restarting it, or None: give up."""
        if self._ready_at is not None and now - self._ready_at >= self.healthy_after:
            self._backoffs = 0
        self._ready_at = None
        self.crashes = [*(t for t in self.crashes if now - t < self.window), now]
        if len(self.crashes) >= self.max_crashes:
            return None
        delay = min(self.first_delay * 2.0**self._backoffs, self.max_delay)
        self._backoffs += 1
        return delay


ServiceState = Literal["running", "restarting", "failed"]


@dataclass
class RunningService:
    """A supervised service: its current process, its log file and its restart history.

    `state` is "restarting" from a crash until the new process answers its readiness check.
    """

    spec: ServiceSpec
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes] = field(repr=False)
    policy: RestartPolicy
    started_at: float
    state: ServiceState = "running"
    attempt: int = 1
    restarts: int = 0
    last_exit_code: int | None = None
    last_restart_at: str | None = None
    restart_at: float | None = None  # while waiting to restart: when (monotonic clock)


def launch(
    spec: ServiceSpec, log_path: Path, attempt: int
) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """Start `spec` in its own process group, appending its output to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("ab")
    started = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    log_file.write(f"===== {started} starting {spec.name} (attempt {attempt}) =====\n".encode())
    log_file.flush()
    process = subprocess.Popen(
        spec.command,
        cwd=PROJECT_ROOT,
        env=spec.env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
    )
    return process, log_file


def is_ready(service: RunningService, timeout: float = 2.0) -> bool:
    """Whether the service answers its readiness check now."""
    try:
        return service.spec.ready_check(httpx.get(service.spec.ready_url, timeout=timeout))
    except (httpx.HTTPError, ValueError):  # ValueError: not the JSON the check expects
        return False


def log_tail(service: RunningService, what: str) -> str:
    """`<name> <what>`, with the last lines of the service's log."""
    service.log_file.flush()
    tail = service.log_path.read_text(errors="replace")[-2500:]
    return f"{service.spec.name} {what}; last lines of {service.log_path}:\n{tail}"


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on host:port already, so that a server could not bind it."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        return False
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do
        try:
            probe.bind(address)
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False


def signal_group(pgid: int, sig: signal.Signals) -> None:
    """Signal a whole process group, also when its leader has exited."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies not yet reaped do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not Path("/proc/self/stat").exists():
        return True
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:  # "pid (comm) state ppid pgrp ...": comm may contain anything
            state, _ppid, group = stat.read_text().rpartition(")")[2].split()[:3]
        except (OSError, ValueError):
            continue
        if group == str(pgid) and state != "Z":
            return True
    return False


def wait_group_gone(pgid: int, deadline: float) -> bool:
    """Wait until no process of the group runs; False when `deadline` (monotonic) passes first."""
    while group_alive(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
