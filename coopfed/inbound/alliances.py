"""`Offer{Alliance}` and `Undo{Offer}` between co-ops.

Answers (`Accept`/`Reject`) of our own Offers arrive with the offer's id as object and are
routed by answers.py.
"""

from __future__ import annotations

from coopfed.inbound.context import HandlerContext, Outcome, ignored, local_actor_of, sender
from coopfed.services import alliance_votes, alliances
from coopfed.services.members import coop_actor


async def handle_alliance_offer(ctx: HandlerContext) -> Outcome:
    coop = await local_actor_of(ctx, ctx.activity.get("target"))
    if coop is None or coop.kind != "coop":
        return ignored("an alliance offered to something other than our co-op")
    offering = await sender(ctx)
    return await alliance_votes.receive_offer(
        ctx.conn, ctx.node, coop, offering, str(ctx.activity["id"])
    )


async def handle_undo_offer(ctx: HandlerContext) -> Outcome:
    offer_id = ctx.object_id
    if offer_id is None:
        return ignored("Undo without the Offer's id")
    coop = await coop_actor(ctx.conn)
    return await alliances.receive_undo(
        ctx.conn, ctx.node.uris, coop, await sender(ctx), offer_id, ctx.node.now()
    )
