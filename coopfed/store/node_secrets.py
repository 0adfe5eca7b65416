"""Secrets the node generates once and shares between all its processes (through the database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from coopfed.store.tables import node_secrets


async def get_or_create_secret(
    engine: AsyncEngine, name: str, make: Callable[[], str], now: datetime
) -> str:
    """The stored value of `name`; the first caller stores `make()`.

    Several web processes may start at once: the primary key lets exactly one insert win, and
    the losers read the winner's value, so every process signs with the same key.
    """
    query = select(node_secrets.c.value).where(node_secrets.c.name == name)
    async with engine.connect() as conn:
        found = (await conn.execute(query)).scalar_one_or_none()
    if found is not None:
        return str(found)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(node_secrets).values(name=name, value=make(), created_at=now))
    except IntegrityError:
        pass  # another process stored it first; use theirs
    async with engine.connect() as conn:
        return str((await conn.execute(query)).scalar_one())
