"""Proposals over ActivityPub, end to end inside one node: Create(Question) at opening, votes
through the signed inbox and the worker, coalesced Update(Question), the private note to a
voter who does not count, members-only GETs, and the docs/threats.md "Governance" lines."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from coopfed.inbound.worker import process_inbox_batch
from coopfed.node import Node
from coopfed.services import members, proposal_publishing, proposals, votes
from coopfed.services.proposals import ProposalDraft
from coopfed.store.proposals import ProposalRecord
from coopfed.store.tables import ballots, deliveries, outbox_activities
from tests.federation.inbox_support import COOP, SHARED_INBOX, follow, new_id
from tests.support.fediverse import FediverseServer, TestActor


async def _outbox(node: Node) -> list[tuple[dict[str, Any], list[str]]]:
    """Every published activity with the inboxes it is queued for, oldest first."""
    async with node.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_activities).order_by("id"))).mappings().all()
        out = []
        for row in rows:
            query = select(deliveries.c.inbox).where(deliveries.c.activity_id == row["id"])
            inboxes = list((await conn.execute(query)).scalars())
            out.append((json.loads(row["body"]), inboxes))
        return out


async def _of_type(node: Node, kind: str, inner: str) -> list[tuple[dict[str, Any], list[str]]]:
    return [
        (activity, inboxes)
        for activity, inboxes in await _outbox(node)
        if activity["type"] == kind and activity["object"]["type"] == inner
    ]


async def _ballot_count(node: Node) -> int:
    async with node.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(ballots))).scalar_one())


async def _follow(client: httpx.AsyncClient, node: Node, actor: TestActor) -> None:
    assert (await actor.apost(client, SHARED_INBOX, follow(actor))).status_code == 202
    await process_inbox_batch(node)


async def _open(node: Node, **draft: Any) -> ProposalRecord:
    fields: dict[str, Any] = {
        "title": "Move the assembly",
        "method": "proposal",
        "body": "To Tuesday.",
        "duration": timedelta(days=1),
    }
    fields.update(draft)
    return await proposals.create_proposal(node, ProposalDraft(**fields), open_now=True)


def vote(actor: TestActor, question: str, option: str) -> dict[str, Any]:
    """Exactly Mastodon's vote shape (tests/fixtures/.../vote_create_note.json)."""
    note_id = f"{actor.uri}#votes/{new_id(actor)[-12:]}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": actor.uri,
        "to": COOP,
        "object": {
            "id": note_id,
            "type": "Note",
            "name": option,
            "attributedTo": actor.uri,
            "inReplyTo": question,
            "to": COOP,
        },
    }


async def _vote(
    client: httpx.AsyncClient, node: Node, actor: TestActor, question: str, option: str
) -> None:
    assert (
        await actor.apost(client, SHARED_INBOX, vote(actor, question, option))
    ).status_code == 202
    await process_inbox_batch(node)


def _counts(question: dict[str, Any]) -> dict[str, int]:
    items = question.get("oneOf") or question.get("anyOf") or []
    return {item["name"]: item["replies"]["totalItems"] for item in items}


async def test_opening_publishes_create_question_to_followers(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await _follow(client, node, alice)
    record = await _open(node)
    ((create, inboxes),) = await _of_type(node, "Create", "Question")
    assert inboxes == [f"{remote_fresh.origin}/inbox"]
    assert create["id"] == f"{record.uri}/activity" and create["actor"] == COOP
    question = create["object"]
    assert question["id"] == record.uri and question["attributedTo"] == COOP
    assert [option["name"] for option in question["oneOf"]] == ["yes", "no", "block"]
    assert question["cc"] == [f"{COOP}/followers"] and "closed" not in question
    assert question["electorateSize"] == 0 and question["votingMethod"] == "proposal@1"


async def test_member_vote_counts_and_one_coalesced_update_carries_it(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    for actor in (alice, bob):
        await members.add_member(node, actor.uri)
    await _follow(client, node, alice)
    record = await _open(node)
    await _vote(client, node, alice, record.uri, "yes")
    await _vote(client, node, bob, record.uri, "no")
    assert await _ballot_count(node) == 2
    assert await proposal_publishing.publish_due_updates(node) == 1
    assert await proposal_publishing.publish_due_updates(node) == 0  # coalesced: one Update
    ((update, inboxes),) = await _of_type(node, "Update", "Question")
    question = update["object"]
    assert _counts(question) == {"yes": 1, "no": 1, "block": 0}
    assert question["votersCount"] == 2 and "updated" not in question
    assert inboxes == [f"{remote_fresh.origin}/inbox"]  # followers and voters share it
    # A third vote within the interval waits for the next slot instead of a new Update.
    await _vote(client, node, alice, record.uri, "no")
    assert await proposal_publishing.publish_due_updates(node) == 0


async def test_each_counted_vote_gets_a_private_note_with_its_receipt(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    """A member voting from Mastodon gets what `coopfed vote` prints a local voter: the
    ballot's entry hash in the log, to check with `coopfed verify --receipt` (issue 14)."""
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    await _follow(client, node, bob)
    record = await _open(node)
    await _vote(client, node, alice, record.uri, "yes")
    await _vote(client, node, alice, record.uri, "no")  # a second ballot, a second receipt
    async with node.engine.connect() as conn:
        logged = list((await conn.execute(select(ballots.c.entry_hash).order_by("id"))).scalars())
    notes = await _of_type(node, "Create", "Note")
    assert len(logged) == 2 and len(notes) == 2
    for (notice, inboxes), entry_hash in zip(notes, logged, strict=True):
        assert notice["to"] == [alice.uri] and notice["object"]["to"] == [alice.uri]
        assert notice["cc"] == [] and notice["object"]["inReplyTo"] == record.uri
        assert f"Receipt: {entry_hash}" in notice["object"]["content"]
        assert inboxes == [f"{remote_fresh.origin}/inbox"]  # alice's server only


async def test_non_member_vote_changes_nothing_and_gets_one_private_note(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    mallory = remote_fresh.actor("mallory")
    await _follow(client, node, mallory)
    record = await _open(node)
    await _vote(client, node, mallory, record.uri, "yes")
    await _vote(client, node, mallory, record.uri, "no")
    assert await _ballot_count(node) == 0
    assert await proposal_publishing.publish_due_updates(node) == 0
    notes = await _of_type(node, "Create", "Note")
    assert len(notes) == 1  # told once, not once per tap
    ((notice, inboxes),) = notes
    assert notice["to"] == [mallory.uri] and notice["object"]["to"] == [mallory.uri]
    assert notice["object"]["tag"] == [{"type": "Mention", "href": mallory.uri}]
    assert "not bound to a member" in notice["object"]["content"]
    assert inboxes == [f"{remote_fresh.origin}/inbox"]


async def test_late_vote_with_backdated_date_is_refused_by_the_home_clock(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    closes_at = record.proposal.closes_at
    assert closes_at is not None
    node.clock = lambda: closes_at + timedelta(minutes=1)
    alice.clock = lambda: closes_at - timedelta(minutes=20)  # the sender's Date says "in time"
    try:
        await _vote(client, node, alice, record.uri, "yes")
    finally:
        alice.clock = _now
    assert await _ballot_count(node) == 0
    ((notice, _),) = await _of_type(node, "Create", "Note")
    assert "closed" in notice["object"]["content"]


def _now() -> datetime:
    return datetime.now(UTC)


async def test_hundred_concurrent_deliveries_of_one_vote_make_one_ballot(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    # Known key first: concurrent first contacts race in the key resolver's actor upsert
    # (reported to the inbox owner); this test is about the vote, not key discovery.
    await _follow(client, node, alice)
    record = await _open(node)
    activity = vote(alice, record.uri, "yes")
    answers = await asyncio.gather(
        *(alice.apost(client, SHARED_INBOX, activity) for _ in range(100))
    )
    assert {answer.status_code for answer in answers} == {202}
    while await process_inbox_batch(node):
        pass
    assert await _ballot_count(node) == 1


async def test_same_vote_id_with_another_body_is_refused(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    first = vote(alice, record.uri, "yes")
    assert (await alice.apost(client, SHARED_INBOX, first)).status_code == 202
    second = json.loads(json.dumps(first))
    second["object"]["name"] = "no"
    assert (await alice.apost(client, SHARED_INBOX, second)).status_code == 409
    await process_inbox_batch(node)
    async with node.engine.connect() as conn:
        choices = list((await conn.execute(select(ballots.c.choice))).scalars())
    assert choices == ['"yes"']


async def test_announce_of_a_vote_is_never_counted(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    announce = {
        "id": new_id(bob),
        "type": "Announce",
        "actor": bob.uri,
        "object": vote(alice, record.uri, "yes"),
    }
    answer = await bob.apost(client, SHARED_INBOX, announce)
    await process_inbox_batch(node)
    assert answer.status_code in (202, 403)
    assert await _ballot_count(node) == 0


async def test_a_members_second_vote_replaces_the_first(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    await _vote(client, node, alice, record.uri, "yes")
    await _vote(client, node, alice, record.uri, "no")
    assert await _ballot_count(node) == 2  # both in the log
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.counts["yes"] == 0 and tally.counts["no"] == 1 and tally.turnout == 1


async def test_multiple_choice_creates_gather_into_one_ballot(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node, method="approval", options=["Mon", "Tue", "Wed"])
    await _vote(client, node, alice, record.uri, "Tue")
    await _vote(client, node, alice, record.uri, "Mon")
    await proposal_publishing.publish_due_updates(node)
    ((update, _),) = await _of_type(node, "Update", "Question")
    assert _counts(update["object"]) == {"Mon": 1, "Tue": 1, "Wed": 0}
    assert update["object"]["votersCount"] == 1
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.turnout == 1


async def test_meeting_taps_are_yes_and_combine_with_site_ballots(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    await members.add_member(node, bob.uri)
    record = await _open(node, method="meeting@1", options=["Mon", "Tue", "Wed"])
    await _vote(client, node, alice, record.uri, "Wed")
    await _vote(client, node, alice, record.uri, "Tue")
    # Bob answers on the site, with an if-need-be the poll cannot express.
    outcome = await votes.cast_vote(node, record.slug, bob.uri, {"Tue": "if_need_be", "Wed": "yes"})
    assert outcome.stored
    await proposal_publishing.publish_due_updates(node)
    updates = await _of_type(node, "Update", "Question")
    assert "anyOf" in updates[-1][0]["object"]
    assert _counts(updates[-1][0]["object"]) == {"Mon": 0, "Tue": 1, "Wed": 2}
    async with node.engine.connect() as conn:
        query = select(ballots.c.choice).where(ballots.c.source_actor_uri == alice.uri)
        last = list((await conn.execute(query.order_by(ballots.c.position))).scalars())[-1]
    assert json.loads(last) == {"Tue": "yes", "Wed": "yes"}
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.turnout == 2
    assert tally.counts["Wed"] == 2 and tally.counts["Tue"] == 1
    closed = await proposals.close_proposal(node, record.slug, closed_by="admin")
    detail = closed.result["detail"] if closed.result else {}
    assert detail["ranking"] == ["Wed", "Tue", "Mon"]
    assert detail["if_need_be"] == {"Mon": 0, "Tue": 1, "Wed": 0}


async def test_close_publishes_closed_question_with_the_result(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    await _vote(client, node, alice, record.uri, "yes")
    await proposals.close_proposal(node, record.slug, closed_by="admin")
    assert await proposal_publishing.publish_due_updates(node) == 0  # the close carried it
    ((final, inboxes),) = await _of_type(node, "Update", "Question")
    question = final["object"]
    assert "closed" in question and question["resultStatus"] == "passed"
    assert json.loads(question["resultRecord"])["status"] == "passed"
    assert _counts(question)["yes"] == 1
    assert inboxes == [f"{remote_fresh.origin}/inbox"]  # the voter, though not a follower


async def test_withdraw_publishes_a_closed_update(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    record = await _open(node)
    await proposals.withdraw_proposal(node, record.slug, by="admin")
    ((update, _),) = await _of_type(node, "Update", "Question")
    assert update["object"]["resultStatus"] == "withdrawn" and "closed" in update["object"]


async def test_public_question_is_served_with_content_negotiation(
    node: Node, client: httpx.AsyncClient
) -> None:
    record = await _open(node)
    as_json = await client.get(record.uri, headers={"Accept": "application/activity+json"})
    assert as_json.status_code == 200
    assert as_json.json()["type"] == "Question" and as_json.json()["id"] == record.uri
    page = await client.get(record.uri, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Move the assembly" in page.text
    draft = await proposals.create_proposal(
        node, ProposalDraft(title="Draft", method="proposal", duration=timedelta(days=1))
    )
    assert (await client.get(draft.uri, headers={"Accept": "application/json"})).status_code == 404


async def test_members_only_question_is_served_only_to_members_signed_gets(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await members.add_member(node, alice.uri)
    await _follow(client, node, alice)  # a member the node knows (deliveries need the inbox)
    record = await _open(node, visibility="members")
    accept = {"Accept": "application/activity+json"}
    assert (await client.get(record.uri, headers=accept)).status_code == 404
    assert (await client.get(record.uri, headers={"Accept": "text/html"})).status_code == 404
    signed = {**accept, **mallory.signed_headers("GET", record.uri)}
    assert (await client.get(record.uri, headers=signed)).status_code == 404
    signed = {**accept, **alice.signed_headers("GET", record.uri)}
    answer = await client.get(record.uri, headers=signed)
    assert answer.status_code == 200
    question = answer.json()
    assert question["to"] == [alice.uri] and question["cc"] == []
    ((create, inboxes),) = await _of_type(node, "Create", "Question")
    # Alice's own copy, at her own inbox: never a shared inbox (issue 13, hole 3).
    assert create["to"] == [alice.uri] and inboxes == [f"{remote_fresh.origin}/users/alice/inbox"]
