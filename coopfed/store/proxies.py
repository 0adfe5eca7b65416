"""Proxy grants (issue 18): a grantor lets a holder vote for her.

Rows are inserted and revoked (`revoked_at` set), never deleted: a proxy ballot in a log keeps
naming a grant that existed. They read back as `governance.proxies.ProxyGrant` values, members
by member id and the proposal by its IRI; the rules themselves live in governance/proxies.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from coopfed.governance.proposal import ProposalState
from coopfed.governance.proxies import ProxyGrant
from coopfed.store.tables import members, proposals, proxy_grants

# A one-proposal grant is over once its proposal can no longer be voted on.
VOTABLE = (ProposalState.DRAFT.value, ProposalState.OPEN.value)


@dataclass(frozen=True)
class StoredGrant:
    """A grant with its row id (what `proxy revoke` names) and when it was revoked."""

    row_id: int
    grant: ProxyGrant
    revoked_at: datetime | None

    def active_at(self, at: datetime) -> bool:
        """Not revoked, and not yet past its date (a one-proposal grant is active until the
        proposal's vote: `covers` decides that)."""
        if self.revoked_at is not None and self.revoked_at <= at:
            return False
        return self.grant.until is None or at < self.grant.until


def _select() -> Select[Any]:
    grantor = members.alias("grantor")
    holder = members.alias("holder")
    return (
        select(
            proxy_grants,
            grantor.c.member_id.label("grantor_member_id"),
            holder.c.member_id.label("holder_member_id"),
            proposals.c.uri.label("proposal_uri"),
        )
        .join(grantor, grantor.c.id == proxy_grants.c.grantor_row_id)
        .join(holder, holder.c.id == proxy_grants.c.holder_row_id)
        .outerjoin(proposals, proposals.c.id == proxy_grants.c.proposal_id)
        .order_by(proxy_grants.c.granted_at, proxy_grants.c.id)
    )


def _stored(row: RowMapping) -> StoredGrant:
    grant = ProxyGrant(
        grantor=row["grantor_member_id"],
        holder=row["holder_member_id"],
        granted_at=row["granted_at"],
        proposal_id=row["proposal_uri"],
        until=row["until"],
    )
    return StoredGrant(row["id"], grant, row["revoked_at"])


async def insert_grant(
    conn: AsyncConnection,
    *,
    grantor_row_id: int,
    holder_row_id: int,
    proposal_row_id: int | None,
    until: datetime | None,
    granted_at: datetime,
) -> StoredGrant:
    """Store a grant the caller has checked (governance `check_grant`)."""
    result = await conn.execute(
        insert(proxy_grants)
        .values(
            grantor_row_id=grantor_row_id,
            holder_row_id=holder_row_id,
            proposal_id=proposal_row_id,
            until=until,
            granted_at=granted_at,
        )
        .returning(proxy_grants.c.id)
    )
    stored = await get_grant(conn, result.scalar_one())
    assert stored is not None
    return stored


async def get_grant(conn: AsyncConnection, row_id: int) -> StoredGrant | None:
    row = (await conn.execute(_select().where(proxy_grants.c.id == row_id))).mappings().first()
    return None if row is None else _stored(row)


async def revoke_grant(conn: AsyncConnection, row_id: int, now: datetime) -> bool:
    """Revoke a grant still in force; False when it was already revoked (or never existed)."""
    result = await conn.execute(
        update(proxy_grants)
        .where(proxy_grants.c.id == row_id, proxy_grants.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1


async def list_grants(
    conn: AsyncConnection,
    *,
    member_row_id: int | None = None,
    active_at: datetime | None = None,
) -> list[StoredGrant]:
    """Grants, oldest first: all of them, or those `member_row_id` gave or holds; with
    `active_at`, only those in force then: not revoked, not past their date, and not for a
    proposal whose vote is over (such a grant no longer counts against the cap)."""
    query = _select()
    if member_row_id is not None:
        query = query.where(
            or_(
                proxy_grants.c.grantor_row_id == member_row_id,
                proxy_grants.c.holder_row_id == member_row_id,
            )
        )
    if active_at is not None:
        query = query.where(
            proxy_grants.c.revoked_at.is_(None),
            or_(proxy_grants.c.until.is_(None), proxy_grants.c.until > active_at),
            or_(proxy_grants.c.proposal_id.is_(None), proposals.c.state.in_(VOTABLE)),
        )
    rows = (await conn.execute(query)).mappings()
    return [_stored(row) for row in rows]


async def grants_for_voting(
    conn: AsyncConnection, proposal_row_id: int, at: datetime
) -> list[ProxyGrant]:
    """The grants in force at `at` that may cover a vote on this proposal: its own and those
    for every proposal (`ProxyGrant.covers` decides the rest)."""
    query = _select().where(
        proxy_grants.c.revoked_at.is_(None),
        or_(proxy_grants.c.until.is_(None), proxy_grants.c.until > at),
        or_(proxy_grants.c.proposal_id.is_(None), proxy_grants.c.proposal_id == proposal_row_id),
    )
    rows = (await conn.execute(query)).mappings()
    return [_stored(row).grant for row in rows]


async def lock_members(conn: AsyncConnection, *row_ids: int) -> None:
    """Take write locks on the grantor's and holder's member rows, so two grants that share a
    member (two to one holder at the cap, two from one grantor) are checked one after the
    other. An UPDATE locks the row on PostgreSQL and takes SQLite's write lock; rows are
    locked in id order so two grants never wait on each other."""
    for row_id in sorted(set(row_ids)):
        await conn.execute(update(members).where(members.c.id == row_id).values(id=members.c.id))
