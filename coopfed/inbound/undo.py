"""`Undo{Follow}`: only the follower can withdraw a follow (the inbox checked the origin)."""

from __future__ import annotations

from coopfed.inbound.context import HandlerContext, Outcome, done, ignored
from coopfed.services import follows


async def handle_undo(ctx: HandlerContext) -> Outcome:
    follow_id = ctx.object_id
    if follow_id is None:
        return ignored("Undo without an object id")
    removed = await follows.undo_follow(ctx.conn, follower_uri=ctx.actor, follow_id=follow_id)
    return done("follow withdrawn") if removed else ignored("no follow of theirs with that id")
