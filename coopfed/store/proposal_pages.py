"""Read-only queries behind the proposal pages: short listings and a member's own ballots.

Listings select only the columns a list shows (never the electorate or charter JSON), so a
co-op with thousands of proposals lists a page of them cheaply.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import ballots, members, proposals

OPEN_STATES = ("open",)
PAST_STATES = ("closed", "decided", "withdrawn")


@dataclass(frozen=True)
class ProposalSummary:
    slug: str
    title: str
    method: str
    state: str
    visibility: str
    decision: str | None
    closes_at: datetime | None
    closed_at: datetime | None
    electorate_size: int | None


@dataclass(frozen=True)
class MemberBallot:
    """One entry a member cast, with the proposal it belongs to; `receipt` is its entry hash."""

    slug: str
    title: str
    state: str
    kind: str
    cast_at: datetime
    receipt: str
    position: int
    cast_by_handle: str | None = None  # a proxy holder cast this ballot for the member
    for_handle: str | None = None  # the member cast this ballot for her grantor, by proxy


def _summary_columns() -> list[Any]:
    p = proposals.c
    return [
        p.slug, p.title, p.method, p.state, p.visibility, p.decision, p.closes_at, p.closed_at,
        p.electorate_size,
    ]  # fmt: skip


async def list_summaries(
    conn: AsyncConnection,
    coop_id: int,
    *,
    states: Sequence[str],
    visibilities: Sequence[str],
    limit: int,
    offset: int = 0,
) -> list[ProposalSummary]:
    """Open ones soonest-closing first; past ones most recently closed first."""
    p = proposals.c
    query = select(*_summary_columns()).where(
        p.coop_id == coop_id, p.state.in_(list(states)), p.visibility.in_(list(visibilities))
    )
    if set(states) <= set(OPEN_STATES):
        query = query.order_by(p.closes_at, p.id)
    elif set(states) <= set(PAST_STATES):
        # Every past state sets closed_at; the filter lets both databases walk the index.
        query = query.where(p.closed_at.is_not(None)).order_by(p.closed_at.desc(), p.id.desc())
    else:
        query = query.order_by(p.created_at.desc(), p.id.desc())
    rows = (await conn.execute(query.limit(limit).offset(offset))).mappings()
    return [ProposalSummary(**row) for row in rows]


async def member_ballots(
    conn: AsyncConnection, member_row_id: int, *, limit: int = 100
) -> list[MemberBallot]:
    """The member's log entries, newest first (replaced ones too: each is a receipt): her own,
    those a proxy holder cast for her, and those she cast for a grantor by proxy."""
    b, p = ballots.c, proposals.c
    owner, holder = members.alias("owner"), members.alias("holder")
    query = (
        select(
            p.slug,
            p.title,
            p.state,
            b.kind,
            b.cast_at,
            b.entry_hash,
            b.position,
            b.member_row_id,
            owner.c.handle.label("owner_handle"),
            holder.c.handle.label("holder_handle"),
        )
        .join(proposals, p.id == b.proposal_row_id)
        .join(owner, owner.c.id == b.member_row_id)
        .outerjoin(holder, holder.c.member_id == b.cast_by)
        .where(or_(b.member_row_id == member_row_id, holder.c.id == member_row_id))
        .order_by(b.id.desc())
        .limit(limit)
    )
    rows = (await conn.execute(query)).mappings()
    return [
        MemberBallot(
            slug=row["slug"],
            title=row["title"],
            state=row["state"],
            kind=row["kind"],
            cast_at=row["cast_at"],
            receipt=row["entry_hash"],
            position=row["position"],
            cast_by_handle=row["holder_handle"] if row["member_row_id"] == member_row_id else None,
            for_handle=row["owner_handle"] if row["member_row_id"] != member_row_id else None,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class LogHead:
    """How long a proposal's ballot log is and its last entry hash (None when empty)."""

    length: int
    head: str | None


async def log_head(conn: AsyncConnection, proposal_row_id: int) -> LogHead:
    """One indexed row: positions run 0, 1, 2… so the last one gives the length."""
    b = ballots.c
    query = (
        select(b.position, b.entry_hash)
        .where(b.proposal_row_id == proposal_row_id)
        .order_by(b.position.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).first()
    return LogHead(0, None) if row is None else LogHead(int(row[0]) + 1, str(row[1]))


@dataclass(frozen=True)
class OwnEntry:
    receipt: str
    kind: str
    choice: Any
    reason: str = ""
    cast_by: str | None = None  # the proxy holder's member id, for a ballot cast for her


async def own_entries(
    conn: AsyncConnection, proposal_row_id: int, member_row_id: int
) -> list[OwnEntry]:
    """A member's entries in one proposal's log (her own and those cast for her by proxy),
    oldest first."""
    b = ballots.c
    query = (
        select(b.entry_hash, b.kind, b.choice, b.reason, b.cast_by)
        .where(b.member_row_id == member_row_id, b.proposal_row_id == proposal_row_id)
        .order_by(b.position)
    )
    rows = (await conn.execute(query)).all()
    return [
        OwnEntry(str(row[0]), str(row[1]), json.loads(row[2]), str(row[3]), row[4]) for row in rows
    ]


async def departed_member_ids(conn: AsyncConnection, coop_id: int) -> frozenset[str]:
    """Members who left or were expelled (their ballots may be revoked by the charter)."""
    query = select(members.c.member_id).where(
        members.c.coop_id == coop_id, members.c.status.in_(["left", "expelled"])
    )
    return frozenset(str(value) for value in (await conn.execute(query)).scalars())
