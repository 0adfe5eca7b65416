"""`Delete` of a remote actor by itself (mark deleted, drop its follows), or of its objects
(a reply in one of our threads leaves it: services/comments.receive_deletion).

A deleted id is tombstoned for its sender: its deleting it again is a no-op, its creating it
again is refused (both answered by the inbox before anything is stored). Only ids the sender
may delete (`authority.may_delete`: under its IRI, or sent by it before) are tombstoned; a
Delete of anyone else's id changes nothing.
"""

from __future__ import annotations

from coopfed.federation import authority
from coopfed.inbound.context import HandlerContext, Outcome, done, ignored
from coopfed.services.comments import receive_deletion
from coopfed.store import follows as follow_store
from coopfed.store import inbox as inbox_store
from coopfed.store import remote_actors as remote_store


async def handle_delete(ctx: HandlerContext) -> Outcome:
    object_id = ctx.object_id
    if object_id is None:
        return ignored("Delete without an object id")
    if not await authority.may_delete(ctx.conn, ctx.actor, object_id):
        return ignored("Delete of an id this actor never sent")
    now = ctx.node.now()
    await inbox_store.add_tombstone(ctx.conn, ctx.actor, object_id, now=now)
    if object_id != ctx.actor:
        if await receive_deletion(ctx.conn, ctx.actor, object_id, ctx.item.received_at):
            return done("object tombstoned, its comment deleted from the thread")
        return done("object tombstoned")
    actor = await remote_store.mark_deleted(ctx.conn, ctx.actor, now=now)
    if actor is None:
        return done("unknown actor tombstoned")
    assert actor.id is not None
    dropped = await follow_store.drop_follows_of_remote(ctx.conn, actor.id)
    ctx.node.federation.keys.forget_owner(actor.uri)
    return done(f"actor deleted, {dropped} follows dropped")
