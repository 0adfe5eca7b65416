"""`Follow` of a local actor (answers to our own Follows are routed by answers.py)."""

from __future__ import annotations

from coopfed.inbound.context import HandlerContext, Outcome, done, ignored, local_actor_of, sender
from coopfed.services import follows


async def handle_follow(ctx: HandlerContext) -> Outcome:
    local = await local_actor_of(ctx, ctx.object_id)
    if local is None:
        return ignored("Follow of an actor that is not ours")
    follower = await sender(ctx)
    outcome = await follows.receive_follow(
        ctx.conn,
        uris=ctx.node.uris,
        local=local,
        follower=follower,
        follow={"id": ctx.activity["id"], "actor": ctx.actor},
        manually_approves=ctx.node.settings.federation.manually_approves_followers,
        now=ctx.node.now(),
    )
    return done(f"follow {outcome.value}")
