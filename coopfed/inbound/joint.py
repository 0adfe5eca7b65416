"""Joint proposals of shared projects: `Create{JointProposal}` (member side), `Create{Result
Certificate}` (host side) and `Update{JointProposal}` with the joint result (member side).

Refusals are `ignored` with the reason (kept on the inbox item for operators); nothing changes.
The services decide done/ignored (services/received.py); these handlers only hand it on.
"""

from __future__ import annotations

from coopfed.inbound.context import HandlerContext, Outcome, ignored
from coopfed.services import joint_members, joint_proposals


def _object(ctx: HandlerContext) -> dict[str, object] | None:
    obj = ctx.object
    return obj if isinstance(obj, dict) else None


async def handle_joint_proposal(ctx: HandlerContext) -> Outcome:
    obj = _object(ctx)
    if obj is None:
        return ignored("no JointProposal object")
    return await joint_members.receive_joint_proposal(
        ctx.conn, ctx.node, ctx.actor, obj, ctx.node.now()
    )


async def handle_certificate(ctx: HandlerContext) -> Outcome:
    obj = _object(ctx)
    if obj is None:
        return ignored("no ResultCertificate object")
    return await joint_proposals.receive_certificate(
        ctx.conn, ctx.node, ctx.actor, obj, ctx.node.now()
    )


async def handle_joint_result(ctx: HandlerContext) -> Outcome:
    obj = _object(ctx)
    if obj is None:
        return ignored("no JointProposal object")
    return await joint_members.receive_joint_result(
        ctx.conn, ctx.node, ctx.actor, obj, ctx.node.now()
    )
