"""Reading a local actor's outbox: its public activities, newest first (the outbox collection)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import outbox_activities


async def count_public(conn: AsyncConnection, local_actor_id: int) -> int:
    query = select(func.count()).where(
        outbox_activities.c.local_actor_id == local_actor_id, outbox_activities.c.public
    )
    return int((await conn.execute(query)).scalar_one())


async def public_activities(
    conn: AsyncConnection, local_actor_id: int, *, offset: int, limit: int
) -> list[dict[str, Any]]:
    query = (
        select(outbox_activities.c.body)
        .where(outbox_activities.c.local_actor_id == local_actor_id, outbox_activities.c.public)
        .order_by(outbox_activities.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [json.loads(body) for body in (await conn.execute(query)).scalars()]
