"""`Update(Question)` from another node about its own proposal: watched for equivocation.

Only a Question on the sender's own origin is considered (FEP-fe34: a node speaks only for its
objects); a signed (final) Question must carry a valid proof by that co-op's assertion key, else
it is refused with the reason. Another actor of that origin (an instance actor forwarding it) is
believed only by that proof (issue 14: a valid proof authenticates a relayed object); its log
head and result are compared with what it published before (services/equivocations.py).
Nothing else about a remote Question is stored.
"""

from __future__ import annotations

from coopfed.activitypub.origin import InvalidURL, origin_of
from coopfed.activitypub.proofs import ProofError
from coopfed.inbound.context import HandlerContext, Outcome, done, ignored
from coopfed.services.equivocations import observe_question
from coopfed.services.remote_coops import verify_proof_by


def _same_origin(a: str, b: str) -> bool:
    try:
        return origin_of(a) == origin_of(b)
    except InvalidURL:
        return False


async def handle_question_update(ctx: HandlerContext) -> Outcome:
    question = ctx.object
    if not isinstance(question, dict) or not isinstance(question.get("id"), str):
        return ignored("an Update(Question) needs the embedded Question")
    if not _same_origin(question["id"], ctx.actor):
        return ignored("a Question is updated only by its own origin")
    coop = ctx.actor
    owner = question.get("attributedTo")
    if "proof" in question:  # a final Question is signed by its co-op: check before keeping it
        if not isinstance(owner, str) or not _same_origin(owner, question["id"]):
            return ignored("a signed Question names no co-op of its own origin")
        try:
            await verify_proof_by(ctx.conn, ctx.node, owner, question)
        except ProofError as error:
            return ignored(f"proof refused: {error}")
        coop = owner  # the proof, not who forwarded it, says whose word this is
    elif isinstance(owner, str) and owner != ctx.actor:
        return ignored("a Question forwarded by another actor than its co-op needs its proof")
    found = await observe_question(ctx.conn, coop, question, ctx.activity, ctx.node.now())
    if found:
        kinds = ", ".join(f"{e.kind} at length {e.log_length}" for e in found)
        return done(f"equivocation recorded: {kinds}")
    return done("question heads observed")
