"""`Create{Note}`: a vote in one of our proposals' polls (Mastodon's shape), else ignored.

Only an embedded Note `{name, inReplyTo: <our proposal>}` without content, attributed to the
signing actor, is a vote. Replies, mentions and other posts are ignored with their reason (an
`Announce` of a vote never reaches this handler: it is not a Create).
"""

from __future__ import annotations

from coopfed.federation.dispatch import HandlerContext, Outcome, done, ignored, register
from coopfed.federation.mapping.votes import RemoteVote, ap_to_vote
from coopfed.services.remote_votes import record_remote_vote


@register("Create", "Note")
async def handle_create_note(ctx: HandlerContext) -> Outcome:
    vote = ap_to_vote(ctx.activity, proposals_prefix=ctx.node.uris.proposal(""))
    if not isinstance(vote, RemoteVote):
        return ignored(f"not a vote: {vote.reason.value} {vote.detail}".strip())
    if vote.voter != ctx.actor:  # the inbox bound the signature to this actor
        return ignored("vote by another actor than the signer")
    # The home clock decides lateness: when our inbox committed the vote.
    result = await record_remote_vote(ctx.conn, ctx.node.uris, vote, ctx.item.received_at)
    note = f"vote {result.status}: {result.message}"[:500]
    return done(note) if result.status != "ignored" else ignored(note)
