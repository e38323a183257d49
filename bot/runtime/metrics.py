"""Prometheus metrics: one `Metrics` object per bot, with a registry of its own (no globals).

The composition root creates it and hands its methods to whoever counts: the Bolt middleware
(`count_slack_request`), the IONOS requester (`observe_ionos`), the handlers
(`count_decision`), the scheduler (`count_reminder`, `observe_sweep`). Nobody else imports
prometheus_client; services count through a Protocol if they ever need to.

    regbot_slack_requests_total{kind,name}        commands by subcommand, actions by
                                                  action_id, views by callback_id, options,
                                                  events by type
    regbot_decisions_total{outcome}               approved, approval_recorded, denied, refused
    regbot_ionos_request_duration_seconds{method,status}   one observation per HTTP attempt;
                                                  status "none" when no answer came
    regbot_ionos_errors_total{kind}               unauthorized, forbidden, not_found, conflict,
                                                  rate_limited, bad_request, server_error,
                                                  no_answer
    regbot_reminders_sent_total{outcome}          e.g. sent, failed
    regbot_sweep_duration_seconds                 one observation per scheduler sweep
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.services.reminders import SweepReport

IONOS_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SWEEP_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

_ERROR_KINDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "bad_request",
    429: "rate_limited",
}


def ionos_error_kind(status: int | None) -> str | None:
    """The error kind of one IONOS attempt's outcome, or None for a success."""
    if status is None:
        return "no_answer"
    if status < 400:
        return None
    if status >= 500:
        return "server_error"
    return _ERROR_KINDS.get(status, "bad_request")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._slack = Counter(
            "regbot_slack_requests",
            "Slack requests received, by kind (command, action, view, options, event) and name",
            ["kind", "name"],
            registry=self.registry,
        )
        self._slack_children: dict[tuple[str, str], Any] = {}
        self._decisions = Counter(
            "regbot_decisions",
            "Approvers' decisions, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self._ionos_latency = Histogram(
            "regbot_ionos_request_duration_seconds",
            "IONOS API latency of each HTTP attempt, by method and status",
            ["method", "status"],
            buckets=IONOS_BUCKETS,
            registry=self.registry,
        )
        self._ionos_errors = Counter(
            "regbot_ionos_errors",
            "IONOS API attempts that failed, by kind",
            ["kind"],
            registry=self.registry,
        )
        self._reminders = Counter(
            "regbot_reminders_sent",
            "Expiry reminders, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self._sweep = Histogram(
            "regbot_sweep_duration_seconds",
            "Duration of one scheduler sweep",
            buckets=SWEEP_BUCKETS,
            registry=self.registry,
        )

    def count_slack_request(self, kind: str, name: str) -> None:
        """Once per Slack request, before its ack: the labelled child is looked up once per
        label pair (closed vocabularies, `handlers.traffic`), not on every request."""
        child = self._slack_children.get((kind, name))
        if child is None:
            child = self._slack_children[(kind, name)] = self._slack.labels(kind, name)
        child.inc()

    def count_decision(self, outcome: str) -> None:
        self._decisions.labels(outcome=outcome).inc()

    def observe_ionos(self, method: str, status: int | None, seconds: float) -> None:
        """The IONOS requester's observer: called once per HTTP attempt."""
        shown = "none" if status is None else str(status)
        self._ionos_latency.labels(method=method.upper(), status=shown).observe(seconds)
        kind = ionos_error_kind(status)
        if kind is not None:
            self._ionos_errors.labels(kind=kind).inc()

    def count_reminder(self, outcome: str) -> None:
        self._reminders.labels(outcome=outcome).inc()

    def observe_sweep(self, seconds: float) -> None:
        self._sweep.observe(seconds)

    def record_sweep(self, report: SweepReport) -> None:
        """What one sweep did: its reminders by outcome, and how long it took."""
        for outcome, count in (
            ("sent", report.reminders_sent),
            ("failed", report.reminders_failed),
            ("skipped", report.reminders_skipped),
        ):
            if count:
                self._reminders.labels(outcome=outcome).inc(count)
        self.observe_sweep(report.duration.total_seconds())

    def render(self) -> tuple[bytes, str]:
        """The registry in the Prometheus text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
