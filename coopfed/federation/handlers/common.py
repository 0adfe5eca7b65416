"""Helpers shared by handlers: finding the local target and the remote sender."""

from __future__ import annotations

from coopfed.federation.dispatch import HandlerContext
from coopfed.federation.keyresolver import without_fragment
from coopfed.federation.mapping.remote_actors import ap_to_remote_actor
from coopfed.federation.runtime import runtime_of
from coopfed.store import actors as local_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.actors import LocalActor
from coopfed.store.remote_actors import RemoteActor


async def local_actor_of(ctx: HandlerContext, uri: str | None) -> LocalActor | None:
    """The local actor whose IRI is `uri`, if it is one of ours."""
    prefix = ctx.node.uris.actor("")
    if uri is None or not uri.startswith(prefix):
        return None
    username = uri[len(prefix) :]
    if ctx.node.uris.actor(username) != uri:
        return None
    return await local_store.get_local_actor(ctx.conn, username)


async def sender(ctx: HandlerContext) -> RemoteActor:
    """The activity's actor as stored (its key was resolved), fetched again if missing."""
    found = await remote_store.get_by_uri(ctx.conn, ctx.actor)
    if found is not None and found.deleted_at is None:
        return found
    async with runtime_of(ctx.node).fetcher() as fetcher:
        document = await fetcher.fetch_object(without_fragment(ctx.actor))
    actor = ap_to_remote_actor(document)
    if actor.uri != ctx.actor:
        raise ValueError(f"{ctx.actor} serves actor {actor.uri}")
    return await remote_store.upsert(ctx.conn, actor, now=ctx.node.now())
