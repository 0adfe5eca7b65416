"""Fediverse actors linked to members, one-time link codes (hashes only), wrong-code counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import link_codes, link_failures, linked_actors, remote_actors


@dataclass(frozen=True)
class LinkCode:
    row_id: int
    member_row_id: int
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class LinkedActor:
    """A linked actor with what we know of it (name and username from its fetched document)."""

    row_id: int
    actor_uri: str
    linked_at: datetime
    host: str | None  # None when we never fetched the actor
    username: str
    name: str


# --- codes --------------------------------------------------------------------------------------


async def insert_code(
    conn: AsyncConnection, member_row_id: int, code_hash: str, now: datetime, expires_at: datetime
) -> None:
    """A new code; the member's earlier unused codes go (one pending code per member)."""
    await conn.execute(
        delete(link_codes).where(
            link_codes.c.member_row_id == member_row_id, link_codes.c.used_at.is_(None)
        )
    )
    await conn.execute(
        insert(link_codes).values(
            member_row_id=member_row_id, code_hash=code_hash, created_at=now, expires_at=expires_at
        )
    )


async def find_code(conn: AsyncConnection, code_hash: str) -> LinkCode | None:
    query = select(
        link_codes.c.id, link_codes.c.member_row_id, link_codes.c.expires_at, link_codes.c.used_at
    ).where(link_codes.c.code_hash == code_hash)
    row = (await conn.execute(query)).first()
    return LinkCode(*row) if row else None


async def use_code(conn: AsyncConnection, row_id: int, now: datetime) -> bool:
    """Mark the code used; False when another transaction used it first (single use)."""
    result = await conn.execute(
        update(link_codes)
        .where(link_codes.c.id == row_id, link_codes.c.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


async def pending_code_expiry(
    conn: AsyncConnection, member_row_id: int, now: datetime
) -> datetime | None:
    """When the member's unused code expires, if one is still valid."""
    query = select(func.max(link_codes.c.expires_at)).where(
        link_codes.c.member_row_id == member_row_id,
        link_codes.c.used_at.is_(None),
        link_codes.c.expires_at > now,
    )
    value: datetime | None = (await conn.execute(query)).scalar_one_or_none()
    return value


# --- wrong codes --------------------------------------------------------------------------------


async def failures_since(conn: AsyncConnection, key: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(link_failures)
        .where(link_failures.c.key == key, link_failures.c.failed_at > since)
    )
    return int((await conn.execute(query)).scalar_one())


async def record_failure(
    conn: AsyncConnection, keys: list[str], now: datetime, forget_before: datetime
) -> None:
    """One wrong code under each key; failures too old to matter are dropped on the way."""
    await conn.execute(delete(link_failures).where(link_failures.c.failed_at <= forget_before))
    await conn.execute(insert(link_failures), [{"key": key, "failed_at": now} for key in keys])


# --- links --------------------------------------------------------------------------------------


async def member_row_of(conn: AsyncConnection, actor_uri: str) -> int | None:
    """The member row an actor is linked to, if any."""
    query = select(linked_actors.c.member_row_id).where(linked_actors.c.actor_uri == actor_uri)
    value: int | None = (await conn.execute(query)).scalar_one_or_none()
    return value


async def insert_link(
    conn: AsyncConnection, member_row_id: int, actor_uri: str, now: datetime
) -> None:
    await conn.execute(
        insert(linked_actors).values(
            member_row_id=member_row_id, actor_uri=actor_uri, linked_at=now
        )
    )


async def delete_link(conn: AsyncConnection, member_row_id: int, link_row_id: int) -> str | None:
    """Remove one of the member's links; the actor IRI it had, or None when there was none."""
    query = select(linked_actors.c.actor_uri).where(
        linked_actors.c.id == link_row_id, linked_actors.c.member_row_id == member_row_id
    )
    actor_uri: str | None = (await conn.execute(query)).scalar_one_or_none()
    if actor_uri is not None:
        await conn.execute(delete(linked_actors).where(linked_actors.c.id == link_row_id))
    return actor_uri


def _links_query() -> Select[Any]:
    """Every link by member row, oldest first, with the remote actor's names if we know them."""
    return (
        select(
            linked_actors.c.member_row_id,
            linked_actors.c.id,
            linked_actors.c.actor_uri,
            linked_actors.c.linked_at,
            remote_actors.c.host,
            remote_actors.c.preferred_username,
            remote_actors.c.display_name,
        )
        .select_from(
            linked_actors.outerjoin(remote_actors, remote_actors.c.uri == linked_actors.c.actor_uri)
        )
        .order_by(linked_actors.c.id)
    )


def _linked_actor(row: Row[Any]) -> LinkedActor:
    return LinkedActor(
        row.id,
        row.actor_uri,
        row.linked_at,
        row.host,
        row.preferred_username or "",
        row.display_name or "",
    )


async def links_of(conn: AsyncConnection, member_row_id: int) -> list[LinkedActor]:
    """The member's linked actors, oldest link first, with the remote actor's name if known."""
    query = _links_query().where(linked_actors.c.member_row_id == member_row_id)
    return [_linked_actor(row) for row in (await conn.execute(query)).all()]


async def delete_links_of_actor(conn: AsyncConnection, actor_uri: str) -> None:
    await conn.execute(delete(linked_actors).where(linked_actors.c.actor_uri == actor_uri))


async def linked_actor_uris(conn: AsyncConnection, member_row_ids: list[int]) -> list[str]:
    """The linked actors of these members (to reach them where they read: members-only polls)."""
    if not member_row_ids:
        return []
    query = select(linked_actors.c.actor_uri).where(
        linked_actors.c.member_row_id.in_(member_row_ids)
    )
    return list((await conn.execute(query)).scalars())


async def links_by_member(conn: AsyncConnection) -> dict[int, list[LinkedActor]]:
    """Every link, grouped by member row (one query for the admin's member list)."""
    grouped: dict[int, list[LinkedActor]] = {}
    for row in (await conn.execute(_links_query())).all():
        grouped.setdefault(row.member_row_id, []).append(_linked_actor(row))
    return grouped
