"""`Offer{Alliance}` and `Undo{Offer}` between co-ops; `Invite`, `Leave` and `Remove` of a shared
project (`Leave`/`Remove` reach here from leave.py and membership_claims.py, which own the verbs).

Answers (`Accept`/`Reject`) of our Offers and Invites arrive with the answered activity's id
as object and reach `answer_of_ours` through the Accept/Reject handler in follow.py.
"""

from __future__ import annotations

from coopfed.federation.dispatch import HandlerContext, Outcome, done, ignored, register
from coopfed.federation.handlers.common import local_actor_of, sender
from coopfed.federation.mapping.alliances import ShapeRefused, ap_to_invite
from coopfed.services import alliance_votes, alliances, projects
from coopfed.services.members import coop_actor
from coopfed.store import alliances as alliance_store
from coopfed.store.actors import LocalActor


@register("Offer", "Alliance")
async def handle_alliance_offer(ctx: HandlerContext) -> Outcome:
    coop = await local_actor_of(ctx, ctx.activity.get("target"))
    if coop is None or coop.kind != "coop":
        return ignored("an alliance offered to something other than our co-op")
    offering = await sender(ctx)
    note = await alliance_votes.receive_offer(
        ctx.conn, ctx.node, coop, offering, str(ctx.activity["id"])
    )
    return done(note)


@register("Undo", "Offer")
async def handle_undo_offer(ctx: HandlerContext) -> Outcome:
    offer_id = ctx.object_id
    if offer_id is None:
        return ignored("Undo without the Offer's id")
    coop = await coop_actor(ctx.conn)
    note = await alliances.receive_undo(
        ctx.conn, ctx.node.uris, coop, await sender(ctx), offer_id, ctx.node.now()
    )
    return done(note)


@register("Invite")
async def handle_invite(ctx: HandlerContext) -> Outcome:
    try:
        invite = ap_to_invite(ctx.activity)
    except ShapeRefused as error:
        return ignored(str(error))
    coop = await local_actor_of(ctx, invite.target)
    if coop is None or coop.kind != "coop":
        return ignored("an Invite for someone other than our co-op")
    await sender(ctx)  # stored, so our answer can be delivered
    return done(await projects.receive_invite(ctx.conn, coop, invite, ctx.node.now()))


async def answer_of_ours(ctx: HandlerContext, *, accepted: bool) -> Outcome | None:
    """An Accept/Reject of one of our alliance Offers or project Invites; None if neither."""
    answered = ctx.object_id
    if answered is None:
        return None
    now = ctx.node.now()
    alliance = await alliance_store.get_by_offer(ctx.conn, answered)
    if alliance is not None and alliance.direction == "outgoing":
        coop = await coop_actor(ctx.conn)
        note = await alliances.receive_answer(
            ctx.conn, ctx.node.uris, coop, await sender(ctx), alliance, accepted=accepted, now=now
        )
        return done(note)
    if alliance is not None:  # B rejecting its own acceptance = ending; A's Reject of B's offer
        coop = await coop_actor(ctx.conn)
        note = await alliances.receive_undo(
            ctx.conn, ctx.node.uris, coop, await sender(ctx), answered, now
        )
        return done(note)
    answer = await projects.receive_invite_answer(
        ctx.conn, await sender(ctx), answered, accepted=accepted, now=now
    )
    return None if answer is None else done(answer)


async def project_leave(ctx: HandlerContext, project: LocalActor) -> Outcome:
    """A member co-op's `Leave` of a project hosted here (only the co-op's own actor)."""
    note = await projects.receive_leave(ctx.conn, ctx.node, project, ctx.actor, ctx.node.now())
    return ignored(note) if "refused" in note or note.startswith("a Leave") else done(note)


async def project_removal(ctx: HandlerContext) -> Outcome | None:
    """`Remove` of our co-op by a project it is in; None when the sender is no such project."""
    removed = ctx.object_id
    if removed is None:
        return None
    note = await projects.receive_removal(ctx.conn, ctx.node, ctx.actor, removed, ctx.node.now())
    if note is None:
        return None
    return done(note) if note == "removed from the project" else ignored(note)
