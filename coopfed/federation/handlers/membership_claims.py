"""`Add`/`Remove` sent TO us: only the co-op adds to or removes from its members collection,
so such activities from anyone else never change the register; they are ignored with a reason."""

from __future__ import annotations

from coopfed.federation.dispatch import HandlerContext, Outcome, ignored, register


@register("Add")
async def handle_add(ctx: HandlerContext) -> Outcome:
    return ignored("only the co-op adds members; Add from others is not acted on")


@register("Remove")
async def handle_remove(ctx: HandlerContext) -> Outcome:
    return ignored("only the co-op removes members; Remove from others is not acted on")
