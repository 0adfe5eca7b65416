"""`Add`/`Remove` sent TO us: only the co-op adds to or removes from its members collection,
so such activities from anyone else never change the register; they are ignored with a reason.
The one exception: a shared project our co-op is in may `Remove` it from the project."""

from __future__ import annotations

from coopfed.inbound.context import HandlerContext, Outcome, ignored
from coopfed.inbound.projects import project_removal


async def handle_add(ctx: HandlerContext) -> Outcome:
    return ignored("only the co-op adds members; Add from others is not acted on")


async def handle_remove(ctx: HandlerContext) -> Outcome:
    removal = await project_removal(ctx)  # a shared project removing our co-op
    if removal is not None:
        return removal
    return ignored("only the co-op removes members; Remove from others is not acted on")
