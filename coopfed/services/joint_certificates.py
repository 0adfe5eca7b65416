"""Worker job `joint_certificates`: when a linked proposal is decided, its co-op certifies it.

The certificate (`governance.joint.ResultCertificate`: proposal, co-op, method, electorate hash
and size, counts, status, ballot-log head, closing time) goes out as `Create{ResultCertificate}`
with a FEP-8b32 proof by the co-op's own Ed25519 key, to the project (governance delivery:
never dropped, so a co-op that was down sends it when it is back — late, and counted as "did
not take part" if the grace period is over). When the project is hosted here, the certificate
goes through the same `receive_certificate` checks as one from the inbox.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.httpsig.keys import load_private_key_pem
from coopfed.activitypub.proofs import create_proof
from coopfed.federation.mapping.joint import certificate_to_ap, wrap
from coopfed.governance.joint import ResultCertificate, certificate_hash
from coopfed.governance.result import DecisionStatus
from coopfed.node import Node
from coopfed.services import joint_proposals
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.store import joint as joint_store
from coopfed.store import proposals as proposal_store
from coopfed.store.actors import LocalActor
from coopfed.store.proposals import ProposalRecord

BATCH = 20


def certificate_of(record: ProposalRecord, coop_uri: str) -> ResultCertificate:
    result = record.result
    closed_at = record.proposal.closed_at
    assert result is not None and closed_at is not None
    counts = result.get("counts", {})
    return ResultCertificate(
        proposal_id=record.uri,
        coop_actor_id=coop_uri,
        method=str(result["method"]),
        electorate_hash=str(result["electorate_hash"]),
        electorate_size=int(result["electorate_size"]),
        counts={k: v for k, v in counts.items() if type(v) is int},
        status=DecisionStatus(result["status"]),
        log_head=str(result.get("log_head") or ""),
        closed_at=closed_at,
    )


async def _certify(
    conn: AsyncConnection, node: Node, coop: LocalActor, slug: str, now: datetime
) -> bool:
    record = await proposal_store.get_by_slug(conn, slug)
    joint_uri = None if record is None else record.joint_proposal_uri
    joint = None if joint_uri is None else await joint_store.get_by_uri(conn, joint_uri)
    if record is None or joint is None:
        return False
    coop_uri = node.uris.actor(coop.username)
    certificate = certificate_of(record, coop_uri)
    key = load_private_key_pem(coop.ed25519_private_pem)
    assert isinstance(key, Ed25519PrivateKey)
    signed = create_proof(
        certificate_to_ap(certificate, joint_uri=joint.uri, project_uri=joint.project_uri),
        key,
        verification_method=node.uris.actor_ed25519_key(coop.username),
        created=now,
    )
    if joint.hosted:
        await joint_proposals.receive_certificate(conn, node, coop_uri, signed, now)
        return True
    recorded = await joint_store.add_certificate(
        conn, joint_row_id=joint.row_id, coop_uri=coop_uri, proposal_uri=record.uri,
        document=signed, certificate_hash=certificate_hash(certificate),
        verified=True, now=now,
    )  # fmt: skip
    if not recorded:
        return False  # another worker certified it first
    await publish(
        conn, sender=coop, activity=wrap("Create", new_activity_id(node.uris), signed),
        audience=Audience(actors=(joint.project_uri,)), now=now, governance=True,
    )  # fmt: skip
    return True


async def send_due_certificates(node: Node) -> int:
    now = node.now()
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        coop_uri = node.uris.actor(coop.username)
        slugs = await joint_store.linked_without_certificate(conn, coop.id, coop_uri, BATCH)
    sent = 0
    for slug in slugs:
        async with node.engine.begin() as conn:
            sent += await _certify(conn, node, coop, slug, now)
    return sent
