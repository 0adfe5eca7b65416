"""`Update` of a remote actor by itself: keep its new name, inboxes and key.

The embedded document is authentic: it came signed by a key of its own origin and names the
actor itself (checked in the inbox). A bare id is fetched from its origin instead.
"""

from __future__ import annotations

from typing import Any

from coopfed.federation.keyresolver import without_fragment
from coopfed.federation.mapping.remote_actors import (
    ActorRefused,
    ap_to_remote_actor,
)
from coopfed.inbound.context import HandlerContext, Outcome, done, ignored
from coopfed.store import remote_actors as remote_store


async def _document(ctx: HandlerContext) -> dict[str, Any]:
    obj = ctx.object
    if isinstance(obj, dict):
        return obj
    async with ctx.node.federation.fetcher() as fetcher:
        return await fetcher.fetch_object(without_fragment(ctx.actor))


async def handle_actor_update(ctx: HandlerContext) -> Outcome:
    if ctx.object_id != ctx.actor:
        return ignored("an actor may only update itself")
    try:
        actor = ap_to_remote_actor(await _document(ctx))
    except ActorRefused as exc:
        return ignored(f"actor update refused: {exc}")
    if actor.uri != ctx.actor:
        return ignored("the document is another actor")
    previous = await remote_store.get_by_uri(ctx.conn, actor.uri)
    if previous is not None and previous.host != actor.host:
        return ignored("an actor cannot move to another host")
    await remote_store.upsert(ctx.conn, actor, now=ctx.node.now())
    ctx.node.federation.keys.forget_owner(actor.uri)  # every key it listed, not only the main one
    return done("actor updated")


async def handle_other_update(ctx: HandlerContext) -> Outcome:
    if ctx.object_id == ctx.actor:  # `Update{<actor id>}` without a type: refetch
        return await handle_actor_update(ctx)
    return ignored("updates of objects are not handled yet")
