"""The member register: classes, members bound to actors, and the append-only member history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.canonical import canonical_text
from coopfed.governance.members import Member, MemberClasses, MemberStatus
from coopfed.store.tables import local_actors, member_classes, member_events, members, remote_actors


@dataclass(frozen=True)
class MemberRecord:
    """A governance `Member` with what the register keeps beside it."""

    row_id: int
    member: Member
    handle: str
    joined_at: datetime
    left_at: datetime | None
    email: str | None = None
    language: str | None = None  # chosen for the site and e-mails; None: no preference

    @property
    def member_id(self) -> str:
        return self.member.member_id

    @property
    def actor_uri(self) -> str:
        return self.member.actor_id


@dataclass(frozen=True)
class MemberEvent:
    kind: str
    detail: Mapping[str, Any]
    at: datetime


def _record(row: RowMapping) -> MemberRecord:
    member = Member(
        member_id=row["member_id"],
        actor_id=row["actor_uri"],
        member_class=row["member_class"],
        shares=row["shares"],
        status=MemberStatus(row["status"]),
    )
    return MemberRecord(
        row["id"], member, row["handle"], row["joined_at"], row["left_at"], row["email"],
        row["language"],
    )  # fmt: skip


async def class_names(conn: AsyncConnection, coop_id: int) -> MemberClasses | None:
    """The classes the co-op defines, in the order they were defined (None: none yet)."""
    query = (
        select(member_classes.c.name)
        .where(member_classes.c.coop_id == coop_id)
        .order_by(member_classes.c.id)
    )
    names = list((await conn.execute(query)).scalars())
    return MemberClasses.of(names) if names else None


async def insert_class(conn: AsyncConnection, coop_id: int, name: str, now: datetime) -> None:
    """Define a class; a class defined meanwhile by a concurrent transaction is kept (the
    default classes are seeded on first use, and two first uses can race)."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(
        dialect_insert(member_classes)
        .values(coop_id=coop_id, name=name, created_at=now)
        .on_conflict_do_nothing(index_elements=["coop_id", "name"])
    )


async def insert_member(
    conn: AsyncConnection, coop_id: int, member: Member, *, handle: str, now: datetime
) -> MemberRecord:
    result = await conn.execute(
        insert(members)
        .values(
            coop_id=coop_id,
            member_id=member.member_id,
            actor_uri=member.actor_id,
            handle=handle,
            member_class=member.member_class,
            shares=member.shares,
            status=member.status.value,
            joined_at=now,
        )
        .returning(*members.c)
    )
    return _record(result.mappings().one())


async def update_status(
    conn: AsyncConnection, row_id: int, status: MemberStatus, *, left_at: datetime | None
) -> None:
    await conn.execute(
        update(members).where(members.c.id == row_id).values(status=status.value, left_at=left_at)
    )


async def set_email(conn: AsyncConnection, row_id: int, email: str | None) -> None:
    """Record the member's address (already normalised by the caller), or forget it (None)."""
    await conn.execute(update(members).where(members.c.id == row_id).values(email=email))


async def set_language(conn: AsyncConnection, row_id: int, language: str | None) -> None:
    """Record the member's language (one of coopfed.i18n.SUPPORTED, checked by the caller), or
    forget it (None: no preference)."""
    await conn.execute(update(members).where(members.c.id == row_id).values(language=language))


async def language_of_actor(conn: AsyncConnection, actor_uri: str) -> str | None:
    """The language the member bound to `actor_uri` chose (None: none, or not a member); one
    column, for the language of every page a signed-in member reads."""
    query = select(members.c.language).where(members.c.actor_uri == actor_uri)
    return (await conn.execute(query)).scalar()


async def get_by_email(conn: AsyncConnection, email: str) -> MemberRecord | None:
    """The member with this (normalised, lower-case) address, if any."""
    return await _one(conn, members.c.email == email)


async def append_event(
    conn: AsyncConnection, row_id: int, kind: str, detail: Mapping[str, Any], at: datetime
) -> None:
    await conn.execute(
        insert(member_events).values(
            member_row_id=row_id, kind=kind, detail=canonical_text(dict(detail)), at=at
        )
    )


async def events_of(conn: AsyncConnection, row_id: int) -> list[MemberEvent]:
    query = (
        select(member_events.c.kind, member_events.c.detail, member_events.c.at)
        .where(member_events.c.member_row_id == row_id)
        .order_by(member_events.c.id)
    )
    rows = (await conn.execute(query)).all()
    return [MemberEvent(kind, json.loads(detail), at) for kind, detail, at in rows]


async def list_members(conn: AsyncConnection, coop_id: int) -> list[MemberRecord]:
    query = select(members).where(members.c.coop_id == coop_id).order_by(members.c.id)
    return [_record(row) for row in (await conn.execute(query)).mappings()]


async def remote_display_names(conn: AsyncConnection, coop_id: int) -> dict[str, str]:
    """Display names of the co-op's remote members as fetched (actor IRI → name), for exports;
    one query however long the register is."""
    query = (
        select(members.c.actor_uri, remote_actors.c.display_name)
        .join(remote_actors, remote_actors.c.uri == members.c.actor_uri)
        .where(members.c.coop_id == coop_id)
    )
    return {uri: name for uri, name in (await conn.execute(query)).all()}


async def local_display_names(conn: AsyncConnection) -> dict[str, str]:
    """Display names of local people (username → name; "" when they set none)."""
    query = select(local_actors.c.username, local_actors.c.display_name).where(
        local_actors.c.kind == "person"
    )
    return {username: name for username, name in (await conn.execute(query)).all()}


async def get_by_member_id(conn: AsyncConnection, member_id: str) -> MemberRecord | None:
    return await _one(conn, members.c.member_id == member_id)


async def get_by_actor(conn: AsyncConnection, actor_uri: str) -> MemberRecord | None:
    return await _one(conn, members.c.actor_uri == actor_uri)


async def get_by_handle(conn: AsyncConnection, handle: str) -> MemberRecord | None:
    return await _one(conn, members.c.handle == handle)


async def get_by_row_id(conn: AsyncConnection, row_id: int) -> MemberRecord | None:
    return await _one(conn, members.c.id == row_id)


async def _one(conn: AsyncConnection, condition: Any) -> MemberRecord | None:
    row = (await conn.execute(select(members).where(condition))).mappings().first()
    return _record(row) if row else None
