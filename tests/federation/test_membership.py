"""Membership over ActivityPub inside one node: Join → application → admit → Accept + Add;
the members collection; Leave only by the member; Remove/Add from others ignored; Move only
with alsoKnownAs; a removed member's later votes do not count (docs/threats.md SEE-4)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from coopfed.federation.delivery import DeliveryRun
from coopfed.federation.delivery_http import DeliveryClients
from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services import member_lifecycle, membership, proposals, votes
from coopfed.services.proposals import ProposalDraft
from coopfed.store import members as member_store
from coopfed.store.tables import deliveries, outbox_activities
from tests.federation.inbox_support import COOP, new_id, send_and_process
from tests.support.fediverse import FediverseServer, ReceivedPost, TestActor

MEMBERS = f"{COOP}/members"


def join(actor: TestActor, **extra: Any) -> dict[str, Any]:
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": new_id(actor),
        "type": "Join",
        "actor": actor.uri,
        "object": COOP,
        "content": "<p>I drive for the co-op &amp; want a say.</p>",
    }
    activity.update(extra)
    return activity


async def _published(node: Node, kind: str) -> list[tuple[dict[str, Any], list[str]]]:
    async with node.engine.connect() as conn:
        query = select(outbox_activities).where(outbox_activities.c.type == kind)
        rows = (await conn.execute(query.order_by(outbox_activities.c.id))).mappings().all()
        found = []
        for row in rows:
            inboxes = select(deliveries.c.inbox).where(deliveries.c.activity_id == row["id"])
            found.append((json.loads(row["body"]), list((await conn.execute(inboxes)).scalars())))
        return found


async def _member_of(node: Node, actor: TestActor, client: httpx.AsyncClient) -> None:
    await send_and_process(client, node, actor, join(actor))
    await membership.admit_applicant(node, actor.uri)


async def test_join_becomes_an_application_and_admission_answers_and_publishes(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    activity = join(alice, memberClass="worker")
    outcome = await send_and_process(client, node, alice, activity)
    assert outcome.startswith("done: application received")
    (application,) = await membership.list_applications(node)
    assert application.actor_uri == alice.uri and application.requested_class == "worker"
    assert application.message == "I drive for the co-op & want a say."
    assert application.handle == f"acct:alice@{remote_fresh.netloc}"
    assert (await client.get(MEMBERS)).json()["totalItems"] == 0

    record = await membership.admit_applicant(node, f"alice@{remote_fresh.netloc}")
    assert record.member.member_class == "worker" and record.member.shares == 1
    assert await membership.list_applications(node) == []

    ((accept, accept_inboxes),) = await _published(node, "Accept")
    assert accept["actor"] == COOP and accept["to"] == [alice.uri]
    assert accept["object"] == {"id": activity["id"], "type": "Join", "actor": alice.uri,
                                "object": COOP}  # fmt: skip
    assert accept_inboxes == [f"{remote_fresh.origin}/inbox"]
    ((add, add_inboxes),) = await _published(node, "Add")
    assert (add["object"], add["target"]) == (alice.uri, MEMBERS)
    assert add["instrument"]["memberClass"] == "worker"
    assert add_inboxes == [f"{remote_fresh.origin}/inbox"]

    summary = (await client.get(MEMBERS)).json()
    assert summary["totalItems"] == 1
    assert (await client.get(f"{MEMBERS}?page=1")).json()["orderedItems"] == [alice.uri]
    record_doc = (await client.get(add["instrument"]["id"])).json()
    assert [event["kind"] for event in record_doc["history"]] == ["admitted", "shares_changed"]


async def test_a_closed_class_is_refused_with_a_reject_that_says_why(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    from coopfed.governance.membership import ClassPolicy, MembershipPrinciple
    from coopfed.services.membership_principle import set_principle

    principle = MembershipPrinciple(
        (ClassPolicy("member"), ClassPolicy("investor", open_to_applications=False)), "member"
    )
    await set_principle(node, principle)
    bob = remote_fresh.actor("bob")
    outcome = await send_and_process(client, node, bob, join(bob, memberClass="investor"))
    assert "refused" in outcome
    ((reject, _),) = await _published(node, "Reject")
    assert "not open to applications" in reject["content"]
    assert await membership.list_applications(node) == []


async def test_reject_by_an_admin_sends_the_reason(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    await send_and_process(client, node, bob, join(bob))
    await membership.reject_applicant(node, bob.uri, reason="We only admit drivers <yet>.")
    ((reject, inboxes),) = await _published(node, "Reject")
    assert reject["content"] == "<p>We only admit drivers &lt;yet&gt;.</p>"
    assert inboxes == [f"{remote_fresh.origin}/inbox"]
    assert await member_store_count(node) == 0


async def member_store_count(node: Node) -> int:
    async with node.engine.connect() as conn:
        return len(await member_store.list_members(conn, 1))


async def test_only_the_member_can_leave_and_leaving_redeems_and_removes(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await _member_of(node, alice, client)
    # Mallory's Leave (signed by Mallory) cannot end Alice's membership.
    forged = {"id": new_id(mallory), "type": "Leave", "actor": mallory.uri, "object": COOP}
    assert (await send_and_process(client, node, mallory, forged)).startswith("ignored")
    record, _ = await _find(node, alice.uri)
    assert record.member.status is MemberStatus.ACTIVE
    leave = {"id": new_id(alice), "type": "Leave", "actor": alice.uri, "object": COOP}
    assert (await send_and_process(client, node, alice, leave)).startswith("done")
    record, events = await _find(node, alice.uri)
    assert record.member.status is MemberStatus.LEFT and record.member.shares == 0
    assert [e.kind for e in events][-2:] == ["status_changed", "shares_changed"]
    ((remove, _),) = await _published(node, "Remove")
    assert (remove["object"], remove["origin"]) == (alice.uri, MEMBERS)
    assert remove["decision"]["to"] == "left"
    assert (await client.get(MEMBERS)).json()["totalItems"] == 0


async def _find(node: Node, actor: str) -> Any:
    from coopfed.services.members import find_member

    return await find_member(node, actor)


async def test_add_and_remove_from_others_change_nothing(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await _member_of(node, alice, client)
    remove = {"id": new_id(mallory), "type": "Remove", "actor": mallory.uri,
              "object": alice.uri, "target": MEMBERS}  # fmt: skip
    add = {"id": new_id(mallory), "type": "Add", "actor": mallory.uri,
           "object": mallory.uri, "target": MEMBERS}  # fmt: skip
    assert (await send_and_process(client, node, mallory, remove)).startswith(
        "ignored: only the co-op"
    )
    assert (await send_and_process(client, node, mallory, add)).startswith(
        "ignored: only the co-op"
    )
    assert (await client.get(f"{MEMBERS}?page=1")).json()["orderedItems"] == [alice.uri]


async def test_move_needs_also_known_as_and_keeps_one_vote(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await _member_of(node, alice, client)
    new_uri = f"{remote_fresh.origin}/users/alice2"
    moved = remote_fresh.add_actor("alice2")
    try:
        move = {"id": new_id(alice), "type": "Move", "actor": alice.uri,
                "object": alice.uri, "target": new_uri}  # fmt: skip
        # Without alsoKnownAs on the new actor: refused, still bound to the old one.
        assert "alsoKnownAs" in await send_and_process(client, node, alice, move)
        assert (await _find(node, alice.uri))[0].actor_uri == alice.uri
        document = {**moved.document(), "alsoKnownAs": [alice.uri]}
        remote_fresh.serve_json("/users/alice2", document)
        move = {**move, "id": new_id(alice)}
        assert (await send_and_process(client, node, alice, move)).startswith("done")
        record, events = await _find(node, new_uri)
        assert events[-1].kind == "rebound" and events[-1].detail["via"] == "Move"
        ((update, _),) = await _published(node, "Update")
        assert update["object"]["subject"] == new_uri
        # Bob cannot move Alice's membership to himself.
        forged = {"id": new_id(bob), "type": "Move", "actor": bob.uri,
                  "object": new_uri, "target": bob.uri}  # fmt: skip
        assert (await send_and_process(client, node, bob, forged)).startswith("ignored")
        # One vote: the old actor no longer votes, the new one does.
        proposal = await proposals.create_proposal(
            node,
            ProposalDraft(title="T", method="proposal", duration=timedelta(days=1)),
            open_now=True,
        )
        old_vote = await votes.cast_vote(node, proposal.slug, alice.uri, "yes")
        new_vote = await votes.cast_vote(node, proposal.slug, new_uri, "yes")
        assert old_vote.reason is votes.VoteRefusal.NOT_A_MEMBER
        assert new_vote.status is votes.VoteStatus.COUNTED
        assert record.member_id == new_vote.member_id
    finally:
        remote_fresh.actors.pop("alice2", None)


async def test_an_expelled_members_later_votes_do_not_count(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await _member_of(node, alice, client)
    proposal = await proposals.create_proposal(
        node, ProposalDraft(title="T", method="proposal", duration=timedelta(days=1)),
        open_now=True,
    )  # fmt: skip
    await member_lifecycle.end_membership(
        node, alice.uri, MemberStatus.EXPELLED, reason="fraud", decided_by="assembly"
    )
    outcome = await votes.cast_vote(node, proposal.slug, alice.uri, "yes")
    assert outcome.reason is votes.VoteRefusal.NO_LONGER_MEMBER
    ((remove, _),) = await _published(node, "Remove")
    assert remove["decision"]["reason"] == "fraud" and remove["decision"]["to"] == "expelled"


async def test_a_members_only_roll_needs_a_members_signed_get(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    from coopfed.governance.membership import MembershipPrinciple, RollVisibility
    from coopfed.services.membership_principle import principle_of, set_principle

    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await _member_of(node, alice, client)
    current = (await principle_of(node)).principle
    hidden = MembershipPrinciple(
        current.classes, current.default_class, roll_visibility=RollVisibility.MEMBERS
    )
    await set_principle(node, hidden)
    page = f"{MEMBERS}?page=1"
    assert (await client.get(page)).status_code == 404
    as_mallory = await client.get(page, headers=mallory.signed_headers("GET", page))
    assert as_mallory.status_code == 404
    as_alice = await client.get(page, headers=alice.signed_headers("GET", page))
    assert as_alice.status_code == 200 and as_alice.json()["orderedItems"] == [alice.uri]
    record, _ = await _find(node, alice.uri)
    record_url = f"http://coop.test/members/{record.member_id}"
    assert (await client.get(record_url)).status_code == 404
    own = await client.get(record_url, headers=alice.signed_headers("GET", record_url))
    assert own.status_code == 200 and own.json()["memberStatus"] == "active"


async def test_a_suspended_members_later_votes_do_not_count_either(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await _member_of(node, alice, client)
    proposal = await proposals.create_proposal(
        node, ProposalDraft(title="T", method="proposal", duration=timedelta(days=1)),
        open_now=True,
    )  # fmt: skip
    assert (await votes.cast_vote(node, proposal.slug, alice.uri, "no")).stored
    await member_lifecycle.end_membership(
        node, alice.uri, MemberStatus.SUSPENDED, reason="dues", decided_by="admin"
    )
    outcome = await votes.cast_vote(node, proposal.slug, alice.uri, "yes")
    assert outcome.reason is votes.VoteRefusal.NO_LONGER_MEMBER
    tally = await proposals.tally_proposal(node, proposal.slug)
    assert tally.counts["no"] == 1 and tally.counts["yes"] == 0  # the earlier ballot stands


async def _deliver(node: Node) -> None:
    async with DeliveryClients(node.settings) as clients:
        await DeliveryRun(node, clients, run_seconds=5.0).run()


def _notes_to(posts: list[ReceivedPost], actor: TestActor) -> list[dict[str, Any]]:
    creates = [post.json for post in posts if post.json.get("type") == "Create"]
    return [c for c in creates if c["object"]["type"] == "Note" and c["to"] == [actor.uri]]


async def test_a_rejected_fediverse_applicant_receives_a_private_note_with_the_reason(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    await send_and_process(client, node, bob, join(bob))
    await membership.reject_applicant(node, bob.uri, reason="We only admit drivers <yet>.")
    assert len(await _published(node, "Reject")) == 1  # the Join's answer still goes out
    ((create, inboxes),) = await _published(node, "Create")
    note = create["object"]
    assert create["actor"] == COOP and note["attributedTo"] == COOP
    assert create["to"] == note["to"] == [bob.uri] and create["cc"] == note["cc"] == []
    assert note["tag"] == [{"type": "Mention", "href": bob.uri}]
    assert (
        "was not accepted. The reason given: We only admit drivers &lt;yet&gt;." in note["content"]
    )
    assert (
        note["id"].startswith(f"{COOP}/applications/") and create["id"] == f"{note['id']}/activity"
    )
    assert inboxes == [f"{remote_fresh.origin}/inbox"]
    await _deliver(node)
    remote_fresh.wait_for(lambda posts: len(_notes_to(posts, bob)) == 1)
    assert _notes_to(remote_fresh.received, bob)[0]["id"] == create["id"]


async def test_an_admitted_fediverse_applicant_receives_a_private_note_too(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await _member_of(node, alice, client)
    ((create, inboxes),) = await _published(node, "Create")
    assert create["to"] == [alice.uri] and inboxes == [f"{remote_fresh.origin}/inbox"]
    content = create["object"]["content"]
    assert "your application was accepted, and you are now a member (member)" in content
    assert "http://coop.test/proposals" in content
    assert len(await _published(node, "Accept")) == 1 and len(await _published(node, "Add")) == 1
    await _deliver(node)
    remote_fresh.wait_for(lambda posts: len(_notes_to(posts, alice)) == 1)


async def test_a_french_co_op_tells_a_fediverse_applicant_in_french(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer, monkeypatch: Any
) -> None:
    """Issue 16: a Join says no language, so the note is in the co-op's `coop.language`."""
    french = replace(node.settings.coop, language="fr")
    monkeypatch.setattr(node, "settings", replace(node.settings, coop=french))
    bob = remote_fresh.actor("bob")
    await send_and_process(client, node, bob, join(bob))
    [application] = await membership.list_applications(node)
    assert application.language == "fr"
    await membership.reject_applicant(node, bob.uri, reason="Complet.")
    ((create, _),) = await _published(node, "Create")
    content = create["object"]["content"]
    assert "votre candidature pour rejoindre" in content and "Le motif donné : Complet." in content
