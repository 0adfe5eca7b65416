"""Replies with text to our proposals or discussions (or to their comments): the thread of
either kind (services/comments.py finds it), and their authors' edits (`Update{Note}`,
registered in dispatch).

Not registered itself: `Create{Note}` belongs to the vote handler, which hands over a Note
with text (a poll vote has none). A reply that is not about anything of ours falls through to
the direct-message handler (a link code may come as a reply to one of our notes).
"""

from __future__ import annotations

from coopfed.federation.mapping.comments import (
    RemoteReply,
    ReplyEdit,
    ap_to_reply,
    ap_to_reply_edit,
)
from coopfed.inbound.context import HandlerContext, Outcome, ignored, sender
from coopfed.services.comments import NOTHING_OF_OURS, receive_edit, receive_reply


async def handle_reply(ctx: HandlerContext) -> Outcome | None:
    """The outcome when the Note is a reply in one of our threads; None when it is not."""
    reply = ap_to_reply(ctx.activity, ours=ctx.node.uris.base + "/")
    if not isinstance(reply, RemoteReply):
        return None
    if reply.author != ctx.actor:  # the inbox bound the signature to this actor
        return ignored("reply by another actor than the signer")
    outcome = await receive_reply(ctx.conn, ctx.node.uris, reply, ctx.item.received_at)
    if outcome.note == NOTHING_OF_OURS:
        return None
    await sender(ctx)  # stored, so the thread can show the author by name
    return outcome


async def handle_note_update(ctx: HandlerContext) -> Outcome:
    """`Update{Note}`: an edit of a reply in one of our threads, by its author only (the inbox
    already refused an Update of another origin's object, or of a sibling actor's id)."""
    edit = ap_to_reply_edit(ctx.activity)
    if not isinstance(edit, ReplyEdit):
        return ignored(f"not an edit of a reply: {edit.reason}")
    if edit.author != ctx.actor:  # the inbox bound the signature to this actor
        return ignored("Update by another actor than the signer")
    return await receive_edit(ctx.conn, ctx.node.uris, edit, ctx.item.received_at)
