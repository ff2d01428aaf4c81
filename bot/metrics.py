"""Prometheus metrics (prometheus-client): turns, Rasa errors, backlogs, bookings, the model.

Each app process has one `Metrics` with its own registry (tests make their own). Turn times
and Rasa errors are counted as they happen (`observe_turn`, passed to the conversation
service); the backlogs, bookings and the live content version are read from the database
when Prometheus scrapes `/metrics` (bot/web/metrics.py), so every app instance reports the
same shared numbers and a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from bot.db.repositories import metrics as repo
from bot.learning.publish import live_version

CHANNELS = ("webchat", "telegram", "whatsapp")
TURN_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)


class _FromDatabase(Collector):
    """Gauges read at scrape time; a database that is down leaves them out (and says so)."""

    def __init__(self, sessions: sessionmaker[Session], model_file: Callable[[], str | None]):
        self._sessions = sessions
        self._model_file = model_file

    def collect(self) -> Iterator[GaugeMetricFamily | InfoMetricFamily]:
        up = GaugeMetricFamily("tekkie_database_up", "1 when the numbers below could be read")
        try:
            with self._sessions() as session:
                pending = repo.inbound_pending(session)
                outbox = repo.outbox_by_status(session)
                bookings = repo.bookings_by_status(session)
                content = live_version(session)
        except Exception:  # noqa: BLE001 - a scrape must answer even while the database is down
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "tekkie_inbound_pending", "Channel messages stored and not answered yet", value=pending
        )
        box = GaugeMetricFamily(
            "tekkie_outbox_messages", "Outbox messages by status", labels=["status"]
        )
        for status, count in outbox.items():
            box.add_metric([status], count)
        yield box
        booked = GaugeMetricFamily(
            "tekkie_bookings", "Intake bookings by status", labels=["status"]
        )
        for status, count in bookings.items():
            booked.add_metric([status], count)
        yield booked
        yield GaugeMetricFamily(
            "tekkie_content_version", "The staff content version prospects get", value=content
        )
        model = InfoMetricFamily("tekkie_model", "The model Rasa has loaded")
        model.add_metric([], {"model_file": self._model_file() or ""})
        yield model


class Metrics:
    """One app process's metrics."""

    def __init__(
        self, sessions: sessionmaker[Session], model_file: Callable[[], str | None],
        in_progress: Callable[[], int] | None = None,
    ) -> None:  # fmt: skip
        self.registry = CollectorRegistry()
        self._turns = Histogram(
            "tekkie_turn_seconds", "Time to answer one prospect message, by channel",
            ["channel"], buckets=TURN_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self._rasa_errors = Counter(
            "tekkie_rasa_errors", "Turns Rasa (or its action server) could not answer",
            ["channel"], registry=self.registry,
        )  # fmt: skip
        self.registry.register(_FromDatabase(sessions, model_file))
        if in_progress is not None:
            Gauge(
                "tekkie_conversations_in_turn",
                "Conversations with a turn running or waiting in this app process",
                registry=self.registry,
            ).set_function(in_progress)
        for channel in CHANNELS:  # zero from the start, so a rate() works from the first error
            self._rasa_errors.labels(channel)

    def observe_turn(self, channel: str, seconds: float, *, rasa_failed: bool) -> None:
        """One turn: how long it took, and whether Rasa failed it."""
        self._turns.labels(channel).observe(seconds)
        if rasa_failed:
            self._rasa_errors.labels(channel).inc()

    def render(self) -> bytes:
        """The text format Prometheus scrapes (reads the database: call it in a thread)."""
        return generate_latest(self.registry)
