"""Proxy grants (issue 18): a grantor lets a holder vote for her.

Rows are inserted and revoked (`revoked_at` set), never deleted: a proxy ballot in a log keeps
naming a grant that existed. They read back as `governance.proxies.ProxyGrant` values, members
by member id, the proposal by its IRI, and a grant for an assembly by the assembly's IRI with
its agenda as it stands when read (proposal IRIs); the rules live in governance/proxies.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from coopfed.governance.proposal import ProposalState
from coopfed.governance.proxies import ProxyGrant
from coopfed.store.tables import assemblies, assembly_items, members, proposals, proxy_grants

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
            assemblies.c.uri.label("assembly_uri"),
        )
        .join(grantor, grantor.c.id == proxy_grants.c.grantor_row_id)
        .join(holder, holder.c.id == proxy_grants.c.holder_row_id)
        .outerjoin(proposals, proposals.c.id == proxy_grants.c.proposal_id)
        .outerjoin(assemblies, assemblies.c.id == proxy_grants.c.assembly_id)
        .order_by(proxy_grants.c.granted_at, proxy_grants.c.id)
    )


def _stored(row: RowMapping, agendas: Mapping[int, frozenset[str]]) -> StoredGrant:
    assembly_row = row["assembly_id"]
    grant = ProxyGrant(
        grantor=row["grantor_member_id"],
        holder=row["holder_member_id"],
        granted_at=row["granted_at"],
        proposal_id=row["proposal_uri"],
        until=row["until"],
        assembly_id=row["assembly_uri"],
        agenda=frozenset() if assembly_row is None else agendas.get(assembly_row, frozenset()),
    )
    return StoredGrant(row["id"], grant, row["revoked_at"])


async def _read(conn: AsyncConnection, query: Select[Any]) -> list[StoredGrant]:
    """The grants `query` selects, each grant for an assembly with that assembly's agenda."""
    rows = list((await conn.execute(query)).mappings())
    wanted = {row["assembly_id"] for row in rows if row["assembly_id"] is not None}
    agendas = await _agendas(conn, wanted)
    return [_stored(row, agendas) for row in rows]


async def _agendas(
    conn: AsyncConnection, assembly_rows: Iterable[int]
) -> dict[int, frozenset[str]]:
    wanted = sorted(set(assembly_rows))
    if not wanted:
        return {}
    query = (
        select(assembly_items.c.assembly_id, proposals.c.uri)
        .join(proposals, proposals.c.id == assembly_items.c.proposal_id)
        .where(assembly_items.c.assembly_id.in_(wanted))
    )
    found: dict[int, set[str]] = {row_id: set() for row_id in wanted}
    for assembly_row, uri in (await conn.execute(query)).all():
        found[assembly_row].add(uri)
    return {row_id: frozenset(uris) for row_id, uris in found.items()}


async def agenda_of(conn: AsyncConnection, assembly_row_id: int) -> frozenset[str]:
    """The IRIs of the proposals on an assembly's agenda, as a grant for it covers them."""
    return (await _agendas(conn, [assembly_row_id]))[assembly_row_id]


def _assembly_in_force(at: datetime) -> ColumnElement[bool]:
    """A grant for an assembly counts until the assembly has started and no proposal on its
    agenda can still be voted on (as a one-proposal grant counts until its vote is over)."""
    item = proposals.alias("agenda_proposal")  # not the grant's own proposal, joined above
    votable = exists().where(
        assembly_items.c.assembly_id == proxy_grants.c.assembly_id,
        assembly_items.c.proposal_id == item.c.id,
        item.c.state.in_(VOTABLE),
    )
    return or_(proxy_grants.c.assembly_id.is_(None), assemblies.c.starts_at > at, votable)


async def insert_grant(
    conn: AsyncConnection,
    *,
    grantor_row_id: int,
    holder_row_id: int,
    proposal_row_id: int | None,
    until: datetime | None,
    granted_at: datetime,
    assembly_row_id: int | None = None,
) -> StoredGrant:
    """Store a grant the caller has checked (governance `check_grant`)."""
    if proposal_row_id is not None and assembly_row_id is not None:
        # The schema cannot say "at most one of two columns" portably: the code does.
        raise ValueError("a proxy grant is for one proposal or one assembly, not both")
    result = await conn.execute(
        insert(proxy_grants)
        .values(
            grantor_row_id=grantor_row_id,
            holder_row_id=holder_row_id,
            proposal_id=proposal_row_id,
            assembly_id=assembly_row_id,
            until=until,
            granted_at=granted_at,
        )
        .returning(proxy_grants.c.id)
    )
    stored = await get_grant(conn, result.scalar_one())
    assert stored is not None
    return stored


async def get_grant(conn: AsyncConnection, row_id: int) -> StoredGrant | None:
    found = await _read(conn, _select().where(proxy_grants.c.id == row_id))
    return found[0] if found else None


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
    proposal whose vote is over, nor for an assembly that has started and whose agenda holds
    no proposal still to vote on (such a grant no longer counts against the cap)."""
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
            _assembly_in_force(active_at),
        )
    return await _read(conn, query)


async def grants_for_voting(
    conn: AsyncConnection, proposal_row_id: int, at: datetime
) -> list[ProxyGrant]:
    """The grants in force at `at` that may cover a vote on this proposal: its own, those for
    every proposal and those for an assembly still in force, with their agendas
    (`ProxyGrant.covers` decides the rest, and a refusal can then say when the proposal is
    not on the agenda of the assembly a proxy is for)."""
    query = _select().where(
        proxy_grants.c.revoked_at.is_(None),
        or_(proxy_grants.c.until.is_(None), proxy_grants.c.until > at),
        or_(
            proxy_grants.c.proposal_id.is_(None),
            proxy_grants.c.proposal_id == proposal_row_id,
        ),
        _assembly_in_force(at),
    )
    return [stored.grant for stored in await _read(conn, query)]


async def lock_members(conn: AsyncConnection, *row_ids: int) -> None:
    """Take write locks on the grantor's and holder's member rows, so two grants that share a
    member (two to one holder at the cap, two from one grantor) are checked one after the
    other. An UPDATE locks the row on PostgreSQL and takes SQLite's write lock; rows are
    locked in id order so two grants never wait on each other."""
    for row_id in sorted(set(row_ids)):
        await conn.execute(update(members).where(members.c.id == row_id).values(id=members.c.id))
