"""Issue 13, holes 1, 3, 4, 7 and 8: who may see or receive members-only and allies-only things
(services/audience.py, docs/threats.md SEE-1, SEE-3, SEE-4, SEE-5, SEE-10).

Attacked through the node's own signed endpoints and inbox worker; the state checked is what
each party would receive (outbox rows, their bodies and delivery inboxes), what a GET
answers, and the ballots, tally and log head."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from coopfed.governance.members import MemberStatus
from coopfed.governance.membership import MembershipPrinciple, RollVisibility
from coopfed.node import Node
from coopfed.services import alliances, member_lifecycle, members, proposal_publishing, proposals
from coopfed.services.account_links import issue_code
from coopfed.services.membership_principle import principle_of, set_principle
from coopfed.services.proposals import ProposalDraft
from coopfed.services.recipients import resolve_pending_recipients
from coopfed.services.setup import INSTANCE_USERNAME
from coopfed.store import alliances as alliance_store
from coopfed.store import proposal_pages as page_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.actors import get_actor_of_kind
from coopfed.store.proposals import ProposalRecord
from coopfed.store.tables import ballots, deliveries, outbox_activities, pending_recipients
from tests.federation.inbox_support import COOP, new_id, send_and_process
from tests.federation.test_account_links import direct_message
from tests.federation.test_proposal_votes import vote
from tests.support.fediverse import FediverseServer, TestActor

ACCEPT = {"Accept": "application/activity+json"}
MEMBERS = f"{COOP}/members"


async def _outbox(node: Node) -> list[tuple[dict[str, Any], list[str]]]:
    """Every published activity with where it goes, oldest first: the inboxes it is queued
    for, and the actors it waits for (addressed, inbox not known yet)."""
    async with node.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_activities).order_by("id"))).mappings().all()
        out = []
        for row in rows:
            query = select(deliveries.c.inbox).where(deliveries.c.activity_id == row["id"])
            waiting = select(pending_recipients.c.actor_uri).where(
                pending_recipients.c.activity_id == row["id"]
            )
            targets = [
                *(await conn.execute(query)).scalars(),
                *(await conn.execute(waiting)).scalars(),
            ]
            out.append((json.loads(row["body"]), targets))
        return out


async def _questions(node: Node, kind: str) -> list[tuple[dict[str, Any], list[str]]]:
    return [
        (activity, inboxes)
        for activity, inboxes in await _outbox(node)
        if activity["type"] == kind and activity["object"]["type"] == "Question"
    ]


async def _ballot_count(node: Node) -> int:
    async with node.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(ballots))).scalar_one())


async def _open(node: Node, visibility: str) -> ProposalRecord:
    draft = ProposalDraft(
        title="Sell the secret depot",
        method="proposal",
        body="Only members should read this.",
        duration=timedelta(days=1),
        visibility=visibility,
    )
    return await proposals.create_proposal(node, draft, open_now=True)


async def _signed_get(client: httpx.AsyncClient, actor: TestActor, url: str) -> httpx.Response:
    return await client.get(url, headers={**ACCEPT, **actor.signed_headers("GET", url)})


async def _link(node: Node, client: httpx.AsyncClient, username: str, account: TestActor) -> None:
    code = (await issue_code(node, username)).code
    outcome = await send_and_process(client, node, account, direct_message(account, code))
    assert outcome.startswith("done"), outcome


def _own_inbox(actor: TestActor) -> str:
    return f"{actor.uri}/inbox"


# Hole 8 (SEE-10): a suspended member, or their linked account, reads nothing members-only.


async def test_a_suspended_members_signed_get_of_a_members_only_proposal_is_404(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    await members.add_member(node, local_username="bea")
    await _link(node, client, "bea", bob)  # Bob's account votes (and reads) for Bea
    record = await _open(node, "members")
    for reader in (alice, bob):
        assert (await _signed_get(client, reader, record.uri)).status_code == 200
    for reference in (alice.uri, "bea"):
        await member_lifecycle.end_membership(
            node, reference, MemberStatus.SUSPENDED, reason="dues", decided_by="admin"
        )
    for reader in (alice, bob):
        answer = await _signed_get(client, reader, record.uri)
        assert answer.status_code == 404, answer.text  # was 200: "not gone" let them through
        assert "secret depot" not in answer.text


# Hole 7 (SEE-5): an accepted Follow without an accepted alliance is not an ally.


async def _offer_and_follow_accepted(
    node: Node, client: httpx.AsyncClient, other: TestActor
) -> str:
    """We offer an alliance to `other`, which accepts only our Follow; returns the offer id."""
    alliance = await alliances.offer_alliance(node, other.uri)
    async with node.engine.connect() as conn:
        coop = await get_actor_of_kind(conn, "coop")
        stored = await remote_store.get_by_uri(conn, other.uri)
        assert coop is not None and stored is not None and stored.id is not None
        follow_id = await alliance_store.following_id(
            conn, local_actor_id=coop.id, remote_actor_id=stored.id
        )
    assert follow_id is not None
    accept = {"id": new_id(other), "type": "Accept", "actor": other.uri, "object": follow_id}
    assert await send_and_process(client, node, other, accept) == "done: following accepted"
    return alliance.offer_activity_id


async def _allies_only_roll(node: Node) -> None:
    current = (await principle_of(node)).principle
    hidden = MembershipPrinciple(
        current.classes, current.default_class, roll_visibility=RollVisibility.ALLIES
    )
    await set_principle(node, hidden)


async def test_an_offer_accepted_only_as_a_follow_reads_no_roll_and_gets_no_events(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    alice, carol = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    eve = other_remote.actor("eve")  # the other co-op
    await members.add_member(node, alice.uri)
    await members.add_member(node, carol.uri)
    await _allies_only_roll(node)
    offer_id = await _offer_and_follow_accepted(node, client, eve)
    page = f"{MEMBERS}?page=1"
    answer = await _signed_get(client, eve, page)
    assert answer.status_code == 404, answer.text  # was 200: follows counted as allies
    assert alice.uri not in answer.text
    before = len(await _outbox(node))
    await member_lifecycle.end_membership(
        node, carol.uri, MemberStatus.LEFT, reason="", decided_by="admin"
    )
    events = [(a, i) for a, i in (await _outbox(node))[before:] if a["type"] == "Remove"]
    ((_, inboxes),) = events
    assert not any(inbox.startswith(other_remote.origin) for inbox in inboxes), inboxes
    assert alice.uri in inboxes  # the members are still told (waiting for their inbox)
    # Once the other co-op accepts the alliance itself, it is an ally: both work.
    answer_offer = {"id": new_id(eve), "type": "Accept", "actor": eve.uri, "object": offer_id}
    assert await send_and_process(client, node, eve, answer_offer) == "done: alliance active"
    assert (await _signed_get(client, eve, page)).status_code == 200
    before = len(await _outbox(node))
    await member_lifecycle.end_membership(
        node, alice.uri, MemberStatus.SUSPENDED, reason="dues", decided_by="admin"
    )
    ((_, inboxes),) = [(a, i) for a, i in (await _outbox(node))[before:] if a["type"] == "Remove"]
    assert any(inbox.startswith(other_remote.origin) for inbox in inboxes), inboxes


# Hole 4 (SEE-4): a member who left is neither named nor reached; the count is unchanged.


def _counts(question: dict[str, Any]) -> dict[str, int]:
    return {item["name"]: item["replies"]["totalItems"] for item in question["oneOf"]}


async def test_a_member_who_left_gets_no_tally_updates_and_the_count_stands(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    for actor in (alice, bob):
        await members.add_member(node, actor.uri)
    record = await _open(node, "members")
    for actor, option in ((alice, "yes"), (bob, "no")):
        outcome = await send_and_process(client, node, actor, vote(actor, record.uri, option))
        assert outcome == "done: vote counted: your ballot counts"
    await member_lifecycle.end_membership(
        node, bob.uri, MemberStatus.LEFT, reason="", decided_by="admin"
    )
    assert await proposal_publishing.publish_due_updates(node) == 1
    updates = await _questions(node, "Update")
    assert updates, "the tally Update went out"
    for update, targets in updates:
        assert bob.uri not in json.dumps(update)  # was: to and tag named him
        assert targets == [_own_inbox(alice)], targets  # was: the shared inbox, for him too
        question = update["object"]
        # The electorate frozen at opening still counts his ballot (the charter's default).
        assert _counts(question) == {"yes": 1, "no": 1, "block": 0}
        assert question["electorateSize"] == 2 and question["votersCount"] == 2
    tally = await proposals.tally_proposal(node, record.slug)
    assert (tally.counts["yes"], tally.counts["no"], tally.turnout) == (1, 1, 2)
    # Closing: the final Update goes to Alice alone as well.
    await proposals.close_proposal(node, record.slug, closed_by="admin")
    final = [(u, t) for u, t in await _questions(node, "Update") if "closed" in u["object"]]
    ((closed, targets),) = final
    assert bob.uri not in json.dumps(closed) and targets == [_own_inbox(alice)]


# Hole 3 (SEE-3): each member's copy names only them; no GET lists the others.


async def test_members_only_copies_and_gets_name_only_their_recipient(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    alice, bob, eve = (
        remote_fresh.actor("alice"),
        remote_fresh.actor("bob"),
        other_remote.actor("eve"),
    )
    bea = await members.add_member(node, local_username="bea")
    cy = await members.add_member(node, local_username="cy")
    await _link(node, client, "bea", alice)  # Bea's phone
    await _link(node, client, "cy", eve)  # Cy's account elsewhere
    await members.add_member(node, bob.uri)
    everyone = {alice.uri, bob.uri, eve.uri, bea.actor_uri, cy.actor_uri}
    record = await _open(node, "members")
    outcome = await send_and_process(client, node, alice, vote(alice, record.uri, "yes"))
    assert outcome == "done: vote counted: your ballot counts"
    assert await proposal_publishing.publish_due_updates(node) == 1

    for kind in ("Create", "Update"):
        copies = await _questions(node, kind)
        recipients = sorted(activity["to"][0] for activity, _ in copies)
        assert recipients == sorted([alice.uri, bob.uri, eve.uri])  # remote ones: a copy each
        assert {activity["object"]["id"] for activity, _ in copies} == {record.uri}
        assert len({activity["id"] for activity, _ in copies}) == 3
        for activity, targets in copies:
            (recipient,) = activity["to"]
            assert activity["cc"] == [] and activity["object"]["to"] == [recipient]
            assert activity["object"]["tag"] == [{"type": "Mention", "href": recipient}]
            body = json.dumps(activity)
            assert not [other for other in everyone - {recipient} if other in body], kind
            # Its own inbox, never the shared one its server has (nor followers).
            assert targets in ([f"{recipient}/inbox"], [recipient]), targets

    # Bob was bound by his IRI and never wrote to us: his copies wait for his actor. Once the
    # `recipients` job has fetched it, they too go to his own inbox, not his server's shared one.
    waiting = [a["id"] for a, t in await _outbox(node) if t == [bob.uri]]
    assert len(waiting) == 2
    assert await resolve_pending_recipients(node) == 2
    resolved = {a["id"]: t for a, t in await _outbox(node) if a["id"] in waiting}
    assert list(resolved.values()) == [[_own_inbox(bob)]] * 2, resolved

    for reader in (alice, bob, eve):
        answer = await _signed_get(client, reader, record.uri)
        assert answer.status_code == 200
        question = answer.json()
        assert question["to"] == [reader.uri] and question["cc"] == []
        assert question["tag"] == [{"type": "Mention", "href": reader.uri}]
        assert not [other for other in everyone - {reader.uri} if other in answer.text]


# Hole 1 (SEE-1): a vote on something the voter may not see is a vote on nothing of ours.


async def test_votes_on_what_the_voter_may_not_see_get_no_notice_and_store_nothing(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await members.add_member(node, alice.uri)
    hidden = await _open(node, "members")
    allies_only = await _open(node, "allies")
    draft = await proposals.create_proposal(
        node,
        ProposalDraft(title="Secret draft", method="proposal", duration=timedelta(days=1)),
    )
    async with node.engine.connect() as conn:
        head = await page_store.log_head(conn, hidden.row_id)
    before = await _outbox(node)
    targets = [hidden.uri, allies_only.uri, draft.uri, "http://coop.test/proposals/nosuch"]
    for question in targets:
        for option in ("zzz", "yes"):  # unknown option first: it used to be checked first
            outcome = await send_and_process(client, node, mallory, vote(mallory, question, option))
            assert outcome == "ignored: vote ignored: not one of our proposals", outcome
    assert await _outbox(node) == before  # nothing addressed to Mallory, no title, no options
    assert await _ballot_count(node) == 0
    async with node.engine.connect() as conn:
        assert await page_store.log_head(conn, hidden.row_id) == head
    # A public proposal still tells a stranger why (nothing there is secret).
    public = await _open(node, "public")
    outcome = await send_and_process(client, node, mallory, vote(mallory, public.uri, "zzz"))
    assert outcome.startswith("done: vote refused"), outcome
    notes = [a for a, _ in (await _outbox(node))[len(before) :] if a["object"]["type"] == "Note"]
    assert [note["to"] for note in notes] == [[mallory.uri]]


# Issue 14: `coopfed verify` on an allied node signs its GETs as that node's instance actor.


def _instance_actor_of(server: FediverseServer) -> TestActor:
    """The coopfed-style instance actor (`/actors/instance.actor`) of `server`'s node."""
    uri = f"{server.origin}/actors/{INSTANCE_USERNAME}"
    actor = TestActor(
        name=INSTANCE_USERNAME,
        uri=uri,
        key_id=f"{uri}#main-key",
        inbox=f"{uri}/inbox",
        shared_inbox=None,
        private_key=server.actor("eve").private_key,  # RSA keys are slow to make
    )
    server.serve_json(f"/actors/{INSTANCE_USERNAME}", actor.document())
    return actor


async def test_an_allys_instance_actor_reads_allies_only_proposals(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    eve = other_remote.actor("eve")  # the other co-op
    instance = _instance_actor_of(other_remote)
    stranger = remote_fresh.actor("mallory")
    offer_id = await _offer_and_follow_accepted(node, client, eve)
    record = await _open(node, "allies")
    assert (await _signed_get(client, instance, record.uri)).status_code == 404  # not yet ally
    answer_offer = {"id": new_id(eve), "type": "Accept", "actor": eve.uri, "object": offer_id}
    assert await send_and_process(client, node, eve, answer_offer) == "done: alliance active"
    for reader in (eve, instance):
        answer = await _signed_get(client, reader, record.uri)
        assert answer.status_code == 200, answer.text  # was 404 for the instance actor
        assert answer.json()["id"] == record.uri
    answer = await _signed_get(client, stranger, record.uri)
    assert answer.status_code == 404 and "secret depot" not in answer.text
