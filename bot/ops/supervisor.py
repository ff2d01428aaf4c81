"""Start, watch, restart and stop Tekkie's processes for `tekkie run` (see bot/ops/services.py).

What one child process needs (restart policy, launch, readiness, its process group) is in
bot/ops/children.py; this module runs them together and keeps the status file for /health.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bot.ops.children import (
    RestartPolicy,
    RunningService,
    ServiceState,
    group_alive,
    is_ready,
    launch,
    log_tail,
    port_in_use,
    signal_group,
    wait_group_gone,
)
from bot.ops.services import ServiceSpec

__all__ = [
    "STATUS_FILE",
    "EventKind",
    "RestartPolicy",
    "RunningService",
    "ServiceError",
    "ServiceState",
    "Supervisor",
    "SupervisorEvent",
    "load_status",
    "port_in_use",
]
STATUS_FILE = "supervisor.json"  # in the runtime directory, read by /health


EventKind = Literal["crashed", "restarted", "recovered", "failed"]


@dataclass(frozen=True)
class SupervisorEvent:
    """Something that happened to a supervised service, worth telling the user."""

    service: str
    kind: EventKind
    message: str


def load_status(runtime_dir: Path) -> dict[str, Any] | None:
    """What `tekkie run` last wrote about its services, or None when it is not supervising.

    Per service: state ("running", "restarting" or "failed"), restarts, last_exit_code,
    last_restart_at (ISO time or None) and pid.
    """
    try:
        status = json.loads((runtime_dir / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None


class ServiceError(RuntimeError):
    """A service failed to start or stopped unexpectedly."""


class Supervisor:
    """Runs services, each in its own process group; restarts crashed ones; stops them all.

    It keeps `<log_dir>/supervisor.json` up to date for /health (see `load_status`).
    """

    def __init__(
        self,
        log_dir: Path,
        policy: Callable[[], RestartPolicy] = RestartPolicy,
        port_wait: float = 10.0,
    ) -> None:
        self.log_dir = log_dir
        self.status_path = log_dir / STATUS_FILE
        self.running: list[RunningService] = []
        self._new_policy = policy
        self._port_wait = port_wait  # how long a restart waits for the old port to be freed
        self._wrote_status = False

    def start(self, spec: ServiceSpec) -> RunningService:
        """Start one service in the background, appending to `<log_dir>/<name>.log`.

        Raises ServiceError at once when its port is taken (say, by an orphan of a crashed run).
        """
        if port_in_use(spec.host, spec.port):
            raise ServiceError(
                f"port {spec.port} ({spec.name}) is already in use — is another Tekkie running? "
                f"Stop it (`lsof -i :{spec.port}` shows what holds the port) and try again."
            )
        log_path = self.log_dir / f"{spec.name}.log"
        process, log_file = launch(spec, log_path, attempt=1)
        service = RunningService(
            spec, process, log_path, log_file, self._new_policy(), time.monotonic()
        )
        self.running.append(service)
        self._write_status()
        return service

    def wait_ready(self, services: Iterable[RunningService]) -> None:
        """Block until every service answers its readiness check, or raise with its log tail."""
        for service in services:
            deadline = time.monotonic() + service.spec.startup_timeout
            while not is_ready(service):
                if service.process.poll() is not None:
                    raise ServiceError(log_tail(service, "stopped during start-up"))
                if time.monotonic() > deadline:
                    raise ServiceError(log_tail(service, "did not become ready in time"))
                time.sleep(0.25)
            service.policy.record_ready(time.monotonic())

    def check_and_restart(self, now: float) -> list[SupervisorEvent]:
        """One supervision step, quick enough to call every half second with the monotonic time.

        Notices services that exited (or never became ready again), kills what is left of
        their process group and restarts them after the policy's backoff. A "failed" event
        means the policy gave up, or the old port stayed taken: the caller should stop.
        """
        events: list[SupervisorEvent] = []
        for service in self.running:
            event: SupervisorEvent | None = None
            if service.state == "failed":
                continue
            if service.restart_at is not None:
                if now >= service.restart_at:
                    event = self._restart(service, now)
            elif (code := service.process.poll()) is not None:
                event = self._crashed(service, now, f"exited with code {code}", code)
            elif service.state == "restarting":
                if is_ready(service, timeout=0.5):
                    service.state = "running"
                    service.policy.record_ready(now)
                    event = _event(service, "recovered", f"{service.spec.name} is ready again")
                elif now - service.started_at > service.spec.startup_timeout:
                    event = self._crashed(service, now, "did not become ready in time", None)
            if event is not None:
                events.append(event)
                self._write_status()
        return events

    def stop_all(self, timeout: float = 15.0) -> None:
        """Stop every service: SIGTERM to each whole process group, SIGKILL after `timeout`.

        Returns once no process of any group is left (orphaned workers included).
        """
        for service in reversed(self.running):
            signal_group(service.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for service in reversed(self.running):
            with contextlib.suppress(subprocess.TimeoutExpired):
                service.process.wait(max(0.1, deadline - time.monotonic()))
            if not wait_group_gone(service.process.pid, deadline):
                signal_group(service.process.pid, signal.SIGKILL)
                service.process.wait()
                wait_group_gone(service.process.pid, time.monotonic() + 5.0)
            service.log_file.close()
        self.running.clear()
        if self._wrote_status:  # not another instance's file, when this one failed to start
            self.status_path.unlink(missing_ok=True)

    def _crashed(
        self, service: RunningService, now: float, what: str, code: int | None
    ) -> SupervisorEvent:
        name = service.spec.name
        service.last_exit_code = code
        signal_group(service.process.pid, signal.SIGKILL)  # its orphaned workers, if any
        with contextlib.suppress(subprocess.TimeoutExpired):
            service.process.wait(5.0)
        service.log_file.close()
        delay = service.policy.record_crash(now)
        if delay is None:
            service.state = "failed"
            return _event(
                service,
                "failed",
                f"{name} {what}: {len(service.policy.crashes)} crashes within "
                f"{service.policy.window / 60:g} minutes, giving up; see {service.log_path}",
            )
        service.state = "restarting"
        service.restart_at = now + delay
        return _event(
            service,
            "crashed",
            f"{name} {what}; restarting in {delay:g} s (log: {service.log_path})",
        )

    def _restart(self, service: RunningService, now: float) -> SupervisorEvent | None:
        spec = service.spec
        assert service.restart_at is not None
        if group_alive(service.process.pid) or port_in_use(spec.host, spec.port):
            if now - service.restart_at < self._port_wait:
                signal_group(service.process.pid, signal.SIGKILL)
                return None  # try again at the next step
            service.state = "failed"
            return _event(
                service,
                "failed",
                f"port {spec.port} ({spec.name}) is still in use {self._port_wait:g} s after "
                f"{spec.name} crashed — is another Tekkie running? See {service.log_path}",
            )
        service.attempt += 1
        try:
            service.process, service.log_file = launch(spec, service.log_path, service.attempt)
        except OSError as error:
            service.state = "failed"
            return _event(service, "failed", f"{spec.name} could not be restarted: {error}")
        service.restarts += 1
        service.started_at = now
        service.restart_at = None
        service.last_restart_at = datetime.now(UTC).isoformat(timespec="seconds")
        return _event(service, "restarted", f"{spec.name} restarted (attempt {service.attempt})")

    def _write_status(self) -> None:
        status = {
            service.spec.name: {
                "state": service.state,
                "restarts": service.restarts,
                "last_exit_code": service.last_exit_code,
                "last_restart_at": service.last_restart_at,
                "pid": service.process.pid,
            }
            for service in self.running
        }
        self.log_dir.mkdir(parents=True, exist_ok=True)
        temporary = self.status_path.with_name(f".{STATUS_FILE}.tmp")
        temporary.write_text(json.dumps(status, indent=2), encoding="utf-8")
        temporary.replace(self.status_path)  # atomic, like os.replace
        self._wrote_status = True


def _event(service: RunningService, kind: EventKind, message: str) -> SupervisorEvent:
    return SupervisorEvent(service.spec.name, kind, message)
