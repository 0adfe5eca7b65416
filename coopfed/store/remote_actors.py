"""Remote actors we fetched: their inboxes and HTTP signature keys.

`key_id`/`public_key_pem` hold the actor's main key; `keys` every key it binds to itself
(publicKey and FEP-521a Multikeys, as PEM), kept in `remote_actor_keys` and replaced on each
upsert, so the table always mirrors the last document we accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import remote_actor_keys, remote_actors


@dataclass(frozen=True)
class StoredKey:
    key_id: str
    public_key_pem: str  # SPKI PEM, also for keys published as Multikeys


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
    keys: tuple[StoredKey, ...] = ()  # written by upsert, not read back by the getters


_FIELDS = tuple(name for name in RemoteActor.__dataclass_fields__ if name != "keys")
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


async def get_key(conn: AsyncConnection, key_id: str) -> tuple[RemoteActor, str] | None:
    """The actor binding `key_id` and the key's PEM: any listed key, else (rows stored before
    keys had their own table) the main key."""
    query = (
        select(remote_actors, remote_actor_keys.c.public_key_pem.label("listed_pem"))
        .join(remote_actor_keys, remote_actor_keys.c.remote_actor_id == remote_actors.c.id)
        .where(remote_actor_keys.c.key_id == key_id)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is not None:
        return _actor(row), str(row["listed_pem"])
    actor = await get_by_key_id(conn, key_id)
    if actor is None or actor.public_key_pem is None:
        return None
    return actor, actor.public_key_pem


async def _replace_keys(conn: AsyncConnection, actor_id: int, actor: RemoteActor) -> None:
    keys = {key.key_id: key.public_key_pem for key in actor.keys}
    if actor.key_id and actor.public_key_pem:
        keys.setdefault(actor.key_id, actor.public_key_pem)
    gone = delete(remote_actor_keys).where(remote_actor_keys.c.remote_actor_id == actor_id)
    if keys:
        gone = gone.where(remote_actor_keys.c.key_id.not_in(list(keys)))
    await conn.execute(gone)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for key_id, pem in keys.items():
        # A key id another actor of the same origin claimed before moves to this one.
        values = {"remote_actor_id": actor_id, "public_key_pem": pem}
        await conn.execute(
            insert(remote_actor_keys)
            .values(key_id=key_id, **values)
            .on_conflict_do_update(index_elements=["key_id"], set_=values)
        )


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
    await _replace_keys(conn, row_id, actor)
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
