"""`Follow` of a local actor; `Accept`/`Reject` of one of our Follows."""

from __future__ import annotations

from coopfed.federation.dispatch import HandlerContext, Outcome, done, ignored, register
from coopfed.federation.handlers.alliances import answer_of_ours
from coopfed.federation.handlers.common import local_actor_of, sender
from coopfed.services import follows
from coopfed.store import follows as follow_store


@register("Follow")
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


async def _answer_to_our_follow(ctx: HandlerContext, state: str) -> Outcome:
    follow_id = ctx.object_id
    if follow_id is None:
        return ignored(f"{ctx.activity['type']} without an object")
    follower = await sender(ctx)
    assert follower.id is not None
    changed = await follow_store.set_following_state(
        ctx.conn, follow_activity_id=follow_id, remote_actor_id=follower.id, state=state
    )
    if changed:
        return done(f"following {state}")
    # Not a Follow of ours: maybe an alliance Offer or a project Invite we sent.
    other = await answer_of_ours(ctx, accepted=state == "accepted")
    return other if other is not None else ignored("not an answer to our Follow")


@register("Accept")
async def handle_accept(ctx: HandlerContext) -> Outcome:
    return await _answer_to_our_follow(ctx, "accepted")


@register("Reject")
async def handle_reject(ctx: HandlerContext) -> Outcome:
    return await _answer_to_our_follow(ctx, "rejected")
