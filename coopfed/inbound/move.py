"""`Move` of a member's account: the member stays one member with one vote, bound to the new
actor, only if the new actor's document (fetched from its origin through the safe fetcher) lists
the old actor in `alsoKnownAs`. Mastodon sends `Move{object: old, target: new}` by the old actor.
"""

from __future__ import annotations

from coopfed.federation.keyresolver import without_fragment
from coopfed.federation.mapping.membership import MembershipRefused, also_known_as, move_target
from coopfed.federation.mapping.remote_actors import ActorRefused, ap_to_remote_actor
from coopfed.inbound.context import HandlerContext, Outcome, done, ignored
from coopfed.inbound.join import handle_of
from coopfed.services.errors import ServiceError
from coopfed.services.member_lifecycle import rebind_in
from coopfed.store import members as member_store
from coopfed.store import remote_actors as remote_store


async def handle_move(ctx: HandlerContext) -> Outcome:
    try:
        target = move_target(ctx.activity, ctx.actor)
    except MembershipRefused as refused:
        return ignored(str(refused))
    record = await member_store.get_by_actor(ctx.conn, ctx.actor)
    if record is None:
        return ignored("Move of an actor that is not bound to a member")
    async with ctx.node.federation.fetcher() as fetcher:
        document = await fetcher.fetch_object(without_fragment(target))
    try:
        new_actor = ap_to_remote_actor(document)
    except ActorRefused as refused:
        return ignored(f"Move target refused: {refused}")
    if new_actor.uri != target:
        return ignored("the Move target serves another actor")
    if ctx.actor not in also_known_as(document):
        return ignored("Move refused: the new actor's alsoKnownAs does not list the old one")
    stored = await remote_store.upsert(ctx.conn, new_actor, now=ctx.node.now())
    try:
        await rebind_in(
            ctx.conn, ctx.node.uris, record, stored.uri,
            handle=handle_of(stored), via="Move", now=ctx.node.now(),
        )  # fmt: skip
    except ServiceError as error:
        return ignored(str(error))
    return done(f"member {record.member_id} moved to {stored.uri}")
