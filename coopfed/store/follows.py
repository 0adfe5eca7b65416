"""Followers of local actors (remote → local) and follows of local actors (local → remote)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import followers, following, remote_actors


@dataclass(frozen=True)
class Follower:
    id: int
    local_actor_id: int
    remote_actor_id: int
    remote_uri: str
    follow_activity_id: str
    state: str  # pending | accepted


def _follower_query() -> Select[Any]:
    return select(
        followers.c.id,
        followers.c.local_actor_id,
        followers.c.remote_actor_id,
        remote_actors.c.uri.label("remote_uri"),
        followers.c.follow_activity_id,
        followers.c.state,
    ).join(remote_actors, remote_actors.c.id == followers.c.remote_actor_id)


async def get_follower(
    conn: AsyncConnection, local_actor_id: int, remote_actor_id: int
) -> Follower | None:
    query = _follower_query().where(
        followers.c.local_actor_id == local_actor_id,
        followers.c.remote_actor_id == remote_actor_id,
    )
    row = (await conn.execute(query)).mappings().first()
    return Follower(**row) if row else None


async def get_follower_by_follow_id(conn: AsyncConnection, follow_id: str) -> Follower | None:
    query = _follower_query().where(followers.c.follow_activity_id == follow_id)
    row = (await conn.execute(query)).mappings().first()
    return Follower(**row) if row else None


async def save_follower(
    conn: AsyncConnection,
    *,
    local_actor_id: int,
    remote_actor_id: int,
    follow_activity_id: str,
    state: str,
    now: datetime,
) -> None:
    """Insert, or update the pair's follow id and state (a re-sent Follow)."""
    existing = await get_follower(conn, local_actor_id, remote_actor_id)
    if existing is None:
        await conn.execute(
            followers.insert().values(
                local_actor_id=local_actor_id,
                remote_actor_id=remote_actor_id,
                follow_activity_id=follow_activity_id,
                state=state,
                created_at=now,
            )
        )
        return
    await conn.execute(
        update(followers)
        .where(followers.c.id == existing.id)
        .values(follow_activity_id=follow_activity_id, state=state)
    )


async def delete_follower(conn: AsyncConnection, follower_id: int) -> None:
    await conn.execute(delete(followers).where(followers.c.id == follower_id))


async def drop_follows_of_remote(conn: AsyncConnection, remote_actor_id: int) -> int:
    """Both directions; returns how many rows went."""
    gone = await conn.execute(
        delete(followers).where(followers.c.remote_actor_id == remote_actor_id)
    )
    more = await conn.execute(
        delete(following).where(following.c.remote_actor_id == remote_actor_id)
    )
    return int(gone.rowcount or 0) + int(more.rowcount or 0)


async def set_following_state(
    conn: AsyncConnection, *, follow_activity_id: str, remote_actor_id: int, state: str
) -> bool:
    """Record a remote Accept/Reject of one of our Follows; False if no such follow of theirs."""
    result = await conn.execute(
        update(following)
        .where(
            following.c.follow_activity_id == follow_activity_id,
            following.c.remote_actor_id == remote_actor_id,
        )
        .values(state=state)
    )
    return bool(result.rowcount)


async def count_followers(conn: AsyncConnection, local_actor_id: int) -> int:
    query = select(func.count()).where(
        followers.c.local_actor_id == local_actor_id, followers.c.state == "accepted"
    )
    return int((await conn.execute(query)).scalar_one())


async def follower_uris(
    conn: AsyncConnection, local_actor_id: int, *, offset: int, limit: int
) -> list[str]:
    """Accepted followers, oldest first."""
    query = (
        select(remote_actors.c.uri)
        .join(followers, followers.c.remote_actor_id == remote_actors.c.id)
        .where(followers.c.local_actor_id == local_actor_id, followers.c.state == "accepted")
        .order_by(followers.c.id)
        .offset(offset)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())


async def count_following(conn: AsyncConnection, local_actor_id: int) -> int:
    query = select(func.count()).where(
        following.c.local_actor_id == local_actor_id, following.c.state == "accepted"
    )
    return int((await conn.execute(query)).scalar_one())


async def following_uris(
    conn: AsyncConnection, local_actor_id: int, *, offset: int, limit: int
) -> list[str]:
    query = (
        select(remote_actors.c.uri)
        .join(following, following.c.remote_actor_id == remote_actors.c.id)
        .where(following.c.local_actor_id == local_actor_id, following.c.state == "accepted")
        .order_by(following.c.id)
        .offset(offset)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())
