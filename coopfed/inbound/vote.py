"""`Create{Note}`: a vote in one of our proposals' polls (Mastodon's shape), a reply with text
in a proposal's discussion (`comments`), a direct message to the co-op (a link code: see
`direct_messages`), else ignored.

Only an embedded Note `{name, inReplyTo: <our proposal>}` without content, attributed to the
signing actor, is a vote. Replies, mentions and other posts are ignored with their reason (an
`Announce` of a vote never reaches this handler: it is not a Create).
"""

from __future__ import annotations

from coopfed.federation.mapping.votes import RemoteVote, ap_to_vote
from coopfed.inbound.comments import handle_reply
from coopfed.inbound.context import HandlerContext, Outcome, done, ignored
from coopfed.inbound.direct_messages import handle_direct_message
from coopfed.services.remote_votes import record_remote_vote


async def handle_create_note(ctx: HandlerContext) -> Outcome:
    vote = ap_to_vote(ctx.activity, proposals_prefix=ctx.node.uris.proposal(""))
    if not isinstance(vote, RemoteVote):
        # A vote attempt on our poll stays a vote (and is ignored with its reason); a reply
        # with text joins the proposal's discussion.
        answered = None if vote.is_vote_attempt else await handle_reply(ctx)
        if answered is None and not vote.is_vote_attempt:
            answered = await handle_direct_message(ctx)
        if answered is not None:
            return answered
        return ignored(f"not a vote: {vote.reason.value} {vote.detail}".strip())
    if vote.voter != ctx.actor:  # the inbox bound the signature to this actor
        return ignored("vote by another actor than the signer")
    # The home clock decides lateness: when our inbox committed the vote.
    result = await record_remote_vote(ctx.conn, ctx.node.uris, vote, ctx.item.received_at)
    note = f"vote {result.status}: {result.message}"[:500]
    return done(note) if result.status != "ignored" else ignored(note)
