"""Failed sign-ins, counted per key ("addr:…", "user:…") within a sliding window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import login_failures


async def count_since(conn: AsyncConnection, key: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(login_failures)
        .where(login_failures.c.key == key, login_failures.c.failed_at > since)
    )
    return int((await conn.execute(query)).scalar_one())


async def record(
    conn: AsyncConnection, keys: Sequence[str], now: datetime, forget_before: datetime
) -> None:
    """Store one failure under each key, and drop failures too old to matter any more."""
    await conn.execute(delete(login_failures).where(login_failures.c.failed_at <= forget_before))
    await conn.execute(insert(login_failures), [{"key": key, "failed_at": now} for key in keys])


async def clear(conn: AsyncConnection, keys: Sequence[str]) -> None:
    await conn.execute(delete(login_failures).where(login_failures.c.key.in_(list(keys))))
