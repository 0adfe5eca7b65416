"""`Join` of the co-op: an application for membership (optional message and `memberClass`).

The applicant is the signing actor (the inbox bound the signature to `actor`). The application
waits for an admin, or for the members' vote; a refused one (class closed to applications) is
answered with a `Reject` at once. A Join from someone who is already a member gets the answer
again.
"""

from __future__ import annotations

from coopfed.federation.mapping.membership import MembershipRefused, ap_to_join
from coopfed.inbound.context import HandlerContext, Outcome, done, ignored, local_actor_of, sender
from coopfed.services.membership import ApplicationRequest, receive_application
from coopfed.store.remote_actors import RemoteActor


def handle_of(actor: RemoteActor) -> str:
    """`acct:user@host` when the actor has a username, else its IRI."""
    if actor.preferred_username:
        return f"acct:{actor.preferred_username}@{actor.host}"
    return actor.uri


async def handle_join(ctx: HandlerContext) -> Outcome:
    local = await local_actor_of(ctx, ctx.object_id)
    if local is None or local.kind != "coop":
        return ignored("Join of something other than the co-op")
    try:
        join = ap_to_join(ctx.activity, ctx.node.uris.actor(local.username))
    except MembershipRefused as refused:
        return ignored(str(refused))
    if join.actor != ctx.actor:
        return ignored("Join on behalf of another actor")
    applicant = await sender(ctx)  # stored, so the answer can be delivered
    request = ApplicationRequest(
        actor_uri=applicant.uri,
        handle=handle_of(applicant),
        requested_class=join.requested_class,
        message=join.message,
        source="fediverse",
        join_activity_id=join.activity_id,
        language=ctx.node.settings.coop.language,  # a Join says no language: the co-op's
    )
    outcome = await receive_application(ctx.conn, ctx.node.uris, request, ctx.node.now())
    return done(f"application {outcome.status.value}: {outcome.message}"[:500])
