"""Joint proposals of shared projects: `Create{JointProposal}` (member side), `Create{Result
Certificate}` (host side) and `Update{JointProposal}` with the joint result (member side).

Refusals are `ignored` with the reason (kept on the inbox item for operators); nothing changes.
"""

from __future__ import annotations

from coopfed.inbound.context import HandlerContext, Outcome, done, ignored
from coopfed.services import joint_members, joint_proposals


def _object(ctx: HandlerContext) -> dict[str, object] | None:
    obj = ctx.object
    return obj if isinstance(obj, dict) else None


def _outcome(note: str) -> Outcome:
    refused = "refused" in note or note.startswith(("only ", "a joint", "not a", "no such"))
    return ignored(note) if refused else done(note)


async def handle_joint_proposal(ctx: HandlerContext) -> Outcome:
    obj = _object(ctx)
    if obj is None:
        return ignored("no JointProposal object")
    note = await joint_members.receive_joint_proposal(
        ctx.conn, ctx.node, ctx.actor, obj, ctx.node.now()
    )
    return _outcome(note)


async def handle_certificate(ctx: HandlerContext) -> Outcome:
    obj = _object(ctx)
    if obj is None:
        return ignored("no ResultCertificate object")
    note = await joint_proposals.receive_certificate(
        ctx.conn, ctx.node, ctx.actor, obj, ctx.node.now()
    )
    return _outcome(note)


async def handle_joint_result(ctx: HandlerContext) -> Outcome:
    obj = _object(ctx)
    if obj is None:
        return ignored("no JointProposal object")
    note = await joint_members.receive_joint_result(
        ctx.conn, ctx.node, ctx.actor, obj, ctx.node.now()
    )
    return _outcome(note)
