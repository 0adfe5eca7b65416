"""Applications posted on /apply, counted per client address within a sliding window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import apply_attempts


async def count_since(conn: AsyncConnection, address: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(apply_attempts)
        .where(apply_attempts.c.address == address, apply_attempts.c.attempted_at > since)
    )
    return int((await conn.execute(query)).scalar_one())


async def record(
    conn: AsyncConnection, address: str, now: datetime, forget_before: datetime
) -> None:
    """Store one attempt, and drop attempts too old to matter any more."""
    await conn.execute(delete(apply_attempts).where(apply_attempts.c.attempted_at <= forget_before))
    await conn.execute(insert(apply_attempts).values(address=address, attempted_at=now))
