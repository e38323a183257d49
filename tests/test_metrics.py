"""Metrics: each `Metrics` owns its registry; the text page parses; the IONOS observer sees
every HTTP attempt of the real client against the stand-in; Slack requests get bounded
labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from bot.devtools.ionos import FakeIonos, serve_fake_ionos
from bot.ionos.client import IonosClient, auth_from
from bot.ionos.errors import IonosUnavailable, Unauthorized
from bot.ionos.retry import RetryPolicy
from bot.runtime.metrics import Metrics, ionos_error_kind
from bot.services.reminders import SweepReport
from handlers.ids import ActionId, Callback
from handlers.traffic import classify


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the rendered page, keyed by (name, labels) — parsed, not grepped."""
    body, content_type = metrics.render()
    assert content_type.startswith("text/plain")
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return samples(metrics).get((name, frozenset(labels.items())), 0.0)


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.count_reminder("sent")
    assert value(first, "regbot_reminders_sent_total", outcome="sent") == 1
    assert value(second, "regbot_reminders_sent_total", outcome="sent") == 0


def test_the_scheduler_and_decision_counters() -> None:
    metrics = Metrics()
    metrics.count_reminder("sent")
    metrics.count_reminder("sent")
    metrics.count_reminder("failed")
    metrics.observe_sweep(0.3)
    metrics.observe_sweep(42.0)
    metrics.count_decision("approved")
    metrics.count_decision("denied")

    assert value(metrics, "regbot_reminders_sent_total", outcome="sent") == 2
    assert value(metrics, "regbot_reminders_sent_total", outcome="failed") == 1
    assert value(metrics, "regbot_sweep_duration_seconds_count") == 2
    assert value(metrics, "regbot_sweep_duration_seconds_sum") == pytest.approx(42.3)
    assert value(metrics, "regbot_sweep_duration_seconds_bucket", le="0.5") == 1
    assert value(metrics, "regbot_decisions_total", outcome="approved") == 1
    assert value(metrics, "regbot_decisions_total", outcome="denied") == 1


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, None),
        (204, None),
        (400, "bad_request"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "conflict"),
        (418, "bad_request"),
        (422, "bad_request"),
        (429, "rate_limited"),
        (503, "server_error"),
        (None, "no_answer"),
    ],
)
def test_ionos_error_kinds(status: int | None, kind: str | None) -> None:
    assert ionos_error_kind(status) == kind


async def test_the_ionos_observer_sees_every_attempt_of_the_real_client() -> None:
    fake = FakeIonos()
    fake.add_registry("team-registry")
    metrics = Metrics()
    async with serve_fake_ionos(fake) as url:
        good = IonosClient(
            url, auth_from(SecretStr("fake-token"), None, None), observe=metrics.observe_ionos
        )
        bad = IonosClient(
            url,
            auth_from(SecretStr("wrong-token"), None, None),
            retry=RetryPolicy.none(),
            observe=metrics.observe_ionos,
        )
        async with good, bad:
            await good.list_registries()
            await good.list_registries()
            with pytest.raises(Unauthorized):
                await bad.list_registries()

    assert (
        value(metrics, "regbot_ionos_request_duration_seconds_count", method="GET", status="200")
        == 2
    )
    assert (
        value(metrics, "regbot_ionos_request_duration_seconds_count", method="GET", status="401")
        == 1
    )
    assert value(metrics, "regbot_ionos_errors_total", kind="unauthorized") == 1
    assert value(metrics, "regbot_ionos_errors_total", kind="no_answer") == 0


async def test_an_unreachable_ionos_is_observed_as_no_answer() -> None:
    fake = FakeIonos()
    async with serve_fake_ionos(fake) as url:
        pass  # served and stopped: nothing listens on that port any more
    metrics = Metrics()
    client = IonosClient(
        url,
        auth_from(SecretStr("fake-token"), None, None),
        retry=RetryPolicy.none(),
        observe=metrics.observe_ionos,
    )
    async with client:
        with pytest.raises(IonosUnavailable):
            await client.list_registries()
    assert value(metrics, "regbot_ionos_errors_total", kind="no_answer") == 1
    assert (
        value(metrics, "regbot_ionos_request_duration_seconds_count", method="GET", status="none")
        == 1
    )


def _command(text: str) -> dict[str, Any]:
    return {"command": "/regtoken", "text": text, "user_id": "UDEV"}


@pytest.mark.parametrize(
    ("body", "labels"),
    [
        (_command(""), ("command", "help")),
        (_command("LIST team-registry"), ("command", "list")),
        (_command("request"), ("command", "request")),
        (_command("steal-all-the-tokens now"), ("command", "other")),
        (
            {"type": "block_actions", "actions": [{"action_id": ActionId.APPROVE.value}]},
            ("action", "regbot.approve"),
        ),
        ({"type": "block_actions", "actions": [{"action_id": "made.up"}]}, ("action", "other")),
        (
            {"type": "view_submission", "view": {"callback_id": Callback.REQUEST_MODAL.value}},
            ("view", "regbot.request"),
        ),
        (
            {"type": "view_closed", "view": {"callback_id": Callback.REVIEW_MODAL.value}},
            ("view_closed", "regbot.review"),
        ),
        (
            {"type": "block_suggestion", "action_id": ActionId.REGISTRY.value},
            ("options", "regbot.registry"),
        ),
        (
            {"type": "event_callback", "event": {"type": "app_home_opened"}},
            ("event", "app_home_opened"),
        ),
        ({"type": "url_verification"}, ("other", "other")),
    ],
)
def test_slack_requests_are_labelled_from_closed_vocabularies(
    body: dict[str, Any], labels: tuple[str, str]
) -> None:
    assert classify(body) == labels


def test_a_sweep_report_feeds_reminders_and_duration() -> None:
    metrics = Metrics()
    report = SweepReport(
        started=datetime(2026, 11, 26, tzinfo=UTC),
        reminders_sent=3,
        reminders_failed=1,
        duration=timedelta(seconds=2.5),
    )
    metrics.record_sweep(report)
    assert value(metrics, "regbot_reminders_sent_total", outcome="sent") == 3
    assert value(metrics, "regbot_reminders_sent_total", outcome="failed") == 1
    assert value(metrics, "regbot_sweep_duration_seconds_sum") == pytest.approx(2.5)
