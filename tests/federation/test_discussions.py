"""Discussions and outcome statements over ActivityPub, through the signed inbox and the
worker: the Group's Note to the discussion's audience, fediverse replies as comments (members'
in the thread, others by the charter, outsiders to members-only ones nowhere), and the outcome
statement as the Group's Note in reply to the Question, with the Question's audience."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from coopfed.node import Node
from coopfed.services import discussions, members, outcomes, proposals
from coopfed.services.errors import ServiceError
from coopfed.store.tables import outbox_activities, proposal_comments
from tests.federation.inbox_support import COOP, follow
from tests.federation.test_comments import PUBLIC, _deliver, _published, reply
from tests.support.fediverse import FediverseServer


async def _count(node: Node, table: Any) -> int:
    async with node.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def _undated(activity: dict[str, Any]) -> dict[str, Any]:
    del activity["object"]["published"]  # in order of receipt, then
    return activity


async def test_a_public_discussion_is_the_groups_note_to_its_followers(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    await _deliver(client, node, bob, follow(bob))
    await members.add_member(node, local_username="bea")
    before = len(await _published(node))
    record = await discussions.start_discussion(node, "bea", "A <new> logo", "Green?\n\nBlue?")
    ((create, inboxes),) = (await _published(node))[before:]
    note = create["object"]
    assert (create["type"], create["actor"], note["type"]) == ("Create", COOP, "Note")
    assert note["id"] == record.uri and note["attributedTo"] == COOP
    assert note["content"] == "<p><strong>A &lt;new&gt; logo</strong></p><p>Green?</p><p>Blue?</p>"
    assert note["to"] == [PUBLIC] and note["cc"] == [f"{COOP}/followers"]
    assert inboxes == [f"{remote_fresh.origin}/inbox"]


async def test_a_members_only_discussion_reaches_each_member_alone(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob, mallory = (remote_fresh.actor(n) for n in ("alice", "bob", "mallory"))
    for actor in (mallory, alice, bob):
        await _deliver(client, node, actor, follow(actor))
    for member in (alice, bob):
        await members.add_member(node, member.uri)
    await members.add_member(node, local_username="bea")
    before = len(await _published(node))
    await discussions.start_discussion(node, "bea", "Pay", "Between us", "members")
    copies = (await _published(node))[before:]
    assert sorted(create["object"]["to"][0] for create, _ in copies) == sorted([alice.uri, bob.uri])
    for create, inboxes in copies:
        (recipient,) = create["object"]["to"]
        assert create["object"]["tag"] == [{"type": "Mention", "href": recipient}]
        other = bob.uri if recipient == alice.uri else alice.uri
        assert other not in json.dumps(create) and mallory.uri not in json.dumps(create)
        assert inboxes == [f"{recipient}/inbox"]


async def test_fediverse_replies_become_comments_by_the_same_rules_as_for_proposals(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Logo", "Green or blue?")
    await _deliver(client, node, alice, _undated(reply(alice, record.uri, "<p>Green</p>")))
    await _deliver(client, node, bob, _undated(reply(bob, record.uri, "<p>Red</p>")))
    site = await discussions.post_comment(node, record.public_id, "bea", "Blue.")
    await _deliver(client, node, alice, _undated(reply(alice, site.uri, "<p>Why?</p>")))
    page = await discussions.show_for_admin(node, record.public_id)
    assert [
        (e.author_label, e.comment.state.value, e.comment.content_text) for e in page.comments
    ] == [
        (alice.uri, "shown", "Green"),
        (bob.uri, "from_followers", "Red"),  # never a member's comment
        ("bea", "shown", "Blue."),
        (alice.uri, "shown", "Why?"),
    ]


async def test_outsiders_replies_to_a_members_only_discussion_store_and_send_nothing(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await members.add_member(node, alice.uri)
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Pay", "Between us", "members")
    async with node.engine.connect() as conn:
        before = (await conn.execute(select(func.count()).select_from(outbox_activities))).scalar()
    await _deliver(client, node, mallory, reply(mallory, record.uri, "let me in"))
    assert await _count(node, proposal_comments) == 0
    async with node.engine.connect() as conn:
        after = (await conn.execute(select(func.count()).select_from(outbox_activities))).scalar()
    assert after == before
    await _deliver(client, node, alice, reply(alice, record.uri, "members only"))
    assert await _count(node, proposal_comments) == 1


async def test_the_outcome_statement_replies_to_the_question_with_its_audience(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    for actor in (alice, bob):
        await _deliver(client, node, actor, follow(actor))
    await members.add_member(node, alice.uri)
    (bea,) = [await members.add_member(node, local_username="bea")]
    draft = proposals.ProposalDraft(
        title="Paint", method="proposal", duration=timedelta(days=1), visibility="members",
        author="bea",
    )  # fmt: skip
    record = await proposals.create_proposal(node, draft, open_now=True)
    await proposals.close_proposal(node, record.slug, closed_by="test")
    before = len(await _published(node))
    statement = await outcomes.write_outcome(
        node, record.slug, actor=bea.actor_uri, is_admin=False, text="We paint in May."
    )
    fresh = [(a, i) for a, i in (await _published(node))[before:] if a["type"] == "Create"]
    ((create, inboxes),) = fresh  # one copy: alice, the electorate's only remote member
    note = create["object"]
    assert (create["actor"], note["id"]) == (COOP, statement.uri)
    assert note["inReplyTo"] == record.uri and note["to"] == [alice.uri]
    assert note["content"] == "<p>We paint in May.</p>" and bob.uri not in json.dumps(create)
    assert inboxes == [f"{alice.uri}/inbox"]


async def test_only_the_proposer_or_an_admin_writes_it_once_after_the_decision(
    node: Node,
) -> None:
    await members.add_member(node, local_username="bea")
    await members.add_member(node, local_username="cy")
    draft = proposals.ProposalDraft(
        title="Paint", method="proposal", duration=timedelta(days=1), author="bea"
    )
    record = await proposals.create_proposal(node, draft, open_now=True)
    bea, cy = node.uris.actor("bea"), node.uris.actor("cy")
    refusals = []
    for actor in (bea, cy):
        try:
            await outcomes.write_outcome(node, record.slug, actor=actor, is_admin=False, text="?")
        except ServiceError as error:
            refusals.append(str(error))
        else:
            raise AssertionError("a statement was accepted")
        if actor == bea:
            await proposals.close_proposal(node, record.slug, closed_by="test")
    assert refusals == [
        "an outcome statement comes after the decision",
        "only the proposer or an admin writes the outcome statement",
    ]
    await outcomes.write_outcome(node, record.slug, actor=cy, is_admin=True, text="By an admin")
    try:
        await outcomes.write_outcome(node, record.slug, actor=bea, is_admin=False, text="Again")
    except ServiceError as error:
        assert "already has its outcome statement" in str(error)
    else:
        raise AssertionError("a second statement was accepted")
