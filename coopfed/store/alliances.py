"""Alliances between this co-op and other co-ops, and the co-op's own outgoing follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import alliances, following


@dataclass(frozen=True)
class Alliance:
    id: int
    coop_id: int
    remote_actor_uri: str
    direction: str  # outgoing | incoming
    state: str  # offered | active | declined | ended
    offer_activity_id: str
    created_at: datetime
    updated_at: datetime


def _alliance(row: RowMapping) -> Alliance:
    return Alliance(**{name: row[name] for name in Alliance.__dataclass_fields__})


async def get(conn: AsyncConnection, coop_id: int, remote_uri: str) -> Alliance | None:
    query = select(alliances).where(
        alliances.c.coop_id == coop_id, alliances.c.remote_actor_uri == remote_uri
    )
    row = (await conn.execute(query)).mappings().first()
    return _alliance(row) if row else None


async def get_by_offer(conn: AsyncConnection, offer_id: str) -> Alliance | None:
    query = select(alliances).where(alliances.c.offer_activity_id == offer_id)
    row = (await conn.execute(query)).mappings().first()
    return _alliance(row) if row else None


async def save(
    conn: AsyncConnection,
    *,
    coop_id: int,
    remote_uri: str,
    direction: str,
    state: str,
    offer_id: str,
    now: datetime,
) -> Alliance:
    """Insert or replace the alliance with `remote_uri` (a new offer replaces an ended one)."""
    await conn.execute(
        delete(alliances).where(
            alliances.c.coop_id == coop_id, alliances.c.remote_actor_uri == remote_uri
        )
    )
    await conn.execute(
        insert(alliances).values(
            coop_id=coop_id,
            remote_actor_uri=remote_uri,
            direction=direction,
            state=state,
            offer_activity_id=offer_id,
            created_at=now,
            updated_at=now,
        )
    )
    found = await get(conn, coop_id, remote_uri)
    assert found is not None
    return found


async def set_state(conn: AsyncConnection, alliance_id: int, state: str, now: datetime) -> None:
    await conn.execute(
        update(alliances).where(alliances.c.id == alliance_id).values(state=state, updated_at=now)
    )


async def list_alliances(conn: AsyncConnection, coop_id: int) -> list[Alliance]:
    query = select(alliances).where(alliances.c.coop_id == coop_id).order_by(alliances.c.id)
    return [_alliance(row) for row in (await conn.execute(query)).mappings()]


async def active_uris(conn: AsyncConnection, coop_id: int) -> list[str]:
    query = (
        select(alliances.c.remote_actor_uri)
        .where(alliances.c.coop_id == coop_id, alliances.c.state == "active")
        .order_by(alliances.c.id)
    )
    return list((await conn.execute(query)).scalars())


async def save_following(
    conn: AsyncConnection,
    *,
    local_actor_id: int,
    remote_actor_id: int,
    follow_id: str,
    state: str,
    now: datetime,
) -> None:
    """Our Follow of a remote actor (a new Follow replaces an earlier one)."""
    await delete_following(conn, local_actor_id=local_actor_id, remote_actor_id=remote_actor_id)
    await conn.execute(
        insert(following).values(
            local_actor_id=local_actor_id,
            remote_actor_id=remote_actor_id,
            follow_activity_id=follow_id,
            state=state,
            created_at=now,
        )
    )


async def following_id(
    conn: AsyncConnection, *, local_actor_id: int, remote_actor_id: int
) -> str | None:
    """The id of our Follow of that actor, if any."""
    query = select(following.c.follow_activity_id).where(
        following.c.local_actor_id == local_actor_id,
        following.c.remote_actor_id == remote_actor_id,
    )
    return (await conn.execute(query)).scalars().first()


async def delete_following(
    conn: AsyncConnection, *, local_actor_id: int, remote_actor_id: int
) -> None:
    await conn.execute(
        delete(following).where(
            following.c.local_actor_id == local_actor_id,
            following.c.remote_actor_id == remote_actor_id,
        )
    )
