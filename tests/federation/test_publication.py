"""What a decided proposal publishes (`/bundle`, `/ballots`, `/electorate`, `/record`) and to
whom: the Question's own visibility rule, and the member roll's for voter ids."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from coopfed.activitypub.proofs import ProofError, verify_by_actor
from coopfed.federation.mapping.publication import question_claims
from coopfed.governance.log import verify_chain
from coopfed.governance.members import MemberStatus
from coopfed.governance.membership import MembershipPrinciple, RollVisibility
from coopfed.governance.verification import log_entries, verify
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.services.member_lifecycle import end_membership
from coopfed.services.membership_principle import principle_of, set_principle
from coopfed.services.votes import cast_vote
from coopfed.store.proposals import ProposalRecord
from tests.federation.test_proposal_votes import _follow, _of_type, _open, _outbox
from tests.support.fediverse import FediverseServer

AS_JSON = {"Accept": "application/activity+json"}
PARTS = ("bundle", "ballots", "electorate", "record")


async def _decided(node: Node, voter: str, **draft: Any) -> ProposalRecord:
    record = await _open(node, **draft)
    await cast_vote(node, record.slug, voter, "yes")
    return await proposals.close_proposal(node, record.slug, closed_by="admin")


async def test_a_public_decision_publishes_what_a_recount_needs(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    still_open = await _open(node)
    assert (await client.get(f"{still_open.uri}/bundle", headers=AS_JSON)).status_code == 404
    record = await _decided(node, alice.uri)
    question = (await client.get(record.uri, headers=AS_JSON)).json()
    assert question["resultBundle"] == f"{record.uri}/bundle"
    bundle = (await client.get(question["resultBundle"], headers=AS_JSON)).json()
    assert bundle["electorate"]["members"] and bundle["log"]["length"] == 1
    head = verify_chain(log_entries(bundle), record.uri)
    assert head == bundle["log"]["head"] == question["ballotLogHead"]
    assert all(check.ok for check in verify(bundle, question_claims(question))), verify(
        bundle, question_claims(question)
    )
    ballots = (await client.get(question["ballotLog"], headers=AS_JSON)).json()
    assert ballots["type"] == "OrderedCollection" and ballots["totalItems"] == 1
    electorate = (await client.get(question["electorateCollection"], headers=AS_JSON)).json()
    assert electorate["electorateHash"] == question["electorateHash"]
    document = (await client.get(question["resultRecordDocument"], headers=AS_JSON)).json()
    assert document["resultHash"] == question["resultHash"]
    actor = (await client.get(question["attributedTo"], headers=AS_JSON)).json()
    ((update, _),) = await _of_type(node, "Update", "Question")
    for signed in (question, document, update["object"]):
        verify_by_actor(signed, actor)  # raises unless the co-op's assertion key signed it
    assert update["object"]["proof"] == question["proof"]  # dated at the close: one proof
    forged = {**document, "resultHash": "0" * 64}
    with pytest.raises(ProofError, match="does not verify"):
        verify_by_actor(forged, actor)


async def test_a_members_only_decision_is_published_only_to_members(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await members.add_member(node, alice.uri)
    await _follow(client, node, alice)
    record = await _decided(node, alice.uri, visibility="members")
    for part in PARTS:
        url = f"{record.uri}/{part}"
        assert (await client.get(url, headers=AS_JSON)).status_code == 404
        as_mallory = {**AS_JSON, **mallory.signed_headers("GET", url)}
        assert (await client.get(url, headers=as_mallory)).status_code == 404
        as_alice = {**AS_JSON, **alice.signed_headers("GET", url)}
        answer = await client.get(url, headers=as_alice)
        assert answer.status_code == 200 and answer.headers["cache-control"] == "private, no-store"


async def test_voter_ids_are_pseudonyms_where_the_roll_is_hidden(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    member = await members.add_member(node, alice.uri)
    current = (await principle_of(node)).principle
    hidden = MembershipPrinciple(
        current.classes, current.default_class, roll_visibility=RollVisibility.MEMBERS
    )
    await set_principle(node, hidden)
    record = await _decided(node, alice.uri)
    bundle = (await client.get(f"{record.uri}/bundle", headers=AS_JSON)).json()
    assert bundle["electorate"]["members"] is None and bundle["departed"] is None
    (entry,) = bundle["log"]["entries"]
    assert entry["pseudonymous"] is True and entry["ballot"]["choice"] == "yes"
    assert entry["ballot"]["member_id"] != member.member_id
    signed = {**AS_JSON, **alice.signed_headers("GET", f"{record.uri}/bundle")}
    as_alice = (await client.get(f"{record.uri}/bundle", headers=signed)).json()
    assert as_alice["electorate"]["members"] == [[member.member_id, member.member.member_class]]


async def test_membership_events_carry_the_coops_proof(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    await end_membership(node, alice.uri, MemberStatus.LEFT, reason="", decided_by="admin")
    (event,) = [activity for activity, _ in await _outbox(node) if activity["type"] == "Remove"]
    actor = (await client.get(event["actor"], headers=AS_JSON)).json()
    verify_by_actor(event, actor)
    with pytest.raises(ProofError, match="does not verify"):
        verify_by_actor({**event, "target": f"{event['target']}/elsewhere"}, actor)
