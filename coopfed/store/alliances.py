"""Alliances between this co-op and other co-ops, and the co-op's own outgoing follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import alliances, following, proposals


class AllianceState(StrEnum):
    """An alliance as stored (`alliances.state`), the same words on both co-ops' nodes."""

    OFFERED = "offered"  # sent or received, not answered yet
    SETTLING = "settling"  # the members' vote ended; a worker is answering the offer
    ACTIVE = "active"
    DECLINED = "declined"  # the offer was refused or withdrawn before it was accepted
    ENDED = "ended"  # an active alliance was ended by either side


@dataclass(frozen=True)
class Alliance:
    id: int
    coop_id: int
    remote_actor_uri: str
    direction: str  # outgoing | incoming
    state: AllianceState
    offer_activity_id: str
    created_at: datetime
    updated_at: datetime
    proposal_uri: str | None = None  # the members' vote on an incoming offer, if any
    proposal_slug: str | None = None


def _alliance(row: RowMapping) -> Alliance:
    fields = {name: row[name] for name in Alliance.__dataclass_fields__}
    return Alliance(**{**fields, "state": AllianceState(fields["state"])})


def _query() -> Any:
    """Alliances with the IRI and slug of the members' vote on them, if there is one."""
    return select(
        alliances,
        proposals.c.uri.label("proposal_uri"),
        proposals.c.slug.label("proposal_slug"),
    ).select_from(alliances.outerjoin(proposals, proposals.c.id == alliances.c.proposal_row_id))


async def get(conn: AsyncConnection, coop_id: int, remote_uri: str) -> Alliance | None:
    query = _query().where(
        alliances.c.coop_id == coop_id, alliances.c.remote_actor_uri == remote_uri
    )
    row = (await conn.execute(query)).mappings().first()
    return _alliance(row) if row else None


async def get_by_offer(conn: AsyncConnection, offer_id: str) -> Alliance | None:
    query = _query().where(alliances.c.offer_activity_id == offer_id)
    row = (await conn.execute(query)).mappings().first()
    return _alliance(row) if row else None


async def save(
    conn: AsyncConnection,
    *,
    coop_id: int,
    remote_uri: str,
    direction: str,
    state: AllianceState,
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


async def set_state(
    conn: AsyncConnection, alliance_id: int, state: AllianceState, now: datetime
) -> None:
    await conn.execute(
        update(alliances).where(alliances.c.id == alliance_id).values(state=state, updated_at=now)
    )


async def list_alliances(conn: AsyncConnection, coop_id: int) -> list[Alliance]:
    query = _query().where(alliances.c.coop_id == coop_id).order_by(alliances.c.id)
    return [_alliance(row) for row in (await conn.execute(query)).mappings()]


async def claim_offer(
    conn: AsyncConnection, alliance_id: int, state: AllianceState, now: datetime
) -> bool:
    """Move an offer that is still `offered` to `state`; False when someone settled it first."""
    changed = await conn.execute(
        update(alliances)
        .where(alliances.c.id == alliance_id, alliances.c.state == AllianceState.OFFERED)
        .values(state=state, updated_at=now)
    )
    return bool(changed.rowcount)


async def set_proposal(conn: AsyncConnection, alliance_id: int, proposal_row_id: int) -> None:
    await conn.execute(
        update(alliances)
        .where(alliances.c.id == alliance_id)
        .values(proposal_row_id=proposal_row_id)
    )


async def offers_put_to_vote(conn: AsyncConnection, coop_id: int, limit: int) -> list[Alliance]:
    """Incoming offers still waiting whose members' vote has ended (decided or withdrawn)."""
    query = (
        _query()
        .where(
            alliances.c.coop_id == coop_id,
            alliances.c.direction == "incoming",
            alliances.c.state == AllianceState.OFFERED,
            proposals.c.state.in_(("decided", "withdrawn")),
        )
        .order_by(alliances.c.id)
        .limit(limit)
    )
    return [_alliance(row) for row in (await conn.execute(query)).mappings()]


async def active_uris(conn: AsyncConnection, coop_id: int) -> list[str]:
    query = (
        select(alliances.c.remote_actor_uri)
        .where(alliances.c.coop_id == coop_id, alliances.c.state == AllianceState.ACTIVE)
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
