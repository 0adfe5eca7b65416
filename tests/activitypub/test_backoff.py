"""The retry policy: schedule, horizon, Retry-After, statuses, circuit breaker, host health."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from coopfed.activitypub import backoff
from coopfed.activitypub.backoff import HostHealth, RetryPolicy

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
EXACT = RetryPolicy(jitter_fraction=0.0)


def test_schedule_is_mastodons_n4_plus_15_capped() -> None:
    delays = [backoff.retry_delay(EXACT, n).total_seconds() for n in (1, 2, 3, 10, 14, 15, 20)]
    assert delays == [16, 31, 96, 10015, 38431, 43200, 43200]


def test_jitter_stays_within_twenty_percent() -> None:
    rng = random.Random(7)
    for attempts in range(1, 16):
        exact = backoff.retry_delay(EXACT, attempts)
        jittered = backoff.retry_delay(RetryPolicy(), attempts, rng)
        assert exact <= jittered <= min(exact * 1.2, RetryPolicy().cap)


def test_sixteen_attempts_span_at_least_the_48_hour_horizon() -> None:
    total = sum((backoff.retry_delay(EXACT, n) for n in range(1, 16)), timedelta())
    assert total >= timedelta(hours=45)  # the age condition covers the rest
    assert EXACT.horizon == timedelta(hours=48)


def test_horizon_needs_both_attempts_and_age() -> None:
    created = NOW - timedelta(hours=49)
    assert backoff.should_park(EXACT, 16, created, NOW, governance=False)
    assert not backoff.should_park(EXACT, 15, created, NOW, governance=False)
    assert not backoff.should_park(EXACT, 16, NOW - timedelta(hours=47), NOW, governance=False)
    assert not backoff.should_park(EXACT, 99, created, NOW, governance=True)
    assert backoff.is_overdue(EXACT, 16, created, NOW, governance=True)
    assert not backoff.is_overdue(EXACT, 16, created, NOW, governance=False)


def test_time_scale_shrinks_every_duration() -> None:
    fast = RetryPolicy(jitter_fraction=0.0, time_scale=0.01)
    assert backoff.retry_delay(fast, 1) == timedelta(seconds=0.16)
    assert fast.horizon == timedelta(hours=0.48) and fast.cap == timedelta(seconds=432)


def test_which_statuses_are_retried() -> None:
    assert backoff.should_retry(None)
    assert all(backoff.should_retry(status) for status in (408, 429, 500, 502, 503, 504))
    assert not any(backoff.should_retry(status) for status in (400, 401, 403, 404, 410, 422))


def test_retry_after_seconds_and_http_date() -> None:
    assert backoff.parse_retry_after("120", NOW) == timedelta(seconds=120)
    later = "Thu, 26 Nov 2026 12:05:00 GMT"
    assert backoff.parse_retry_after(later, NOW) == timedelta(minutes=5)
    assert backoff.parse_retry_after("Thu, 26 Nov 2026 11:00:00 GMT", NOW) == timedelta(0)
    assert backoff.parse_retry_after("soon", NOW) is None
    assert backoff.parse_retry_after(None, NOW) is None


def test_retry_after_replaces_the_schedule_within_bounds() -> None:
    assert backoff.next_delay(EXACT, 1, timedelta(seconds=120)) == timedelta(seconds=120)
    assert backoff.next_delay(EXACT, 1, timedelta(0)) == timedelta(seconds=1)
    assert backoff.next_delay(EXACT, 1, timedelta(days=9)) == EXACT.cap
    assert backoff.next_delay(EXACT, 2, None) == timedelta(seconds=31)


def test_circuit_opens_after_ten_consecutive_failures_and_success_resets() -> None:
    health = HostHealth("peer.example")
    for _ in range(9):
        health = backoff.after_failure(EXACT, health, NOW)
    assert not health.circuit_open(NOW)
    health = backoff.after_failure(EXACT, health, NOW)
    assert health.circuit_open(NOW) and health.circuit_open_until == NOW + timedelta(seconds=60)
    assert not health.circuit_open(NOW + timedelta(seconds=60))
    probe_failed = backoff.after_failure(EXACT, health, NOW + timedelta(seconds=61))
    assert probe_failed.circuit_open(NOW + timedelta(seconds=62))  # one probe per window
    healthy = backoff.after_success(probe_failed, NOW)
    assert healthy == HostHealth("peer.example", last_success_at=NOW)


def test_unavailable_after_failures_on_seven_distinct_days() -> None:
    health = HostHealth("peer.example")
    for day in range(6):
        for hour in (0, 6):  # several failures a day count once
            health = backoff.after_failure(EXACT, health, NOW + timedelta(days=day, hours=hour))
    assert len(health.failure_days) == 6 and not health.unavailable
    health = backoff.after_failure(EXACT, health, NOW + timedelta(days=6))
    assert health.unavailable
    assert backoff.parse_days(backoff.format_days(health.failure_days)) == health.failure_days
    assert not backoff.after_success(health, NOW + timedelta(days=7)).unavailable
