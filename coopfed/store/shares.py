"""The share register's ledger: append-only share movements; balances are derived from it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.shares import MovementKind, ShareMovement
from coopfed.store.tables import members, share_movements


@dataclass(frozen=True)
class LedgerLine:
    """A stored movement; its parties are the public member ids."""

    row_id: int
    movement: ShareMovement
    nominal_value: Decimal


async def append_movement(
    conn: AsyncConnection,
    coop_id: int,
    movement: ShareMovement,
    *,
    source_row_id: int | None,
    target_row_id: int | None,
    nominal_value: Decimal,
) -> None:
    await conn.execute(
        insert(share_movements).values(
            coop_id=coop_id,
            kind=movement.kind.value,
            count=movement.count,
            source_member_row_id=source_row_id,
            target_member_row_id=target_row_id,
            nominal_value=str(nominal_value),
            reason=movement.reason,
            at=movement.at,
        )
    )


async def ledger(
    conn: AsyncConnection, coop_id: int, member_row_id: int | None = None
) -> list[LedgerLine]:
    """The co-op's movements oldest first (only those touching one member, if given)."""
    source = members.alias("source")
    target = members.alias("target")
    query = (
        select(
            share_movements,
            source.c.member_id.label("source_id"),
            target.c.member_id.label("target_id"),
        )
        .outerjoin(source, source.c.id == share_movements.c.source_member_row_id)
        .outerjoin(target, target.c.id == share_movements.c.target_member_row_id)
        .where(share_movements.c.coop_id == coop_id)
        .order_by(share_movements.c.id)
    )
    if member_row_id is not None:
        query = query.where(
            or_(
                share_movements.c.source_member_row_id == member_row_id,
                share_movements.c.target_member_row_id == member_row_id,
            )
        )
    lines = []
    for row in (await conn.execute(query)).mappings():
        movement = ShareMovement(
            MovementKind(row["kind"]), row["count"], row["source_id"], row["target_id"],
            row["at"], row["reason"],
        )  # fmt: skip
        lines.append(LedgerLine(row["id"], movement, Decimal(row["nominal_value"])))
    return lines


async def set_member_shares(conn: AsyncConnection, member_row_id: int, balance: int) -> None:
    """Keep the register's `shares` column equal to the ledger balance (a derived cache)."""
    await conn.execute(update(members).where(members.c.id == member_row_id).values(shares=balance))
