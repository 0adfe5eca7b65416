"""A member co-op's side of joint proposals: open the linked proposal, take in the joint result.

The linked proposal is an ordinary proposal of this co-op (its members, its charter, its method
rules), visible to members, closing when the joint proposal closes; `joint_proposal_uri` names
the joint proposal. It opens when the project's `Create{JointProposal}` arrives, or, when the
charter says `joint_proposals: confirm`, waits as a draft for an admin (`coopfed proposal open`);
one still a draft when the joint proposal closes can no longer open, so the co-op does not
take part (never an abstention).
Certificates are sent by `joint_certificates.send_due_certificates`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.proofs import ProofError
from coopfed.federation.mapping.alliances import ShapeRefused
from coopfed.federation.mapping.joint import ap_to_joint_proposal, ap_to_joint_result
from coopfed.governance.charter import LinkedProposals
from coopfed.node import Node
from coopfed.services import proposals
from coopfed.services.errors import ServiceError
from coopfed.services.joint_authority import Action, refusal
from coopfed.services.members import coop_actor
from coopfed.services.received import Received, done, ignored
from coopfed.services.remote_coops import verify_proof_by
from coopfed.store import joint as joint_store
from coopfed.store import projects as project_store
from coopfed.store.joint import JointProposal
from coopfed.store.projects import ProjectMemberState


async def open_linked(
    conn: AsyncConnection, node: Node, joint: JointProposal, now: datetime
) -> Received:
    """Open this co-op's linked proposal for `joint` (in the caller's transaction)."""
    if await joint_store.linked_proposal_uri(conn, joint.uri) is not None:
        return done("linked proposal already open")
    draft = proposals.ProposalDraft(
        title=joint.title,
        method=joint.method,
        body=joint.body,
        spec=dict(joint.spec),
        closes_at=joint.closes_at,
        visibility="members",
    )
    coop = await coop_actor(conn)
    charter = (await proposals.current_charter(conn, coop.id, now)).charter
    confirm = charter.joint_proposals is LinkedProposals.CONFIRM
    try:
        record = await proposals.create_in(
            conn, node.uris, draft, now, open_now=not confirm, joint_proposal_uri=joint.uri
        )
    except ServiceError as error:  # the joint proposal is kept; only our side is missing
        return done(f"linked proposal not opened: {error}")
    if confirm:
        return done(f"linked proposal {record.uri} waits for an admin to open it")
    return done(f"linked proposal {record.uri} open")


async def receive_joint_proposal(
    conn: AsyncConnection, node: Node, sender: str, obj: Mapping[str, Any], now: datetime
) -> Received:
    """`Create{JointProposal}` from a project this co-op is in."""
    try:
        incoming = ap_to_joint_proposal(obj)
    except ShapeRefused as error:
        return ignored(str(error))
    why = refusal(Action.OPEN, actor=sender, project_uri=incoming.project_uri)
    if why is not None:
        return ignored(why)
    coop = await coop_actor(conn)
    membership = await project_store.membership(conn, coop.id, incoming.project_uri)
    if membership is None or membership.state != ProjectMemberState.JOINED:
        return ignored("a joint proposal of a project this co-op is not in")
    if await joint_store.get_by_uri(conn, incoming.uri) is not None:
        return done("joint proposal already known")
    joint = await joint_store.insert_joint(
        conn, uri=incoming.uri, project_uri=incoming.project_uri, hosted=False,
        title=incoming.title, body=incoming.body, method=incoming.method, spec=incoming.spec,
        charter=incoming.charter, opened_at=incoming.opened_at, closes_at=incoming.closes_at,
        now=now,
    )  # fmt: skip
    return await open_linked(conn, node, joint, now)


async def receive_joint_result(
    conn: AsyncConnection, node: Node, sender: str, obj: Mapping[str, Any], now: datetime
) -> Received:
    """`Update{JointProposal}` with the joint result, proven by the project's key."""
    try:
        status, _ = ap_to_joint_result(obj)
    except ShapeRefused as error:
        return ignored(str(error))
    joint = await joint_store.get_by_uri(conn, str(obj.get("id")))
    if joint is None or joint.hosted:
        return ignored("a joint result for a joint proposal we do not follow")
    why = refusal(Action.DECIDE, actor=sender, project_uri=joint.project_uri)
    if why is not None:
        return ignored(why)
    try:
        await verify_proof_by(conn, node, sender, obj)
    except ProofError as error:
        return ignored(f"joint result refused: {error}")
    if joint.state == "decided":
        return done("joint proposal already decided")  # the first proven result stands
    await joint_store.decide(conn, joint.row_id, status, obj, now)
    return done(f"joint result {status}")


async def find_joint(node: Node, reference: str) -> tuple[JointProposal, str | None] | None:
    """A joint proposal known here (hosted or received) by IRI or slug, and our linked one."""
    ref = reference.strip()
    uri = ref if ref.startswith(("https://", "http://")) else node.uris.proposal(ref)
    async with node.engine.connect() as conn:
        joint = await joint_store.get_by_uri(conn, uri)
        if joint is None:
            return None
        return joint, await joint_store.linked_proposal_uri(conn, joint.uri)
