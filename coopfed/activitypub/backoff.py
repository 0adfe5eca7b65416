"""Delivery retry policy: when to try again, when to stop, and when a host needs a rest.

Pure functions over plain values (no clock, no database): the delivery job passes `now`.

- Schedule (Mastodon's): the delay after the n-th failed attempt is n⁴ + 15 s, plus up to 20 %
  jitter, capped at 12 h. 16 attempts take about 48 h; an ordinary delivery is parked only when
  it has had 16 attempts AND is at least 48 h old, so the promised horizon holds whatever the
  jitter and whatever `Retry-After` said.
- Governance deliveries (allied co-ops, results) are never dropped: past the horizon they stay
  pending and are retried every 12 h (the cap), shown as parked-and-retrying by
  `coopfed deliveries` (see `is_overdue`).
- `time_scale` multiplies every duration (delays, cap, horizon, circuit window). It is 1.0 in
  production; tests shrink it to watch a two-day schedule in seconds.
- No retry on 4xx except 408 and 429; `Retry-After` (seconds or HTTP date) replaces the
  schedule's delay for that attempt, within [1 s, cap].
- Per-host circuit breaker: 10 consecutive failures open it for 60 s.
- A host that failed on 7 distinct UTC days with no success since is unavailable: its deliveries
  are parked, not attempted, until a success or an incoming contact resets it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 15.0
    cap_seconds: float = 12 * 3600.0
    jitter_fraction: float = 0.2
    max_attempts: int = 16
    horizon_seconds: float = 48 * 3600.0
    min_retry_after_seconds: float = 1.0
    circuit_threshold: int = 10
    circuit_open_seconds: float = 60.0
    unavailable_after_days: int = 7
    time_scale: float = 1.0

    def scaled(self, seconds: float) -> timedelta:
        return timedelta(seconds=seconds * self.time_scale)

    @property
    def cap(self) -> timedelta:
        return self.scaled(self.cap_seconds)

    @property
    def horizon(self) -> timedelta:
        return self.scaled(self.horizon_seconds)


def retry_delay(policy: RetryPolicy, attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before the next try, after `attempts` (≥ 1) failed attempts."""
    seconds = min(attempts**4 + policy.base_seconds, policy.cap_seconds)
    jitter = (rng or random).uniform(0, policy.jitter_fraction) if policy.jitter_fraction else 0.0
    return min(policy.scaled(seconds * (1 + jitter)), policy.cap)


def should_retry(status: int | None) -> bool:
    """Whether a failed attempt is worth repeating; None means no HTTP answer (network)."""
    if status is None:
        return True
    if 400 <= status < 500:
        return status in RETRYABLE_CLIENT_STATUSES
    return status >= 500


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """`Retry-After: 120` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`; None if absent/bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text[:9]))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(moment - now, timedelta(0))


def next_delay(
    policy: RetryPolicy,
    attempts: int,
    retry_after: timedelta | None,
    rng: random.Random | None = None,
) -> timedelta:
    """The schedule's delay, or the peer's Retry-After within [min, cap] when it gave one."""
    if retry_after is None:
        return retry_delay(policy, attempts, rng)
    floor = timedelta(seconds=policy.min_retry_after_seconds)
    return min(max(retry_after, floor), policy.cap)


def past_horizon(policy: RetryPolicy, attempts: int, created_at: datetime, now: datetime) -> bool:
    """Both conditions: enough attempts, and the promised time has gone by."""
    return attempts >= policy.max_attempts and now - created_at >= policy.horizon


def should_park(
    policy: RetryPolicy, attempts: int, created_at: datetime, now: datetime, governance: bool
) -> bool:
    """After a retryable failure: give up on an ordinary delivery past the horizon."""
    return not governance and past_horizon(policy, attempts, created_at, now)


def is_overdue(
    policy: RetryPolicy, attempts: int, created_at: datetime, now: datetime, governance: bool
) -> bool:
    """A governance delivery past the horizon: still retried, shown as parked-and-retrying."""
    return governance and past_horizon(policy, attempts, created_at, now)


# --- host health ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostHealth:
    host: str
    consecutive_failures: int = 0
    failure_days: tuple[date, ...] = ()  # distinct UTC days with failures since the last success
    circuit_open_until: datetime | None = None
    last_success_at: datetime | None = None
    unavailable: bool = False

    def circuit_open(self, now: datetime) -> bool:
        return self.circuit_open_until is not None and now < self.circuit_open_until


def after_failure(policy: RetryPolicy, health: HostHealth, now: datetime) -> HostHealth:
    failures = health.consecutive_failures + 1
    today = now.date()
    days = health.failure_days if today in health.failure_days else (*health.failure_days, today)
    days = days[-policy.unavailable_after_days :]
    circuit = health.circuit_open_until
    if failures >= policy.circuit_threshold:
        # Reopened by every failure past the threshold: one probe per window while it is down.
        circuit = now + policy.scaled(policy.circuit_open_seconds)
    return replace(
        health,
        consecutive_failures=failures,
        failure_days=days,
        circuit_open_until=circuit,
        unavailable=health.unavailable or len(days) >= policy.unavailable_after_days,
    )


def after_success(health: HostHealth, now: datetime) -> HostHealth:
    return HostHealth(host=health.host, last_success_at=now)


def format_days(days: tuple[date, ...]) -> str:
    return ",".join(day.isoformat() for day in days)


def parse_days(text: str) -> tuple[date, ...]:
    days: list[date] = []
    for part in text.split(","):
        try:
            days.append(date.fromisoformat(part.strip()))
        except ValueError:
            continue
    return tuple(days)
