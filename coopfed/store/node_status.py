"""Read-only facts for `coopfed status`: queue depths and ages, failing peers, admin to-dos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Table, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import (
    alliances,
    applications,
    deliveries,
    equivocations,
    hosts,
    inbox_items,
    pending_recipients,
)


@dataclass(frozen=True)
class QueueDepth:
    depth: int
    oldest: datetime | None  # when the oldest waiting item arrived


@dataclass(frozen=True)
class FailingPeer:
    host: str
    consecutive_failures: int
    circuit_open_until: datetime | None
    unavailable: bool


@dataclass(frozen=True)
class AdminTodo:
    pending_applications: int
    alliance_offers: int
    equivocations: int


async def _depth(conn: AsyncConnection, table: Table, since: Any, state: str) -> QueueDepth:
    query = select(func.count(), func.min(since)).where(table.c.state == state)
    count, oldest = (await conn.execute(query)).one()
    return QueueDepth(depth=int(count), oldest=oldest)


async def queue_depths(conn: AsyncConnection) -> dict[str, QueueDepth]:
    """Work waiting in each queue: pending items and the arrival of the oldest."""
    return {
        "inbox": await _depth(conn, inbox_items, inbox_items.c.received_at, "pending"),
        "inbox_quarantined": await _depth(
            conn, inbox_items, inbox_items.c.received_at, "quarantined"
        ),
        "deliveries": await _depth(conn, deliveries, deliveries.c.created_at, "pending"),
        "deliveries_parked": await _depth(conn, deliveries, deliveries.c.created_at, "parked"),
        "pending_recipients": await _depth(
            conn, pending_recipients, pending_recipients.c.created_at, "pending"
        ),
        "pending_recipients_parked": await _depth(
            conn, pending_recipients, pending_recipients.c.created_at, "parked"
        ),
    }


async def failing_peers(conn: AsyncConnection, now: datetime, limit: int = 50) -> list[FailingPeer]:
    """Hosts with failures since their last success, an open circuit, or marked unavailable."""
    query = (
        select(hosts)
        .where(
            or_(
                hosts.c.consecutive_failures > 0,
                hosts.c.unavailable.is_(True),
                hosts.c.circuit_open_until > now,
            )
        )
        .order_by(hosts.c.consecutive_failures.desc(), hosts.c.host)
        .limit(limit)
    )
    return [
        FailingPeer(
            host=row.host,
            consecutive_failures=int(row.consecutive_failures),
            circuit_open_until=row.circuit_open_until,
            unavailable=bool(row.unavailable),
        )
        for row in (await conn.execute(query)).all()
    ]


async def _count(conn: AsyncConnection, table: Table, *conditions: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(table).where(*conditions)
    return int((await conn.execute(query)).scalar_one())


async def admin_todo(conn: AsyncConnection) -> AdminTodo:
    count = partial(_count, conn)
    return AdminTodo(
        pending_applications=await count(applications, applications.c.state == "pending"),
        alliance_offers=await count(
            alliances, alliances.c.direction == "incoming", alliances.c.state == "offered"
        ),
        equivocations=await count(equivocations),
    )
