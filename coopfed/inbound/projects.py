"""Shared projects: an `Invite` of our co-op into a project, a member co-op's `Leave` of a
project hosted here, and a project's `Remove` of our co-op.

`Leave` and `Remove` reach here from leave.py and membership_claims.py, which own those verbs;
answers to our own Invites are routed by answers.py.
"""

from __future__ import annotations

from coopfed.federation.mapping.alliances import ShapeRefused, ap_to_invite
from coopfed.inbound.context import HandlerContext, Outcome, ignored, local_actor_of, sender
from coopfed.services import project_hosting, project_membership
from coopfed.store.actors import LocalActor


async def handle_invite(ctx: HandlerContext) -> Outcome:
    try:
        invite = ap_to_invite(ctx.activity)
    except ShapeRefused as error:
        return ignored(str(error))
    coop = await local_actor_of(ctx, invite.target)
    if coop is None or coop.kind != "coop":
        return ignored("an Invite for someone other than our co-op")
    await sender(ctx)  # stored, so our answer can be delivered
    return await project_membership.receive_invite(ctx.conn, coop, invite, ctx.node.now())


async def project_leave(ctx: HandlerContext, project: LocalActor) -> Outcome:
    """A member co-op's `Leave` of a project hosted here (only the co-op's own actor)."""
    return await project_hosting.receive_leave(
        ctx.conn, ctx.node, project, ctx.actor, ctx.node.now()
    )


async def project_removal(ctx: HandlerContext) -> Outcome | None:
    """`Remove` of our co-op by a project it is in; None when the sender is no such project."""
    removed = ctx.object_id
    if removed is None:
        return None
    return await project_membership.receive_removal(
        ctx.conn, ctx.node, ctx.actor, removed, ctx.node.now()
    )
