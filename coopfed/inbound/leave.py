"""`Leave` of the co-op: only the member can leave, so the Leave must come from (be signed by)
the actor the member is bound to. Anyone else's Leave changes nothing."""

from __future__ import annotations

from coopfed.governance.members import MemberStatus
from coopfed.inbound.context import HandlerContext, Outcome, done, ignored, local_actor_of
from coopfed.inbound.projects import project_leave
from coopfed.services.errors import ServiceError
from coopfed.services.member_lifecycle import end_membership_in
from coopfed.store import members as member_store


async def handle_leave(ctx: HandlerContext) -> Outcome:
    local = await local_actor_of(ctx, ctx.object_id)
    if local is not None and local.kind == "project":
        return await project_leave(ctx, local)  # a member co-op leaves a shared project
    if local is None or local.kind != "coop":
        return ignored("Leave of something other than the co-op")
    record = await member_store.get_by_actor(ctx.conn, ctx.actor)
    if record is None:
        return ignored("Leave by an actor that is not bound to a member")
    try:
        await end_membership_in(
            ctx.conn, ctx.node.uris, record, MemberStatus.LEFT,
            reason="left (Leave)", decided_by=ctx.actor, now=ctx.node.now(),
        )  # fmt: skip
    except ServiceError as error:
        return ignored(str(error))
    return done(f"member {record.member_id} left")
