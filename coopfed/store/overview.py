"""Read-only counts and lists for the admin area."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import accounts, deliveries, inbox_items, local_actors, members


@dataclass(frozen=True)
class AccountRow:
    username: str
    display_name: str
    is_admin: bool


async def list_accounts(conn: AsyncConnection, limit: int = 200) -> list[AccountRow]:
    query = (
        select(local_actors.c.username, local_actors.c.display_name, accounts.c.is_admin)
        .join(local_actors, local_actors.c.id == accounts.c.actor_id)
        .order_by(local_actors.c.username)
        .limit(limit)
    )
    return [AccountRow(**row) for row in (await conn.execute(query)).mappings()]


async def _count_by_state(conn: AsyncConnection, table: Table) -> dict[str, int]:
    query = select(table.c.state, func.count()).group_by(table.c.state)
    return {str(state): int(count) for state, count in (await conn.execute(query)).all()}


async def delivery_states(conn: AsyncConnection) -> dict[str, int]:
    return await _count_by_state(conn, deliveries)


async def inbox_states(conn: AsyncConnection) -> dict[str, int]:
    return await _count_by_state(conn, inbox_items)


async def member_counts_by_class(conn: AsyncConnection, coop_id: int) -> dict[str, dict[str, int]]:
    """Members of each class by status (classes without members are absent)."""
    query = (
        select(members.c.member_class, members.c.status, func.count())
        .where(members.c.coop_id == coop_id)
        .group_by(members.c.member_class, members.c.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for member_class, status, count in (await conn.execute(query)).all():
        counts.setdefault(str(member_class), {})[str(status)] = int(count)
    return counts
