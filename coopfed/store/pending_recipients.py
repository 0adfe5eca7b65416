"""Recipients waiting for their actor document: addressed at publish time, inbox unknown.

`publish` records one row per (activity, actor) in the caller's transaction; the worker job
(`services.recipients`) leases due actors, fetches each and then turns every row waiting
for that actor into ordinary delivery rows. Leasing works as for deliveries: PostgreSQL
`FOR UPDATE SKIP LOCKED`, SQLite one `UPDATE … RETURNING`.

Backoff is per actor, not per row: an actor's waiting rows share one schedule (a new row
joins it, a failed fetch moves them all), so an unreachable actor with hundreds of waiting
activities costs one fetch per attempt, not one per activity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.deliveries import DeliveryState
from coopfed.store.outbox import host_of
from coopfed.store.tables import deliveries, outbox_activities, pending_recipients

table = pending_recipients.c


@dataclass(frozen=True)
class PendingRecipient:
    id: int
    activity_row_id: int
    actor_uri: str
    attempts: int
    created_at: datetime
    governance: bool


async def insert_recipients(
    conn: AsyncConnection, *, activity_row_id: int, actor_uris: Iterable[str], now: datetime
) -> int:
    uris = list(dict.fromkeys(actor_uris))
    schedules = await _schedules(conn, uris)
    rows = [
        {
            "activity_id": activity_row_id,
            "actor_uri": uri,
            "host": host_of(uri),
            "state": DeliveryState.PENDING,
            "attempts": schedules.get(uri, (0, now))[0],
            "next_attempt_at": max(schedules.get(uri, (0, now))[1], now),
            "created_at": now,
        }
        for uri in uris
    ]
    if rows:
        await conn.execute(insert(pending_recipients), rows)
    return len(rows)


async def _schedules(conn: AsyncConnection, uris: Sequence[str]) -> dict[str, tuple[int, datetime]]:
    """(failed fetches, next attempt) of actors that already have waiting rows: a new row
    joins that schedule instead of triggering a fetch of its own."""
    if not uris:
        return {}
    query = (
        select(table.actor_uri, func.max(table.attempts), func.max(table.next_attempt_at))
        .where(table.state == DeliveryState.PENDING, table.actor_uri.in_(list(uris)))
        .group_by(table.actor_uri)
    )
    return {row[0]: (row[1], row[2]) for row in (await conn.execute(query)).all()}


def _due(now: datetime) -> Any:
    return (
        (table.state == DeliveryState.PENDING)
        & (table.next_attempt_at <= now)
        & or_(table.lease_until.is_(None), table.lease_until < now)
    )


async def lease_due(
    conn: AsyncConnection, *, now: datetime, lease_until: datetime, limit: int
) -> list[PendingRecipient]:
    """Claim every free waiting row of up to `limit` actors with a due row (longest waiting
    first) until `lease_until`, so one fetch serves all of an actor's rows and no other
    worker fetches the same actor meanwhile; call in a transaction."""
    due_actors = (
        select(table.actor_uri)
        .where(_due(now))
        .group_by(table.actor_uri)
        .order_by(func.min(table.id))
        .limit(limit)
    )
    free = or_(table.lease_until.is_(None), table.lease_until < now)
    chosen = select(table.id).where(
        table.state == DeliveryState.PENDING,
        free,
        table.actor_uri.in_(due_actors.scalar_subquery()),
    )
    claim = update(pending_recipients).values(lease_until=lease_until).returning(table.id)
    if conn.dialect.name == "postgresql":
        locked = list((await conn.execute(chosen.with_for_update(skip_locked=True))).scalars())
        if not locked:
            return []
        claim = claim.where(table.id.in_(locked))
    else:  # one writer: the sub-select and the update are one atomic statement
        claim = claim.where(table.id.in_(chosen.scalar_subquery()))
    claimed = list((await conn.execute(claim)).scalars())
    if not claimed:
        return []
    return await _recipients(conn, table.id.in_(claimed))


async def waiting_for(conn: AsyncConnection, actor_uri: str) -> list[PendingRecipient]:
    """Every waiting (not parked) row of one actor, leased or not: they share its schedule."""
    return await _recipients(
        conn, (table.actor_uri == actor_uri) & (table.state == DeliveryState.PENDING)
    )


async def _recipients(conn: AsyncConnection, condition: Any) -> list[PendingRecipient]:
    query = (
        select(
            table.id,
            table.activity_id,
            table.actor_uri,
            table.attempts,
            table.created_at,
            outbox_activities.c.governance,
        )
        .join(outbox_activities, outbox_activities.c.id == table.activity_id)
        .where(condition)
        .order_by(table.id)
    )
    return [
        PendingRecipient(row[0], row[1], row[2], row[3], row[4], bool(row[5]))
        for row in (await conn.execute(query)).all()
    ]


async def waiting_bodies(conn: AsyncConnection, actor_uri: str) -> dict[int, str]:
    """The stored bodies of the activities waiting for this actor, by activity row."""
    query = (
        select(outbox_activities.c.id, outbox_activities.c.body)
        .join(pending_recipients, table.activity_id == outbox_activities.c.id)
        .where(table.actor_uri == actor_uri, table.state == DeliveryState.PENDING)
    )
    return {row[0]: row[1] for row in (await conn.execute(query)).all()}


async def resolve(
    conn: AsyncConnection,
    *,
    actor_uri: str,
    inboxes: Sequence[str],
    now: datetime,
    own_inboxes: Sequence[str] = (),
    personal: Iterable[int] = (),
) -> int:
    """The actor's inbox is known now: queue a delivery per waiting activity (skipping an
    inbox the activity already goes to, e.g. a shared inbox) and forget the waiting rows.
    Activities in `personal` (copies for this actor alone) go to `own_inboxes` instead.
    Returns how many delivery rows were added."""
    waiting = select(table.id, table.activity_id).where(
        table.actor_uri == actor_uri, table.state == DeliveryState.PENDING
    )
    rows = (await conn.execute(waiting)).all()
    if not rows:
        return 0
    alone = set(personal)
    values = [
        {
            "activity_id": activity_id,
            "inbox": inbox,
            "host": host_of(inbox),
            "state": DeliveryState.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for activity_id in dict.fromkeys(row[1] for row in rows)
        for inbox in dict.fromkeys(own_inboxes if activity_id in alone else inboxes)
    ]
    added = 0
    if values:
        dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        statement = dialect_insert(deliveries).on_conflict_do_nothing(
            index_elements=[deliveries.c.activity_id, deliveries.c.inbox]
        )
        result = await conn.execute(statement.returning(deliveries.c.id), values)
        added = len(result.all())
    await forget(conn, [row[0] for row in rows])
    return added


async def forget(conn: AsyncConnection, ids: Iterable[int]) -> None:
    wanted = list(ids)
    if wanted:
        await conn.execute(delete(pending_recipients).where(table.id.in_(wanted)))


_RETRY = (
    update(pending_recipients)
    .where(table.id == bindparam("row_id"))
    .values(
        state=bindparam("new_state"),
        attempts=bindparam("n_attempts"),
        next_attempt_at=bindparam("next_at"),
        lease_until=None,
        last_error=bindparam("error"),
    )
)


async def retry_parked(conn: AsyncConnection, now: datetime, *, host: str) -> int:
    """Un-park every recipient on `host`: pending now, with a fresh schedule (attempts 0)."""
    result = await conn.execute(
        update(pending_recipients)
        .where(table.host == host, table.state == DeliveryState.PARKED)
        .values(state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, lease_until=None)
    )
    return int(result.rowcount or 0)


async def record_failures(
    conn: AsyncConnection, outcomes: Sequence[tuple[int, str, int, datetime, str]]
) -> None:
    """(row id, new state pending|parked, attempts, next attempt, error) per row."""
    if outcomes:
        params = [
            {"row_id": i, "new_state": s, "n_attempts": n, "next_at": at, "error": e[:1000]}
            for i, s, n, at, e in outcomes
        ]
        await conn.execute(_RETRY, params)


async def release(conn: AsyncConnection, ids: Iterable[int], next_at: datetime) -> None:
    """Give leased rows back untried (the host's fetch budget is spent for now)."""
    wanted = list(ids)
    if wanted:
        await conn.execute(
            update(pending_recipients)
            .where(table.id.in_(wanted))
            .values(lease_until=None, next_attempt_at=next_at)
        )


@dataclass(frozen=True)
class WaitingRow:
    id: int
    activity_id: str
    actor_uri: str
    state: DeliveryState  # PENDING or PARKED
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime


async def list_waiting(
    conn: AsyncConnection, *, states: Sequence[str], limit: int
) -> list[WaitingRow]:
    """Rows in `states` (pending | parked), newest first, with their activity's IRI."""
    query = (
        select(
            table.id,
            outbox_activities.c.activity_uri.label("activity_id"),
            table.actor_uri,
            table.state,
            table.attempts,
            table.next_attempt_at,
            table.last_error,
            table.created_at,
        )
        .join(outbox_activities, outbox_activities.c.id == table.activity_id)
        .where(table.state.in_(list(states)))
        .order_by(table.id.desc())
        .limit(limit)
    )
    rows = (await conn.execute(query)).mappings()
    return [WaitingRow(**{**row, "state": DeliveryState(row["state"])}) for row in rows]
