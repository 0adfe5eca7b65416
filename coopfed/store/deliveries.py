"""The delivery queue: leasing due rows, recording outcomes, host health, listings.

Leasing (why it looks like this):
- A row is due when pending, `next_attempt_at <= now` and not leased (or its lease expired).
- Per inbox, rows go out in id order: a row is not leased while an older pending row to the
  same inbox is waiting for its backoff or is leased by someone else. A peer that answers 500
  for a while therefore receives everything, in order, once it recovers.
- PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, then the lease is set in the same transaction,
  so concurrent workers never take the same row. SQLite has one writer: a single
  `UPDATE … WHERE id IN (…) RETURNING` claims the rows atomically.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.backoff import HostHealth, format_days, parse_days
from coopfed.store.tables import deliveries, hosts, local_actors, outbox_activities

UNAVAILABLE_PREFIX = "host_unavailable:"


class DeliveryState(StrEnum):
    """A delivery row as stored (`deliveries.state`; `pending_recipients` uses PENDING and
    PARKED too). What `coopfed deliveries` and the delivery page show is derived from it
    (`failing`, `waiting` are shown words, never stored)."""

    PENDING = "pending"  # to be tried (again) at next_attempt_at
    DONE = "done"  # delivered
    PARKED = "parked"  # given up on until an admin retries it


@dataclass(frozen=True, slots=True)  # no __dict__: a fan-out holds thousands at once
class LeasedDelivery:
    id: int
    activity_row_id: int
    inbox: str
    host: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class OutboxActivity:
    id: int
    uri: str
    type: str
    body: bytes
    sender_id: int
    governance: bool


@dataclass(frozen=True)
class SenderKey:
    actor_id: int
    username: str
    rsa_private_pem: str


@dataclass
class Outcomes:
    """What one flush writes: every list is (row id, …) tuples."""

    done: list[tuple[int, int]] = field(default_factory=list)  # id, status
    # id, attempts, next attempt, status, error
    retry: list[tuple[int, int, datetime, int | None, str]] = field(default_factory=list)
    park: list[tuple[int, int, int | None, str]] = field(default_factory=list)  # id, attempts, ...
    release: list[tuple[int, datetime]] = field(default_factory=list)  # id, next attempt

    def __len__(self) -> int:
        return len(self.done) + len(self.retry) + len(self.park) + len(self.release)


def _due(now: datetime, *, fenced: bool = False) -> Any:
    older = deliveries.alias("older")
    blocking = select(older.c.id).where(
        older.c.inbox == deliveries.c.inbox,
        older.c.state == DeliveryState.PENDING,
        older.c.id < deliveries.c.id,
        or_(older.c.next_attempt_at > now, older.c.lease_until >= now),
    )
    if fenced:
        # PostgreSQL turns NOT EXISTS into an anti-join, and with statistics from before a
        # fan-out was queued (a table analyzed while small) it joins every due row against
        # every pending row: 1.4 s to lease 256 of 3,000 rows, quadratic. OFFSET 0 keeps it a
        # per-row probe of ix_deliveries_inbox_id whatever the statistics say (19 ms).
        blocking = blocking.offset(0)
    blocked_by_older = blocking.exists()
    return and_(
        deliveries.c.state == DeliveryState.PENDING,
        deliveries.c.next_attempt_at <= now,
        or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
        ~blocked_by_older,
    )


_LEASED_COLUMNS = (
    deliveries.c.id,
    deliveries.c.activity_id,
    deliveries.c.inbox,
    deliveries.c.host,
    deliveries.c.attempts,
    deliveries.c.created_at,
)


def _leased(rows: Iterable[Any]) -> list[LeasedDelivery]:
    leased = [LeasedDelivery(*row) for row in rows]
    return sorted(leased, key=lambda item: item.id)


async def lease_due(
    conn: AsyncConnection, *, now: datetime, lease_until: datetime, limit: int
) -> list[LeasedDelivery]:
    """Claim up to `limit` due rows (oldest first) until `lease_until`; call in a transaction."""
    if conn.dialect.name == "postgresql":
        query = (
            select(*_LEASED_COLUMNS)
            .where(_due(now, fenced=True))
            .order_by(deliveries.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=deliveries)
        )
        rows = (await conn.execute(query)).all()
        if rows:
            ids = [row[0] for row in rows]
            await conn.execute(
                update(deliveries).where(deliveries.c.id.in_(ids)).values(lease_until=lease_until)
            )
        return _leased(rows)
    chosen = select(deliveries.c.id).where(_due(now)).order_by(deliveries.c.id).limit(limit)
    claim = (
        update(deliveries)
        .where(deliveries.c.id.in_(chosen.scalar_subquery()))
        .values(lease_until=lease_until)
        .returning(*_LEASED_COLUMNS)
    )
    return _leased((await conn.execute(claim)).all())


async def load_activities(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, OutboxActivity]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    table = outbox_activities.c
    query = select(
        table.id, table.activity_uri, table.type, table.body, table.local_actor_id, table.governance
    ).where(table.id.in_(wanted))
    return {
        row[0]: OutboxActivity(row[0], row[1], row[2], row[3].encode(), row[4], bool(row[5]))
        for row in (await conn.execute(query)).all()
    }


async def load_sender_keys(conn: AsyncConnection, actor_ids: Iterable[int]) -> dict[int, SenderKey]:
    wanted = list(set(actor_ids))
    if not wanted:
        return {}
    table = local_actors.c
    query = select(table.id, table.username, table.rsa_private_pem).where(table.id.in_(wanted))
    return {row[0]: SenderKey(*row) for row in (await conn.execute(query)).all()}


# --- outcomes -------------------------------------------------------------------------------------

# Done rows are marked with one `UPDATE … WHERE id IN (…)` per answer status rather than one
# statement per row: each row of an executemany is a sqlite3 step, and on a busy worker every step
# waits for the GIL (the fan-out bench's feeder spent tens of ms per flush there).
_MARK_DONE = (
    update(deliveries)
    .where(deliveries.c.id.in_(bindparam("row_ids", expanding=True)))
    .values(
        state=DeliveryState.DONE,
        attempts=deliveries.c.attempts + 1,
        lease_until=None,
        delivered_at=bindparam("now"),
        last_status=bindparam("status"),
        last_error=None,
    )
)
_IDS_PER_STATEMENT = 500  # well under SQLite's bound-variable limit
_MARK_RETRY = (
    update(deliveries)
    .where(deliveries.c.id == bindparam("row_id"))
    .values(
        attempts=bindparam("n_attempts"),
        next_attempt_at=bindparam("next_at"),
        lease_until=None,
        last_status=bindparam("status"),
        last_error=bindparam("error"),
    )
)
_MARK_PARKED = (
    update(deliveries)
    .where(deliveries.c.id == bindparam("row_id"))
    .values(
        state=DeliveryState.PARKED,
        attempts=bindparam("n_attempts"),
        lease_until=None,
        last_status=bindparam("status"),
        last_error=bindparam("error"),
    )
)
_RELEASE = (
    update(deliveries)
    .where(deliveries.c.id == bindparam("row_id"))
    .values(lease_until=None, next_attempt_at=bindparam("next_at"))
)


async def record_outcomes(conn: AsyncConnection, outcomes: Outcomes, now: datetime) -> None:
    """Write a flush of outcomes: a handful of executemany statements, one transaction."""
    by_status: dict[int, list[int]] = {}
    for row_id, status in outcomes.done:
        by_status.setdefault(status, []).append(row_id)
    for status, ids in sorted(by_status.items()):
        for start in range(0, len(ids), _IDS_PER_STATEMENT):
            chunk = ids[start : start + _IDS_PER_STATEMENT]
            await conn.execute(_MARK_DONE, {"row_ids": chunk, "status": status, "now": now})
    if outcomes.retry:
        await conn.execute(
            _MARK_RETRY,
            [
                {"row_id": i, "n_attempts": n, "next_at": at, "status": s, "error": e[:1000]}
                for i, n, at, s, e in outcomes.retry
            ],
        )
    if outcomes.park:
        await conn.execute(
            _MARK_PARKED,
            [
                {"row_id": i, "n_attempts": n, "status": s, "error": e[:1000]}
                for i, n, s, e in outcomes.park
            ],
        )
    if outcomes.release:
        params = [{"row_id": i, "next_at": at} for i, at in outcomes.release]
        await conn.execute(_RELEASE, params)


# --- host health ----------------------------------------------------------------------------------


async def load_hosts(conn: AsyncConnection, names: Iterable[str]) -> dict[str, HostHealth]:
    wanted = list(set(names))
    found: dict[str, HostHealth] = {name: HostHealth(name) for name in wanted}
    if not wanted:
        return found
    for row in (await conn.execute(select(hosts).where(hosts.c.host.in_(wanted)))).mappings():
        found[row["host"]] = HostHealth(
            host=row["host"],
            consecutive_failures=row["consecutive_failures"],
            failure_days=parse_days(row["failure_days"]),
            circuit_open_until=row["circuit_open_until"],
            last_success_at=row["last_success_at"],
            unavailable=bool(row["unavailable"]),
        )
    return found


async def save_hosts(conn: AsyncConnection, healths: Sequence[HostHealth]) -> None:
    """Upsert; with several workers the last writer wins (the counters are advisory)."""
    if not healths:
        return
    rows = [
        {
            "host": health.host,
            "consecutive_failures": health.consecutive_failures,
            "failure_days": format_days(health.failure_days),
            "circuit_open_until": health.circuit_open_until,
            "last_success_at": health.last_success_at,
            "unavailable": health.unavailable,
        }
        for health in sorted(healths, key=lambda h: h.host)  # one lock order for PostgreSQL
    ]
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(hosts)
    statement = statement.on_conflict_do_update(
        index_elements=[hosts.c.host],
        set_={name: statement.excluded[name] for name in rows[0] if name != "host"},
    )
    await conn.execute(statement, rows)


async def host_contact(conn: AsyncConnection, host: str, now: datetime) -> int:
    """The host is alive (a delivery succeeded or it contacted us): reset its health and
    resend what was parked because it was unavailable; returns how many rows were unparked."""
    health = (await load_hosts(conn, [host]))[host]
    if health.consecutive_failures or health.unavailable or health.circuit_open_until:
        await save_hosts(conn, [HostHealth(host=host, last_success_at=health.last_success_at)])
    result = await conn.execute(
        update(deliveries)
        .where(
            deliveries.c.host == host,
            deliveries.c.state == DeliveryState.PARKED,
            deliveries.c.last_error.startswith(UNAVAILABLE_PREFIX),
        )
        .values(state=DeliveryState.PENDING, next_attempt_at=now, lease_until=None)
    )
    return int(result.rowcount or 0)


# --- operator actions and listings ----------------------------------------------------------


async def retry_parked(
    conn: AsyncConnection, now: datetime, *, row_id: int | None = None, host: str | None = None
) -> int:
    """Un-park by id or by host: pending now, with a fresh retry schedule (attempts 0)."""
    condition = deliveries.c.id == row_id if row_id is not None else deliveries.c.host == host
    result = await conn.execute(
        update(deliveries)
        .where(condition, deliveries.c.state == DeliveryState.PARKED)
        .values(state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, lease_until=None)
    )
    if host is not None:
        await save_hosts(conn, [HostHealth(host=host)])
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    activity_id: str
    type: str
    governance: bool
    inbox: str
    host: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


async def list_deliveries(
    conn: AsyncConnection, *, states: Sequence[str], limit: int, min_attempts: int = 0
) -> list[DeliveryRow]:
    """Rows in the stored `states`, newest first."""
    d = deliveries.c
    query = (
        select(
            d.id,
            outbox_activities.c.activity_uri.label("activity_id"),
            outbox_activities.c.type,
            outbox_activities.c.governance,
            d.inbox,
            d.host,
            d.state,
            d.attempts,
            d.next_attempt_at,
            d.last_status,
            d.last_error,
            d.created_at,
            d.delivered_at,
        )
        .join(outbox_activities, outbox_activities.c.id == d.activity_id)
        .where(d.state.in_(list(states)), d.attempts >= min_attempts)
        .order_by(d.id.desc())
        .limit(limit)
    )
    rows = (await conn.execute(query)).mappings()
    return [DeliveryRow(**{**row, "state": DeliveryState(row["state"])}) for row in rows]
