"""Changes to the member register beyond admission (re-binding, class) and its whole history."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.canonical import rfc3339
from coopfed.governance.history import HistoryEvent
from coopfed.store.tables import ballots, member_events, members, proposals


async def rebind(conn: AsyncConnection, member_row_id: int, actor_uri: str, handle: str) -> None:
    """Bind the member to another actor (one member, one actor: the old binding ends)."""
    await conn.execute(
        update(members)
        .where(members.c.id == member_row_id)
        .values(actor_uri=actor_uri, handle=handle)
    )


async def set_member_class(conn: AsyncConnection, member_row_id: int, member_class: str) -> None:
    await conn.execute(
        update(members).where(members.c.id == member_row_id).values(member_class=member_class)
    )


async def history(conn: AsyncConnection, coop_id: int) -> list[HistoryEvent]:
    """Every member event of the co-op, oldest first, with the public member id."""
    query = (
        select(
            members.c.member_id, member_events.c.kind, member_events.c.detail, member_events.c.at
        )
        .join(members, members.c.id == member_events.c.member_row_id)
        .where(members.c.coop_id == coop_id)
        .order_by(member_events.c.id)
    )
    rows = (await conn.execute(query)).all()
    return [
        HistoryEvent(member_id, kind, json.loads(detail), at)
        for member_id, kind, detail, at in rows
    ]


async def ballots_of(conn: AsyncConnection, member_row_id: int) -> list[dict[str, Any]]:
    """The member's ballots as the log holds them (for their data export)."""
    query = (
        select(
            proposals.c.uri,
            ballots.c.position,
            ballots.c.kind,
            ballots.c.choice,
            ballots.c.reason,
            ballots.c.cast_at,
            ballots.c.entry_hash,
            ballots.c.source_actor_uri,
            ballots.c.activity_id,
            ballots.c.cast_by,
        )
        .join(proposals, proposals.c.id == ballots.c.proposal_row_id)
        .where(ballots.c.member_row_id == member_row_id)
        .order_by(ballots.c.id)
    )
    return [
        {
            "proposal": row["uri"],
            "position": row["position"],
            "kind": row["kind"],
            "choice": json.loads(row["choice"]),
            "reason": row["reason"],
            "cast_at": rfc3339(row["cast_at"]),
            "receipt": row["entry_hash"],
            "from_actor": row["source_actor_uri"],
            "activity_id": row["activity_id"],
            "cast_by": row["cast_by"],  # the proxy holder's member id, or null: her own
        }
        for row in (await conn.execute(query)).mappings()
    ]
