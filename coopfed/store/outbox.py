"""The transactional outbox: published activities and their queued deliveries.

Callers pass the connection of their own unit of work, so a state change and the deliveries
that announce it commit together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.deliveries import DeliveryState
from coopfed.store.tables import deliveries, followers, outbox_activities, remote_actors


def host_of(url: str) -> str:
    """host[:port] of a URL: the unit of per-host concurrency and health."""
    return urlsplit(url).netloc.lower()


async def insert_activity(
    conn: AsyncConnection,
    *,
    local_actor_id: int,
    activity: dict[str, Any],
    public: bool,
    governance: bool,
    now: datetime,
) -> int:
    result = await conn.execute(
        insert(outbox_activities)
        .values(
            local_actor_id=local_actor_id,
            activity_uri=activity["id"],
            type=str(activity.get("type", "")),
            body=json.dumps(activity, ensure_ascii=False, separators=(",", ":")),
            public=public,
            governance=governance,
            created_at=now,
        )
        .returning(outbox_activities.c.id)
    )
    return int(result.scalar_one())


async def insert_activities(
    conn: AsyncConnection,
    *,
    local_actor_id: int,
    activities: Sequence[dict[str, Any]],
    governance: bool,
    now: datetime,
) -> list[int]:
    """Many non-public activities in one statement (per-recipient copies); row ids in order."""
    if not activities:
        return []
    rows = [
        {
            "local_actor_id": local_actor_id,
            "activity_uri": activity["id"],
            "type": str(activity.get("type", "")),
            "body": json.dumps(activity, ensure_ascii=False, separators=(",", ":")),
            "public": False,
            "governance": governance,
            "created_at": now,
        }
        for activity in activities
    ]
    statement = insert(outbox_activities).returning(
        outbox_activities.c.id, sort_by_parameter_order=True
    )
    return [int(row_id) for row_id in (await conn.execute(statement, rows)).scalars()]


async def insert_delivery_rows(
    conn: AsyncConnection, *, targets: Iterable[tuple[int, str]], now: datetime
) -> int:
    """One delivery row per (activity row, inbox), in one statement."""
    rows = [
        {
            "activity_id": activity_row_id,
            "inbox": inbox,
            "host": host_of(inbox),
            "state": DeliveryState.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for activity_row_id, inbox in dict.fromkeys(targets)
    ]
    if rows:
        await conn.execute(insert(deliveries), rows)
    return len(rows)


async def own_inboxes(conn: AsyncConnection, actor_uris: Iterable[str]) -> dict[str, str]:
    """Each stored (not deleted) remote actor's own inbox, never its server's shared one."""
    uris = list(dict.fromkeys(actor_uris))
    if not uris:
        return {}
    query = select(remote_actors.c.uri, remote_actors.c.inbox).where(
        remote_actors.c.uri.in_(uris), remote_actors.c.deleted_at.is_(None)
    )
    return {uri: inbox for uri, inbox in (await conn.execute(query)).all()}


async def insert_deliveries(
    conn: AsyncConnection, *, activity_row_id: int, inboxes: Iterable[str], now: datetime
) -> int:
    rows = [
        {
            "activity_id": activity_row_id,
            "inbox": inbox,
            "host": host_of(inbox),
            "state": DeliveryState.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for inbox in dict.fromkeys(inboxes)  # dedupe, keep order
    ]
    if rows:
        await conn.execute(insert(deliveries), rows)
    return len(rows)


async def inboxes_of_actors(
    conn: AsyncConnection, actor_uris: Iterable[str], *, shared: bool = True
) -> list[str]:
    """Inboxes to reach these remote actors: one shared inbox per server where they have one
    (`shared`), else each actor's own inbox."""
    uris = list(dict.fromkeys(actor_uris))
    if not uris:
        return []
    query = select(remote_actors.c.inbox, remote_actors.c.shared_inbox).where(
        remote_actors.c.uri.in_(uris), remote_actors.c.deleted_at.is_(None)
    )
    result = await conn.execute(query)
    if not shared:
        return list(dict.fromkeys(inbox for inbox, _ in result.all()))
    return list(dict.fromkeys(common or inbox for inbox, common in result.all()))


async def unknown_actors(conn: AsyncConnection, actor_uris: Iterable[str]) -> list[str]:
    """Those of `actor_uris` with no stored document (so no inbox to deliver to)."""
    uris = list(dict.fromkeys(actor_uris))
    if not uris:
        return []
    query = select(remote_actors.c.uri).where(remote_actors.c.uri.in_(uris))
    known = set((await conn.execute(query)).scalars())
    return [uri for uri in uris if uri not in known]


async def follower_inboxes(conn: AsyncConnection, local_actor_id: int) -> list[str]:
    """Inboxes of the accepted followers of a local actor, grouped by shared inbox."""
    query = (
        select(remote_actors.c.inbox, remote_actors.c.shared_inbox)
        .join(followers, followers.c.remote_actor_id == remote_actors.c.id)
        .where(
            followers.c.local_actor_id == local_actor_id,
            followers.c.state == "accepted",
            remote_actors.c.deleted_at.is_(None),
        )
        .order_by(followers.c.id)
    )
    result = await conn.execute(query)
    return list(dict.fromkeys(shared or inbox for inbox, shared in result.all()))
