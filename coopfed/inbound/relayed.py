"""`Announce` of a Question (or of an `Update(Question)`) relayed by someone other than its
co-op: authenticated by the co-op's own proof, else fetched from its origin, else ignored.

The inbox keeps an Announce's embedded Question (or Update of one) even from a third origin
(federation/authority.py; every other foreign embed becomes its id); nothing of it is
trusted before its FEP-8b32 proof verifies with the `assertionMethod` key of the co-op it
is attributed to (same origin as the Question). Without a valid proof, the Question is
fetched from its own origin (the document at its id is its origin's word; a proof it carries
is checked too) within the per-host fetch budget; when it cannot be fetched, the relay
changes nothing. A bare id is never fetched on a relay's word. What is authenticated is
observed as the co-op's own `Update(Question)` would be (services/equivocations.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coopfed.activitypub.origin import InvalidURL, origin_of, same_origin
from coopfed.activitypub.proofs import ProofError
from coopfed.activitypub.safefetch import FetchError
from coopfed.inbound.context import HandlerContext, Outcome, done, ignored
from coopfed.services.equivocations import observe_question
from coopfed.services.remote_coops import verify_proof_by


def relayed_question(obj: Any) -> Mapping[str, Any] | None:
    """The Question embedded in an Announce's object (a Question or an Update of one), if
    any. A bare id is not fetched on a relay's word: anyone could make us fetch anything."""
    if isinstance(obj, dict) and obj.get("type") == "Update":
        obj = obj.get("object")
    if not isinstance(obj, dict) or obj.get("type") != "Question":
        return None
    return obj if isinstance(obj.get("id"), str) else None


async def _proven_by_its_coop(ctx: HandlerContext, question: Mapping[str, Any]) -> str | None:
    """The co-op whose proof on `question` verifies (same origin as the Question), or None."""
    coop = question.get("attributedTo")
    if "proof" not in question or not isinstance(coop, str):
        return None
    if not same_origin(coop, str(question.get("id"))):
        return None
    try:
        await verify_proof_by(ctx.conn, ctx.node, coop, question)
    except ProofError:
        return None
    return coop


async def handle_announce(ctx: HandlerContext) -> Outcome:
    embedded = relayed_question(ctx.object)
    if embedded is None:
        return ignored("an Announce is handled only with an embedded Question or Update(Question)")
    if same_origin(str(embedded["id"]), ctx.node.uris.base):
        return ignored("a relayed Question of our own: nothing to learn from it")
    coop = await _proven_by_its_coop(ctx, embedded)
    if coop is not None:
        return await _observe(ctx, coop, embedded, "relayed Question authenticated by its proof")
    question_id = str(embedded["id"])
    try:  # the fetch budget per host that actor refetches use: relays cannot make us flood one
        if not ctx.node.federation.fetch_limits.allow(f"host:{origin_of(question_id)}"):
            return ignored("relayed Question without a valid proof, not fetched: rate limited")
        async with ctx.node.federation.fetcher() as fetcher:
            fetched = await fetcher.fetch_object(question_id)
    except (FetchError, InvalidURL) as error:
        return ignored(f"relayed Question without a valid proof, not fetched: {error}")
    if fetched.get("type") != "Question":
        return ignored("the relayed Question is not a Question at its origin")
    coop = fetched.get("attributedTo")
    if not isinstance(coop, str) or not same_origin(coop, question_id):
        return ignored("the Question at its origin names no co-op of that origin")
    if "proof" in fetched and await _proven_by_its_coop(ctx, fetched) is None:
        return ignored("the Question at its origin carries a proof that does not verify")
    return await _observe(ctx, coop, fetched, "relayed Question fetched from its origin")


async def _observe(
    ctx: HandlerContext, coop: str, question: Mapping[str, Any], how: str
) -> Outcome:
    # The evidence kept is the Question itself (signed, or as its origin served it), never
    # the relay's unauthenticated wrapper.
    found = await observe_question(ctx.conn, coop, question, question, ctx.node.now())
    if found:
        kinds = ", ".join(f"{e.kind} at length {e.log_length}" for e in found)
        return done(f"{how}; equivocation recorded: {kinds}")
    return done(f"{how}; heads observed")
