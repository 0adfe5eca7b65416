"""The database health probe behind /healthz."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def ping(conn: AsyncConnection) -> None:
    """Raises if the database cannot answer a trivial query."""
    await conn.execute(text("SELECT 1"))
