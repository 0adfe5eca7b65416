"""Creating a node's own actors: the co-op itself and the instance actor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.httpsig import keys
from coopfed.store import actors as actor_store
from coopfed.store.actors import LocalActor

# A dot can never appear in a handle, so the instance actor cannot collide with one.
INSTANCE_USERNAME = "instance.actor"


async def create_actor_with_keys(
    conn: AsyncConnection,
    *,
    username: str,
    kind: str,
    display_name: str,
    summary: str,
    now: datetime,
) -> LocalActor:
    """A local actor with a fresh RSA-2048 key (HTTP signatures) and Ed25519 key (object proofs)."""
    rsa_key = keys.generate_rsa_key()
    ed_key = keys.generate_ed25519_key()
    return await actor_store.insert_local_actor(
        conn,
        username=username,
        kind=kind,
        display_name=display_name,
        summary=summary,
        rsa_private_pem=keys.private_key_to_pem(rsa_key),
        rsa_public_pem=keys.public_key_to_pem(rsa_key.public_key()),
        ed25519_private_pem=keys.private_key_to_pem(ed_key),
        ed25519_public_multibase=keys.ed25519_to_multibase(ed_key.public_key()),
        now=now,
    )


async def create_node_actors(
    conn: AsyncConnection, *, handle: str, name: str, summary: str, now: datetime
) -> LocalActor:
    """The co-op Group and the instance Application; returns the co-op actor."""
    coop = await create_actor_with_keys(
        conn, username=handle, kind="coop", display_name=name, summary=summary, now=now
    )
    await create_actor_with_keys(
        conn,
        username=INSTANCE_USERNAME,
        kind="instance",
        display_name=f"{name} (server)",
        summary="The server's own actor; it signs fetches made on no one's behalf.",
        now=now,
    )
    return coop


async def node_is_initialised(conn: AsyncConnection) -> bool:
    return await actor_store.get_actor_of_kind(conn, "coop") is not None


async def ensure_node_actors(
    conn: AsyncConnection, *, handle: str, name: str, summary: str, now: datetime
) -> LocalActor:
    """The co-op actor, created on first start when the node was configured by environment."""
    existing = await actor_store.get_actor_of_kind(conn, "coop")
    if existing is not None:
        return existing
    return await create_node_actors(conn, handle=handle, name=name, summary=summary, now=now)
