"""The hosting node's side of joint proposals: open one, take in certificates, decide.

Only the project (the CLI on its host) opens and decides (`joint_authority`). Certificates count
only from an active member co-op, sent by that co-op's own actor, with a FEP-8b32 proof by its
own key; anything else is refused and stored nowhere. At `closes_at + grace` the worker job
`joint_decisions` combines what arrived with `governance.joint.combine` (missing or late →
"did not take part"; two different certificates of one co-op → "conflicting"), signs the joint
result with the project's key and sends it to every member co-op. Certificates arriving later
are kept but change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.httpsig.keys import load_private_key_pem
from coopfed.activitypub.proofs import ProofError, create_proof
from coopfed.federation.mapping.alliances import ShapeRefused
from coopfed.federation.mapping.joint import (
    ap_to_certificate,
    joint_proposal_document,
    joint_proposal_to_ap,
    joint_result_to_ap,
    wrap,
)
from coopfed.governance import methods
from coopfed.governance.canonical import rfc3339
from coopfed.governance.errors import GovernanceError
from coopfed.governance.joint import (
    Weighting,
    certificate_hash,
    joint_decision,
    rule_of,
)
from coopfed.governance.proposal import ProposalState
from coopfed.node import Node
from coopfed.services import joint_members
from coopfed.services.audience import may_read_joint
from coopfed.services.errors import ServiceError
from coopfed.services.joint_authority import Action, refusal
from coopfed.services.members import coop_actor, new_public_id
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.services.project_hosting import acting_project
from coopfed.services.proposals import ProposalDraft, method_name
from coopfed.services.received import Received, done, ignored
from coopfed.services.remote_coops import local_username, verify_proof_by
from coopfed.store import actors as actor_store
from coopfed.store import joint as joint_store
from coopfed.store import projects as project_store
from coopfed.store import proposals as proposal_store
from coopfed.store.actors import LocalActor
from coopfed.store.joint import JointProposal
from coopfed.store.projects import ProjectMemberState

DUE_BATCH = 20


def _spec(draft: ProposalDraft, method: str) -> dict[str, Any]:
    spec = dict(draft.spec or {})
    if draft.options:
        spec["options"] = [option.strip() for option in draft.options]
    try:
        methods.parse_spec(method, spec)
    except GovernanceError as error:
        raise ServiceError(str(error)) from None
    return spec


def _closes_at(draft: ProposalDraft, now: datetime) -> datetime:
    if draft.closes_at is not None:
        if draft.closes_at.tzinfo is None or draft.closes_at <= now:
            raise ServiceError("the closing time must be in the future, with a time zone")
        return draft.closes_at
    if draft.duration is None:
        raise ServiceError("give either a closing time or a duration")
    return now + draft.duration


async def _signer(conn: AsyncConnection, username: str) -> LocalActor:
    actor = await actor_store.get_local_actor(conn, username)
    assert actor is not None
    return actor


async def active_members(conn: AsyncConnection, node: Node, project_uri: str) -> set[str]:
    username = local_username(node, project_uri)
    project = None if username is None else await project_store.hosted_by_username(conn, username)
    if project is None:
        return set()
    members = await project_store.members_of(conn, project.row_id)
    return {member.coop_uri for member in members if member.state == ProjectMemberState.ACTIVE}


async def propose(node: Node, project_ref: str, draft: ProposalDraft) -> JointProposal:
    """Open a joint proposal: every active member co-op is told (governance deliveries)."""
    now = node.now()
    method = method_name(draft.method)
    spec = _spec(draft, method)
    closes_at = _closes_at(draft, now)
    if not draft.title.strip():
        raise ServiceError("a proposal needs a title")
    async with node.engine.begin() as conn:
        project, project_uri = await acting_project(conn, node, project_ref, Action.OPEN)
        coops = sorted(await active_members(conn, node, project_uri))
        charter = {**project.charter, "coops": coops}
        if charter.get("weighting") == Weighting.FIXED.value:
            unweighted = [c for c in coops if c not in charter.get("weights", {})]
            if unweighted:
                raise ServiceError(f"fixed weights missing for {', '.join(unweighted)}")
        uri = node.uris.proposal(new_public_id())
        joint = await joint_store.insert_joint(
            conn, uri=uri, project_uri=project_uri, hosted=True, title=draft.title.strip(),
            body=draft.body, method=method, spec=spec, charter=charter, opened_at=now,
            closes_at=closes_at, now=now,
        )  # fmt: skip
        obj = joint_proposal_to_ap(
            uri=uri, project_uri=project_uri, title=joint.title, body=joint.body, method=method,
            spec=spec, charter=charter, opened_at=now, closes_at=closes_at, to=coops,
        )  # fmt: skip
        remote = tuple(c for c in coops if local_username(node, c) is None)
        await publish(
            conn, sender=await _signer(conn, project.username),
            activity=wrap("Create", new_activity_id(node.uris), obj),
            audience=Audience(actors=remote), now=now, governance=True,
        )  # fmt: skip
        await joint_members.open_linked(conn, node, joint, now)  # our own co-op is a member
        return joint


async def receive_certificate(
    conn: AsyncConnection, node: Node, sender: str, obj: Mapping[str, Any], now: datetime
) -> Received:
    """A member co-op's signed certificate (from the inbox, or from our own co-op)."""
    try:
        certificate, joint_uri = ap_to_certificate(obj)
    except ShapeRefused as error:
        return ignored(f"certificate refused: {error}")
    joint = await joint_store.get_by_uri(conn, joint_uri)
    if joint is None or not joint.hosted:
        return ignored("certificate refused: no such joint proposal hosted here")
    members = set(joint.charter.get("coops", [])) & await active_members(
        conn, node, joint.project_uri
    )
    why = refusal(
        Action.CERTIFY, actor=sender, project_uri=joint.project_uri,
        coop_uri=certificate.coop_actor_id, active_members=members,
    )  # fmt: skip
    if why is not None:
        return ignored(f"certificate refused: {why}")
    try:
        await verify_proof_by(conn, node, sender, obj)
    except ProofError as error:
        return ignored(f"certificate refused: {error}")
    await joint_store.add_certificate(
        conn, joint_row_id=joint.row_id, coop_uri=certificate.coop_actor_id,
        proposal_uri=certificate.proposal_id, document=obj,
        certificate_hash=certificate_hash(certificate), verified=True, now=now,
    )  # fmt: skip
    if joint.state == "decided":
        return done("certificate kept; the joint proposal was already decided")
    return done("certificate recorded")


async def _combined(
    conn: AsyncConnection, node: Node, joint: JointProposal
) -> tuple[str, dict[str, Any]]:
    """The joint result by `governance.joint.joint_decision` (the one rule `coopfed verify`
    recomputes) over the verified certificates stored here."""
    active = await active_members(conn, node, joint.project_uri)
    stored = [s for s in await joint_store.certificates_of(conn, joint.row_id) if s.verified]
    certificates = [(ap_to_certificate(s.document)[0], s.received_at) for s in stored]
    host = node.uris.actor((await coop_actor(conn)).username)  # its own is never late
    coops = frozenset(joint.charter.get("coops", []))
    return joint_decision(
        joint.charter, certificates, closes_at=joint.closes_at, host=host, left=coops - active
    )


def _object_of(joint: JointProposal) -> dict[str, Any]:
    """The JointProposal object as the project's Create sent it (`to`: the co-ops at opening)."""
    return joint_proposal_to_ap(
        uri=joint.uri, project_uri=joint.project_uri, title=joint.title, body=joint.body,
        method=joint.method, spec=joint.spec, charter=joint.charter, opened_at=joint.opened_at,
        closes_at=joint.closes_at, to=list(joint.charter.get("coops", [])),
    )  # fmt: skip


async def hosted_joint(conn: AsyncConnection, uri: str) -> JointProposal | None:
    """The joint proposal hosted here under `uri`, if any."""
    joint = await joint_store.get_by_uri(conn, uri)
    return joint if joint is not None and joint.hosted else None


def hosted_document(joint: JointProposal, reader: str | None) -> dict[str, Any] | None:
    """What a GET of a hosted joint proposal's IRI serves to `reader`: the signed joint result
    document once decided (the Create's object plus `jointResult` and the project's proof),
    the Create's object before; None when `reader` may not see it."""
    if not may_read_joint(joint, reader):
        return None
    if joint.result is not None:
        return dict(joint.result)
    return joint_proposal_document(_object_of(joint))


JOINT_BUNDLE_VERSION = 1


async def joint_bundle(
    conn: AsyncConnection, node: Node, joint: JointProposal, reader: str | None
) -> dict[str, Any] | None:
    """What `coopfed verify` recombines a decided joint proposal from (FEDERATION.md "Shared
    projects"): the charter frozen at opening, every verified certificate as its co-op signed
    it with when it was received here (in that order), the host co-op, and the signed joint
    result. Same readers as the joint proposal's IRI (`audience.may_read_joint`); None
    otherwise or while it is undecided."""
    if not joint.hosted or joint.result is None or not may_read_joint(joint, reader):
        return None
    stored = [s for s in await joint_store.certificates_of(conn, joint.row_id) if s.verified]
    return {
        "version": JOINT_BUNDLE_VERSION,
        "joint_proposal": joint.uri,
        "project": joint.project_uri,
        "host": node.uris.actor((await coop_actor(conn)).username),
        "charter": dict(joint.charter),
        "closes_at": rfc3339(joint.closes_at),
        "certificates": [
            {"document": dict(s.document), "received_at": rfc3339(s.received_at)} for s in stored
        ],
        "result": dict(joint.result),
    }


Combined = tuple[str, dict[str, Any]]


async def decide(
    conn: AsyncConnection,
    node: Node,
    joint: JointProposal,
    now: datetime,
    combined: Combined | None = None,
) -> str:
    """Combine (unless the caller just did), sign with the project's key, store and send the
    joint result."""
    status, result = combined or await _combined(conn, node, joint)
    username = local_username(node, joint.project_uri)
    assert username is not None
    project_actor = await _signer(conn, username)
    obj = _object_of(joint)
    key = load_private_key_pem(project_actor.ed25519_private_pem)
    assert isinstance(key, Ed25519PrivateKey)
    signed = create_proof(
        joint_result_to_ap(obj, status=status, result=result), key,
        verification_method=node.uris.actor_ed25519_key(username), created=now,
    )  # fmt: skip
    await joint_store.decide(conn, joint.row_id, status, signed, now)
    remote = tuple(c for c in obj["to"] if local_username(node, c) is None)
    await publish(
        conn, sender=project_actor, activity=wrap("Update", new_activity_id(node.uris), signed),
        audience=Audience(actors=remote), now=now, governance=True,
    )  # fmt: skip
    return status


HOST_WAIT = timedelta(minutes=5)  # after closes_at + grace, at most, for our own certificate


async def _decidable(
    conn: AsyncConnection, node: Node, joint: JointProposal, now: datetime
) -> Combined | None:
    """The combined result when it may be decided, None while it must wait.

    Early, at closes_at: when every co-op of the frozen list has a counted certificate,
    nothing can change the result, so nobody waits out the grace for nothing. Completeness is
    checked against that list itself, never as "nobody is missing" (an empty list would be
    complete). Otherwise at closes_at + grace, but not before our own co-op's certificate is
    stored while its linked proposal is still on the way to one: it is never late, and deciding
    without it would count the host out (no_quorum when the others are slow too).
    """
    _, _, grace = rule_of(joint.charter)
    combined = await _combined(conn, node, joint)
    coops = set(joint.charter.get("coops", []))
    counted = set(combined[1].get("took_part") or {})
    if coops and coops <= counted:
        return combined
    if now < joint.closes_at + grace:
        return None
    host = node.uris.actor((await coop_actor(conn)).username)
    # Bounded: should our own certificate never come (refused, a failing job), decide anyway.
    waiting = now < joint.closes_at + grace + HOST_WAIT and host in coops and host not in counted
    if waiting and await _own_certificate_pending(conn, joint):
        return None
    return combined


async def _own_certificate_pending(conn: AsyncConnection, joint: JointProposal) -> bool:
    """Our linked proposal is open, closing, or decided with its certificate not yet made."""
    linked_uri = await joint_store.linked_proposal_uri(conn, joint.uri)
    if linked_uri is None:
        return False
    record = await proposal_store.get_by_slug(conn, linked_uri.rsplit("/", 1)[1])
    if record is None:
        return False
    state = record.proposal.state
    return state in (ProposalState.OPEN, ProposalState.CLOSED, ProposalState.DECIDED)


async def decide_due_joint_proposals(node: Node) -> int:
    """Worker job `joint_decisions`: decide hosted joint proposals past closes_at + grace, or
    past closes_at once every member co-op has reported."""
    now = node.now()
    async with node.engine.connect() as conn:
        due = await joint_store.due_hosted(conn, now, DUE_BATCH)
    decided = 0
    for uri in due:
        async with node.engine.begin() as conn:
            joint = await joint_store.get_by_uri(conn, uri)
            assert joint is not None
            await joint_store.lock(conn, joint.row_id)
            joint = await joint_store.get_by_uri(conn, uri)
            assert joint is not None
            if joint.state != "open":
                continue
            combined = await _decidable(conn, node, joint, now)
            if combined is None:
                continue
            await decide(conn, node, joint, now, combined)
            decided += 1
    return decided
