"""`Accept`/`Reject` of something we sent: one of our Follows, alliance Offers or project
Invites. Each answer names the answered activity's id as its object; that id says which."""

from __future__ import annotations

from coopfed.inbound.context import HandlerContext, Outcome, done, ignored, sender
from coopfed.services import alliances, project_hosting
from coopfed.services.members import coop_actor
from coopfed.store import alliances as alliance_store
from coopfed.store import follows as follow_store


async def handle_accept(ctx: HandlerContext) -> Outcome:
    return await _answer(ctx, "accepted")


async def handle_reject(ctx: HandlerContext) -> Outcome:
    return await _answer(ctx, "rejected")


async def _answer(ctx: HandlerContext, state: str) -> Outcome:
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
    other = await _answer_to_offer_or_invite(ctx, accepted=state == "accepted")
    return other if other is not None else ignored("not an answer to our Follow")


async def _answer_to_offer_or_invite(ctx: HandlerContext, *, accepted: bool) -> Outcome | None:
    """An Accept/Reject of one of our alliance Offers or project Invites; None if neither."""
    answered = ctx.object_id
    if answered is None:
        return None
    now = ctx.node.now()
    alliance = await alliance_store.get_by_offer(ctx.conn, answered)
    if alliance is not None and alliance.direction == "outgoing":
        coop = await coop_actor(ctx.conn)
        return await alliances.receive_answer(
            ctx.conn, ctx.node.uris, coop, await sender(ctx), alliance, accepted=accepted, now=now
        )
    if alliance is not None:  # B rejecting its own acceptance = ending; A's Reject of B's offer
        coop = await coop_actor(ctx.conn)
        return await alliances.receive_undo(
            ctx.conn, ctx.node.uris, coop, await sender(ctx), answered, now
        )
    return await project_hosting.receive_invite_answer(
        ctx.conn, await sender(ctx), answered, accepted=accepted, now=now
    )
