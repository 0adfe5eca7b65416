"""Remote actors we fetched: their inboxes and HTTP signature keys."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import remote_actors


@dataclass(frozen=True)
class RemoteActor:
    uri: str
    host: str  # host[:port] of the uri, lower case
    type: str
    preferred_username: str
    display_name: str
    inbox: str
    shared_inbox: str | None
    key_id: str | None
    public_key_pem: str | None
    document: str  # the JSON as fetched (or as received in an Update)
    id: int | None = None
    fetched_at: datetime | None = None
    deleted_at: datetime | None = None


_FIELDS = tuple(RemoteActor.__dataclass_fields__)
_WRITTEN = (
    "host",
    "type",
    "preferred_username",
    "display_name",
    "inbox",
    "shared_inbox",
    "key_id",
    "public_key_pem",
    "document",
)


def _actor(row: RowMapping) -> RemoteActor:
    return RemoteActor(**{name: row[name] for name in _FIELDS})


async def get_by_uri(conn: AsyncConnection, uri: str) -> RemoteActor | None:
    result = await conn.execute(select(remote_actors).where(remote_actors.c.uri == uri))
    row = result.mappings().first()
    return _actor(row) if row else None


async def get_by_key_id(conn: AsyncConnection, key_id: str) -> RemoteActor | None:
    query = select(remote_actors).where(remote_actors.c.key_id == key_id).limit(1)
    row = (await conn.execute(query)).mappings().first()
    return _actor(row) if row else None


async def upsert(conn: AsyncConnection, actor: RemoteActor, *, now: datetime) -> RemoteActor:
    """Insert or refresh by uri (one statement, so concurrent first sightings of one actor do
    not collide); a re-fetched actor is no longer deleted. Returns the stored row."""
    values = {name: getattr(actor, name) for name in _WRITTEN}
    values.update(fetched_at=now, deleted_at=None)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(remote_actors)
        .values(uri=actor.uri, **values)
        .on_conflict_do_update(index_elements=["uri"], set_=values)
        .returning(remote_actors.c.id)
    )
    row_id = int((await conn.execute(statement)).scalar_one())
    return replace(actor, id=row_id, fetched_at=now, deleted_at=None)


async def mark_deleted(conn: AsyncConnection, uri: str, *, now: datetime) -> RemoteActor | None:
    """Mark an actor deleted (its follows are the caller's business); None if unknown."""
    existing = await get_by_uri(conn, uri)
    if existing is None:
        return None
    await conn.execute(
        update(remote_actors).where(remote_actors.c.id == existing.id).values(deleted_at=now)
    )
    return replace(existing, deleted_at=now)
