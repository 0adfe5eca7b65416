"""Direct messages to the co-op actor: a link code proves the sender's fediverse account.

Not registered itself: `Create{Note}` belongs to the vote handler, which hands over any Note
that is not a vote. A direct message (to the co-op only, no Public, no followers) with a code
is redeemed and answered privately; other messages are ignored with their reason.
"""

from __future__ import annotations

from coopfed.federation.mapping.direct_messages import ap_to_direct_message
from coopfed.inbound.context import HandlerContext, Outcome, coop_of, done, ignored, sender
from coopfed.services.link_messages import answer_link_message


async def handle_direct_message(ctx: HandlerContext) -> Outcome | None:
    """The outcome when the Note is a direct message to the co-op; None when it is not."""
    coop = await coop_of(ctx)
    message = ap_to_direct_message(ctx.activity, recipient=ctx.node.uris.actor(coop.username))
    if message is None:
        return None
    if message.sender != ctx.actor:  # the inbox bound the signature to this actor
        return ignored("direct message by another actor than the signer")
    if message.code is None:
        return ignored("a direct message to the co-op without a link code")
    await sender(ctx)  # stored, so the answer can be delivered and the link shown by name
    outcome = await answer_link_message(ctx.conn, ctx.node.uris, message, ctx.item.received_at)
    assert outcome is not None
    note = f"link {outcome.status.value}: {outcome.message}"[:500]
    return done(note) if outcome.linked else ignored(note)
