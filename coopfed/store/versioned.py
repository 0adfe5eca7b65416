"""Versioned per-co-op documents (charters, membership principles): seeding version 1."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_version_one(
    conn: AsyncConnection, table: Table, coop_id: int, body: str, digest: str, now: datetime
) -> None:
    """Insert version 1 of a co-op's document in `table` unless a concurrent first use already
    did (then that one stands): defaults are seeded on first use, and first uses can race."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(
        dialect_insert(table)
        .values(coop_id=coop_id, version=1, body=body, hash=digest, created_at=now)
        .on_conflict_do_nothing(index_elements=["coop_id", "version"])
    )
