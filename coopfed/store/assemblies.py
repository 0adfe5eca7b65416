"""General assemblies: the assembly, its agenda (proposals in order) and its attendance.

The agenda holds proposal row ids; callers read the proposals themselves through
store/proposals.py. Standing proxies are read here, from the proxy grants table, only to
tell who was represented at an assembly (governance/assembly.py counts them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from coopfed.store.tables import (
    assemblies,
    assembly_attendance,
    assembly_items,
    members,
    proxy_grants,
)


@dataclass(frozen=True)
class AssemblyRecord:
    row_id: int
    coop_id: int
    slug: str
    uri: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str | None
    link: str | None
    quorum: str | None  # as given: "1/2", "50%"
    visibility: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewAssembly:
    coop_id: int
    slug: str
    uri: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str | None
    link: str | None
    quorum: str | None
    visibility: str


@dataclass(frozen=True)
class Attendee:
    member_row_id: int
    member_id: str
    handle: str  # username or acct:user@host, as admitted
    actor_uri: str
    recorded_at: datetime
    recorded_by: str


def _record(row: RowMapping) -> AssemblyRecord:
    return AssemblyRecord(
        row_id=row["id"],
        coop_id=row["coop_id"],
        slug=row["slug"],
        uri=row["uri"],
        title=row["title"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        place=row["place"],
        link=row["link"],
        quorum=row["quorum"],
        visibility=row["visibility"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def insert_assembly(conn: AsyncConnection, new: NewAssembly, now: datetime) -> AssemblyRecord:
    await conn.execute(
        insert(assemblies).values(
            coop_id=new.coop_id,
            slug=new.slug,
            uri=new.uri,
            title=new.title,
            starts_at=new.starts_at,
            ends_at=new.ends_at,
            place=new.place,
            link=new.link,
            quorum=new.quorum,
            visibility=new.visibility,
            created_at=now,
            updated_at=now,
        )
    )
    record = await get_by_slug(conn, new.slug)
    assert record is not None
    return record


async def get_by_slug(conn: AsyncConnection, slug: str) -> AssemblyRecord | None:
    query = select(assemblies).where(assemblies.c.slug == slug)
    row = (await conn.execute(query)).mappings().first()
    return _record(row) if row else None


async def list_assemblies(conn: AsyncConnection, coop_id: int) -> list[AssemblyRecord]:
    """Newest meeting first (the next one, then the past ones)."""
    query = (
        select(assemblies)
        .where(assemblies.c.coop_id == coop_id)
        .order_by(assemblies.c.starts_at.desc(), assemblies.c.id.desc())
    )
    return [_record(row) for row in (await conn.execute(query)).mappings()]


async def lock(conn: AsyncConnection, row_id: int, now: datetime) -> None:
    """Take the assembly's write lock (an UPDATE, as store.proposals.lock), so two agenda
    additions cannot pick the same position."""
    await conn.execute(update(assemblies).where(assemblies.c.id == row_id).values(updated_at=now))


async def agenda(conn: AsyncConnection, assembly_row_id: int) -> list[int]:
    """Proposal row ids in agenda order."""
    query = (
        select(assembly_items.c.proposal_id)
        .where(assembly_items.c.assembly_id == assembly_row_id)
        .order_by(assembly_items.c.position)
    )
    return list((await conn.execute(query)).scalars())


async def add_item(
    conn: AsyncConnection, assembly_row_id: int, proposal_row_id: int, now: datetime
) -> int:
    """Append a proposal to the agenda (the caller holds the lock); returns its position,
    counted from 1."""
    last = select(func.coalesce(func.max(assembly_items.c.position), 0)).where(
        assembly_items.c.assembly_id == assembly_row_id
    )
    position = int((await conn.execute(last)).scalar_one()) + 1
    await conn.execute(
        insert(assembly_items).values(
            assembly_id=assembly_row_id,
            proposal_id=proposal_row_id,
            position=position,
            added_at=now,
        )
    )
    return position


async def attendance(conn: AsyncConnection, assembly_row_id: int) -> list[Attendee]:
    """Who attended, in the order they were recorded."""
    query = (
        select(assembly_attendance, members.c.member_id, members.c.handle, members.c.actor_uri)
        .join(members, members.c.id == assembly_attendance.c.member_row_id)
        .where(assembly_attendance.c.assembly_id == assembly_row_id)
        .order_by(assembly_attendance.c.id)
    )
    return [
        Attendee(
            member_row_id=row["member_row_id"],
            member_id=row["member_id"],
            handle=row["handle"],
            actor_uri=row["actor_uri"],
            recorded_at=row["recorded_at"],
            recorded_by=row["recorded_by"],
        )
        for row in (await conn.execute(query)).mappings()
    ]


async def record_attendance(
    conn: AsyncConnection, assembly_row_id: int, member_row_id: int, now: datetime, by: str
) -> bool:
    """Record that the member attended; False when that was already recorded."""
    known = select(assembly_attendance.c.id).where(
        assembly_attendance.c.assembly_id == assembly_row_id,
        assembly_attendance.c.member_row_id == member_row_id,
    )
    if (await conn.execute(known)).first() is not None:
        return False
    await conn.execute(
        insert(assembly_attendance).values(
            assembly_id=assembly_row_id,
            member_row_id=member_row_id,
            recorded_at=now,
            recorded_by=by,
        )
    )
    return True


async def standing_proxies(
    conn: AsyncConnection,
    at: datetime,
    agenda_rows: Sequence[int],
    assembly_row_id: int | None = None,
) -> list[tuple[str, str]]:
    """(grantor, holder) member ids of the proxies standing at `at`, the assembly's start: not
    revoked by then, not expired by then (a grant's date itself is excluded, rule 17), and
    general (no proposal, no assembly), for a proposal on the agenda, or for this assembly
    (`assembly_row_id`)."""
    grantor = members.alias("grantor")
    holder = members.alias("holder")
    scope: ColumnElement[bool] = and_(
        proxy_grants.c.proposal_id.is_(None), proxy_grants.c.assembly_id.is_(None)
    )
    if assembly_row_id is not None:
        scope = or_(scope, proxy_grants.c.assembly_id == assembly_row_id)
    if agenda_rows:
        scope = or_(scope, proxy_grants.c.proposal_id.in_(list(agenda_rows)))
    query = (
        select(grantor.c.member_id.label("grantor"), holder.c.member_id.label("holder"))
        .join(grantor, grantor.c.id == proxy_grants.c.grantor_row_id)
        .join(holder, holder.c.id == proxy_grants.c.holder_row_id)
        .where(
            and_(
                scope,
                or_(proxy_grants.c.revoked_at.is_(None), proxy_grants.c.revoked_at > at),
                or_(proxy_grants.c.until.is_(None), proxy_grants.c.until > at),
            )
        )
        .order_by(proxy_grants.c.id)
    )
    rows = (await conn.execute(query)).mappings()
    return [(row["grantor"], row["holder"]) for row in rows]


async def assemblies_with(conn: AsyncConnection, proposal_row_id: int) -> list[AssemblyRecord]:
    """The assemblies whose agenda holds this proposal."""
    query = (
        select(assemblies)
        .join(assembly_items, assembly_items.c.assembly_id == assemblies.c.id)
        .where(assembly_items.c.proposal_id == proposal_row_id)
        .order_by(assemblies.c.id)
    )
    return [_record(row) for row in (await conn.execute(query)).mappings()]


@dataclass(frozen=True)
class Attended:
    """One assembly a member was recorded at (their data export)."""

    uri: str
    title: str
    starts_at: datetime
    recorded_at: datetime
    recorded_by: str


async def attended_by(conn: AsyncConnection, member_row_id: int) -> list[Attended]:
    query = (
        select(assemblies.c.uri, assemblies.c.title, assemblies.c.starts_at, assembly_attendance)
        .join(assemblies, assemblies.c.id == assembly_attendance.c.assembly_id)
        .where(assembly_attendance.c.member_row_id == member_row_id)
        .order_by(assemblies.c.starts_at, assemblies.c.id)
    )
    return [
        Attended(row["uri"], row["title"], row["starts_at"], row["recorded_at"], row["recorded_by"])
        for row in (await conn.execute(query)).mappings()
    ]
