"""`Flag`: another server reports comments in our threads (Mastodon's moderators, Lemmy's and
Mbin's users). Stored as a report against each comment of ours it names, for the admins;
anything else it names (the account, posts we do not hold) is left out, and a Flag naming no
comment of ours is ignored with the reason. The sender is never answered.
"""

from __future__ import annotations

from coopfed.federation.mapping.moderation import RemoteFlag, ap_to_flag
from coopfed.inbound.context import HandlerContext, Outcome, ignored
from coopfed.services.comment_moderation import receive_flag


async def handle_flag(ctx: HandlerContext) -> Outcome:
    flag = ap_to_flag(ctx.activity)
    if not isinstance(flag, RemoteFlag):
        return ignored(f"Flag refused: {flag.reason}")
    if flag.actor != ctx.actor:  # the inbox bound the signature to this actor
        return ignored("Flag by another actor than the signer")
    return await receive_flag(ctx.conn, flag, ctx.item.received_at)
