"""The host's side of joint proposals, in process: certificates from the co-op's own actor
with its own key count; forged, foreign, tampered ones are refused and change nothing; two
different certificates from one co-op are flagged as conflicting; a rotated key is fetched once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.httpsig.keys import ed25519_to_multibase
from coopfed.activitypub.proofs import create_proof
from coopfed.federation.mapping.joint import ap_to_certificate, certificate_to_ap
from coopfed.governance.joint import ResultCertificate
from coopfed.governance.joint_verification import check_combination
from coopfed.governance.result import DecisionStatus
from coopfed.node import Node
from coopfed.services import (
    audience,
    joint_proposals,
    project_hosting,
    remote_coops,
)
from coopfed.services.joint_certificates import send_due_certificates
from coopfed.services.proposals import ProposalDraft, close_due_proposals
from coopfed.services.setup import INSTANCE_USERNAME
from coopfed.store import joint as joint_store
from coopfed.store import projects as project_store
from coopfed.store import proposals as proposal_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.joint import JointProposal
from coopfed.store.remote_actors import RemoteActor
from tests.support.governance import add_locals, use_clock

B = "https://b.example/actors/coopb"
C = "https://c.example/actors/coopc"
KEYS = {B: ed25519.Ed25519PrivateKey.generate(), C: ed25519.Ed25519PrivateKey.generate()}


FETCHED: list[str] = []  # actors "fetched again" after a proof failed
SERVED: dict[str, ed25519.Ed25519PrivateKey] = {}  # what a refetch finds (a rotated key)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed proof refetches the actor: serve it from SERVED (or nothing), never the net."""
    FETCHED.clear()
    SERVED.clear()

    async def fresh(node: Node, uri: str) -> dict[str, Any] | None:
        FETCHED.append(uri)
        return coop_document(uri, SERVED[uri]) if uri in SERVED else None

    monkeypatch.setattr(remote_coops, "_fresh_document", fresh)


RSA_PEM = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def coop_document(uri: str, key: ed25519.Ed25519PrivateKey) -> dict[str, Any]:
    return {
        "id": uri,
        "type": "Group",
        "inbox": f"{uri}/inbox",
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": RSA_PEM},
        "assertionMethod": [
            {
                "id": f"{uri}#ed25519-key",
                "type": "Multikey",
                "controller": uri,
                "publicKeyMultibase": ed25519_to_multibase(key.public_key()),
            }
        ],
    }


async def store_coop(conn: AsyncConnection, uri: str, now: datetime) -> None:
    document = coop_document(uri, KEYS[uri])
    actor = RemoteActor(uri, uri.split("/")[2], "Group", "", "", f"{uri}/inbox", None, None,
                        None, json.dumps(document))  # fmt: skip
    await remote_store.upsert(conn, actor, now=now)


def certificate(coop: str, status: DecisionStatus = DecisionStatus.PASSED) -> ResultCertificate:
    return ResultCertificate(
        proposal_id=f"{coop.rsplit('/actors', 1)[0]}/proposals/linked",
        coop_actor_id=coop,
        method="proposal@1",
        electorate_hash="e" * 64,
        electorate_size=5,
        counts={"yes": 3, "no": 1, "abstain": 0},
        status=status,
        log_head="f" * 64,
        closed_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


def signed(
    cert: ResultCertificate,
    joint: JointProposal,
    key_of: str | None = None,
    key: ed25519.Ed25519PrivateKey | None = None,
) -> Any:
    obj = certificate_to_ap(cert, joint_uri=joint.uri, project_uri=joint.project_uri)
    signer = key_of or cert.coop_actor_id
    return create_proof(obj, key or KEYS[signer], verification_method=f"{signer}#ed25519-key",
                        created=datetime(2030, 1, 1, tzinfo=UTC))  # fmt: skip


async def shared(node: Node, grace: timedelta = timedelta(0)) -> JointProposal:
    charter = project_hosting.parse_rule("coop_majority:1/2", None, "equal", grace)
    project = await project_hosting.create_project(node, "river", name="River", charter=charter)
    async with node.engine.begin() as conn:
        for coop in (B, C):
            await store_coop(conn, coop, node.now())
        await project_store.save_member(conn, project_row_id=project.row_id, coop_uri=B,
                                        state="active", invite_id=None, now=node.now())  # fmt: skip
    draft = ProposalDraft(title="Bridge", method="proposal", duration=timedelta(hours=1))
    return await joint_proposals.propose(node, "river", draft)


async def receive(node: Node, sender: str, obj: Any) -> str:
    async with node.engine.begin() as conn:
        received = await joint_proposals.receive_certificate(conn, node, sender, obj, node.now())
    # Refusals are ignored, everything else done: the note's wording decides nothing.
    assert (received.state == "ignored") == received.note.startswith("certificate refused")
    return received.note


async def stored(node: Node, joint: JointProposal) -> int:
    async with node.engine.connect() as conn:
        return len(await joint_store.certificates_of(conn, joint.row_id))


async def test_only_a_members_own_signed_certificate_counts(node: Node) -> None:
    joint = await shared(node)
    assert B in joint.charter["coops"] and C not in joint.charter["coops"]
    good = signed(certificate(B), joint)
    forged_sender = await receive(node, C, good)  # C relays or forges B's certificate
    assert "refused" in forged_sender and "itself" in forged_sender
    outsider = await receive(node, C, signed(certificate(C), joint))  # C is not a member
    assert "not a member" in outsider
    other_key = await receive(node, B, signed(certificate(B), joint, key_of=C))
    assert "refused" in other_key
    tampered = signed(certificate(B), joint)
    tampered["certificate"]["counts"]["yes"] = 300
    assert "refused" in await receive(node, B, tampered)
    unsigned = {k: v for k, v in good.items() if k != "proof"}  # aggregate counts, no proof
    assert "refused" in await receive(node, B, unsigned)
    assert await stored(node, joint) == 0
    assert await receive(node, B, good) == "certificate recorded"
    assert await receive(node, B, good) == "certificate recorded"  # the same one again: once
    assert await stored(node, joint) == 1


async def test_the_joint_decision_counts_members_and_flags_equivocation(node: Node) -> None:
    joint = await shared(node)
    await receive(node, B, signed(certificate(B), joint))
    async with node.engine.begin() as conn:
        fresh = await joint_store.get_by_uri(conn, joint.uri)
        assert fresh is not None
        # Our own co-op never certified (its linked proposal is still open): did not take part.
        status = await joint_proposals.decide(conn, node, fresh, node.now())
    # B passed, A missing: 1 of 2 co-ops is not more than half → rejected.
    assert status == "rejected"
    async with node.engine.connect() as conn:
        decided = await joint_store.get_by_uri(conn, joint.uri)
    assert decided is not None and decided.result is not None
    result = decided.result["jointResult"]
    assert result["took_part"] == {B: "passed"}
    assert list(result["did_not_take_part"].values()) == ["missing"]
    # A later certificate is kept but changes nothing already decided.
    late = await receive(node, B, signed(certificate(B, DecisionStatus.REJECTED), joint))
    assert "already decided" in late
    async with node.engine.connect() as conn:
        again = await joint_store.get_by_uri(conn, joint.uri)
    assert again is not None and again.result == decided.result


async def test_two_different_certificates_from_one_coop_are_conflicting(node: Node) -> None:
    joint = await shared(node)
    await receive(node, B, signed(certificate(B), joint))
    await receive(node, B, signed(certificate(B, DecisionStatus.REJECTED), joint))
    async with node.engine.begin() as conn:
        fresh = await joint_store.get_by_uri(conn, joint.uri)
        assert fresh is not None
        await joint_proposals.decide(conn, node, fresh, node.now())
        decided = await joint_store.get_by_uri(conn, joint.uri)
    assert decided is not None and decided.result is not None
    assert decided.result["jointResult"]["did_not_take_part"][B] == "conflicting"


async def test_a_rotated_key_is_fetched_once_before_refusing(node: Node) -> None:
    joint = await shared(node)
    rotated = ed25519.Ed25519PrivateKey.generate()
    SERVED[B] = rotated  # B rotated its key; we still hold the old document
    assert await receive(node, B, signed(certificate(B), joint, key=rotated)) == (
        "certificate recorded"
    )
    assert FETCHED == [B]
    again = signed(certificate(B, DecisionStatus.REJECTED), joint, key=rotated)
    assert await receive(node, B, again) == "certificate recorded"
    assert FETCHED == [B]  # the fresh document was kept: no second fetch
    # A key B never had stays refused, after one more look at B's document.
    forged = await receive(node, B, signed(certificate(B), joint, key_of=C))
    assert "refused" in forged and FETCHED == [B, B]
    assert await stored(node, joint) == 2


async def _run_jobs(node: Node) -> int:
    """One worker round's governance jobs, in the worker's order; joint decisions made."""
    await close_due_proposals(node)
    await send_due_certificates(node)
    return await joint_proposals.decide_due_joint_proposals(node)


async def _joint_state(node: Node, joint: JointProposal) -> JointProposal:
    async with node.engine.connect() as conn:
        fresh = await joint_store.get_by_uri(conn, joint.uri)
    assert fresh is not None
    return fresh


async def test_decided_at_close_once_every_coop_has_certified(node: Node) -> None:
    clock = use_clock(node)
    await add_locals(node, "ann")  # our linked proposal needs a voter to open
    joint = await shared(node, grace=timedelta(hours=1))
    await receive(node, B, signed(certificate(B), joint))
    clock.advance(minutes=59)
    assert await _run_jobs(node) == 0  # still open: nothing decided before closes_at
    clock.advance(minutes=2)  # past closes_at, 59 minutes before closes_at + grace
    assert await _run_jobs(node) == 1
    decided = await _joint_state(node, joint)
    assert decided.state == "decided" and decided.result is not None
    result = decided.result["jointResult"]
    assert (
        set(result["took_part"])
        == set(joint.charter["coops"])
        == {B, node.uris.actor(node.settings.coop.handle)}
    )
    assert result["did_not_take_part"] == {}


async def test_after_the_grace_the_host_waits_for_its_own_certificate(node: Node) -> None:
    # The cause of no_quorum near closing: with every certificate but ours missing or slow,
    # deciding at closes_at + grace before our own linked proposal was closed and certified
    # counted the host out too.
    clock = use_clock(node)
    await add_locals(node, "ann")
    joint = await shared(node)  # grace 0
    clock.advance(hours=1, minutes=1)
    assert await joint_proposals.decide_due_joint_proposals(node) == 0  # ours still open
    assert (await _joint_state(node, joint)).state == "open"
    assert await _run_jobs(node) == 1  # closed, certified, then decided in one round
    result = (await _joint_state(node, joint)).result
    assert result is not None
    assert list(result["jointResult"]["took_part"]) == [node.uris.actor(node.settings.coop.handle)]
    assert result["jointResult"]["did_not_take_part"] == {B: "missing"}


async def test_an_empty_coop_list_is_never_complete(node: Node) -> None:
    clock = use_clock(node)
    await add_locals(node, "ann")
    joint = await shared(node, grace=timedelta(hours=1))
    joint = replace(joint, charter={**joint.charter, "coops": []})  # "all of nothing"
    clock.advance(hours=1, seconds=1)  # past closes_at, inside the grace
    async with node.engine.connect() as conn:
        assert await joint_proposals._decidable(conn, node, joint, node.now()) is None


async def test_the_host_waits_for_its_own_certificate_only_so_long(node: Node) -> None:
    clock = use_clock(node)
    await add_locals(node, "ann")
    joint = await shared(node)  # grace 0; our linked proposal is never closed below
    clock.advance(hours=1, minutes=4)
    assert await joint_proposals.decide_due_joint_proposals(node) == 0
    clock.advance(minutes=2)  # past closes_at + grace + HOST_WAIT
    assert await joint_proposals.decide_due_joint_proposals(node) == 1
    result = (await _joint_state(node, joint)).result
    assert result is not None and result["jointResult"]["status"] == "no_quorum"


async def test_the_joint_bundle_recombines_to_the_signed_result(node: Node) -> None:
    """The host serves what verify needs: recombined with the same `joint_decision`, the
    bundle gives the signed result; an altered certificate in it does not."""
    joint = await shared(node)
    assert await receive(node, B, signed(certificate(B), joint)) == "certificate recorded"
    async with node.engine.begin() as conn:
        fresh = await joint_store.get_by_uri(conn, joint.uri)
        assert fresh is not None
        assert await joint_proposals.joint_bundle(conn, node, fresh, B) is None  # undecided
        await joint_proposals.decide(conn, node, fresh, node.now())
        decided = await joint_store.get_by_uri(conn, joint.uri)
        assert decided is not None
        assert await joint_proposals.joint_bundle(conn, node, decided, None) is None
        assert await joint_proposals.joint_bundle(conn, node, decided, C) is None  # not in it
        bundle = await joint_proposals.joint_bundle(conn, node, decided, B)
    assert bundle is not None and bundle["joint_proposal"] == joint.uri
    assert [c["document"]["attributedTo"] for c in bundle["certificates"]] == [B]

    def recombined(items: list[dict[str, Any]]) -> list[tuple[str, bool]]:
        assert bundle is not None
        certificates = [
            (ap_to_certificate(c["document"])[0], datetime.fromisoformat(c["received_at"]))
            for c in items
        ]
        checks = check_combination(
            bundle["charter"], certificates, bundle["result"]["jointResult"],
            closes_at=datetime.fromisoformat(bundle["closes_at"]), host=bundle["host"],
        )  # fmt: skip
        return [(c.name, c.ok) for c in checks]

    assert recombined(bundle["certificates"]) == [("combination", True)]
    altered = json.loads(json.dumps(bundle["certificates"]))
    altered[0]["document"]["certificate"]["status"] = "rejected"
    assert ("combination.took_part", False) in recombined(altered)


async def test_a_linked_proposal_is_read_by_the_nodes_of_the_projects_coops(node: Node) -> None:
    """`coopfed verify` on a joint proposal compares each certificate with its co-op's own
    linked proposal, read with a signed GET as the verifying node's instance actor: a node of
    a co-op frozen in the project charter reads it, so does our own instance actor; nobody
    else beyond the members, and an ordinary members-only proposal stays members-only."""
    joint = await shared(node)
    async with node.engine.connect() as conn:
        linked_uri = await joint_store.linked_proposal_uri(conn, joint.uri)
        assert linked_uri is not None
        linked = await proposal_store.get_by_slug(conn, linked_uri.rsplit("/", 1)[1])
        assert linked is not None and linked.visibility == "members"
        of_b = "https://b.example/actors/instance.actor"
        ours = node.uris.actor(INSTANCE_USERNAME)
        assert await audience.may_see_proposal(conn, linked, of_b)
        assert await audience.may_see_proposal(conn, linked, ours)
        assert not await audience.may_see_proposal(conn, linked, None)
        assert not await audience.may_see_proposal(conn, linked, "https://c.example/actors/x")
        assert not await audience.may_see_proposal(conn, linked, node.uris.actor("nobody"))
        assert not await audience.may_see_proposal(
            conn, replace(linked, joint_proposal_uri=None), of_b
        )
