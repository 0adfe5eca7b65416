"""A proposal's discussion over ActivityPub, through the signed inbox and the worker: replies
with text become comments (members' in the thread, others apart), members-only threads take
nothing from outsiders, and site comments go out as the member's Note plus the Group's
Announce (FEP-1b12)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from coopfed.governance.charter import Charter, NonMemberReplies
from coopfed.inbound.worker import process_inbox_batch
from coopfed.node import Node
from coopfed.services import comments, members, proposal_publishing, proposals
from coopfed.services.errors import ServiceError
from coopfed.services.proposals import ProposalDraft
from coopfed.store.proposals import ProposalRecord
from coopfed.store.tables import ballots, deliveries, outbox_activities, proposal_comments
from tests.federation.inbox_support import COOP, SHARED_INBOX, follow, new_id
from tests.support.fediverse import FediverseServer, TestActor

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def _open(node: Node, **draft: Any) -> ProposalRecord:
    fields: dict[str, Any] = {"title": "Paint the shop", "method": "proposal",
                              "duration": timedelta(days=1)}  # fmt: skip
    fields.update(draft)
    return await proposals.create_proposal(node, ProposalDraft(**fields), open_now=True)


def reply(actor: TestActor, in_reply_to: str, content: str) -> dict[str, Any]:
    """Mastodon's shape of a reply to a post (a vote has `name` and no content)."""
    note_id = f"{actor.uri}/statuses/{new_id(actor)[-12:]}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": actor.uri,
        "to": [PUBLIC],
        "cc": [COOP],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor.uri,
            "inReplyTo": in_reply_to,
            "content": content,
            "published": "2020-01-01T00:00:00Z",
            "to": [PUBLIC],
            "cc": [COOP],
        },
    }


async def _deliver(client: httpx.AsyncClient, node: Node, actor: TestActor, body: Any) -> None:
    assert (await actor.apost(client, SHARED_INBOX, body)).status_code == 202
    while await process_inbox_batch(node):
        pass


async def _count(node: Node, table: Any) -> int:
    async with node.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _published(node: Node) -> list[tuple[dict[str, Any], list[str]]]:
    async with node.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_activities).order_by("id"))).mappings().all()
        out = []
        for row in rows:
            query = select(deliveries.c.inbox).where(deliveries.c.activity_id == row["id"])
            out.append((json.loads(row["body"]), list((await conn.execute(query)).scalars())))
        return out


async def test_a_members_reply_joins_the_thread_and_a_followers_reply_is_kept_apart(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    await _deliver(client, node, bob, follow(bob))
    record = await _open(node)
    await _deliver(client, node, alice, reply(alice, record.uri, "<p>Why blue?</p><p>Green!</p>"))
    await _deliver(client, node, bob, reply(bob, record.uri, "<p>I like red</p>"))
    thread = await comments.thread_of_admin(node, record.slug)
    assert [
        (e.comment.author_uri, e.comment.state.value, e.comment.content_text) for e in thread
    ] == [
        (alice.uri, "shown", "Why blue?\n\nGreen!"),
        (bob.uri, "from_followers", "I like red"),
    ]
    assert {e.comment.source.value for e in thread} == {"fediverse"}
    assert await _count(node, ballots) == 0  # words are not a vote


@pytest.mark.parametrize("setting", ["held", "hidden"])
async def test_the_charter_holds_or_hides_a_non_members_reply(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer, setting: str
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    await _deliver(client, node, bob, follow(bob))
    await proposals.set_charter(node, Charter(non_member_replies=NonMemberReplies(setting)))
    record = await _open(node)
    await _deliver(client, node, alice, reply(alice, record.uri, "<p>Why blue?</p>"))
    await _deliver(client, node, bob, reply(bob, record.uri, "<p>Buy my paint</p>"))
    thread = await comments.thread_of_admin(node, record.slug)
    assert [(e.comment.author_uri, e.comment.state.value) for e in thread] == [
        (alice.uri, "shown"),
        (bob.uri, setting),  # kept for the admin, never a member's comment
    ]
    async with node.engine.connect() as conn:
        seen = await comments.visible_thread(conn, node.uris, record.row_id)
    assert [e.comment.author_uri for e in seen] == [alice.uri]


async def test_the_questions_replies_list_the_visible_comments_only(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    await _deliver(client, node, bob, follow(bob))
    await proposals.set_charter(node, Charter(non_member_replies=NonMemberReplies.HELD))
    record = await _open(node)
    first = reply(alice, record.uri, "<p>Why blue?</p>")
    await _deliver(client, node, alice, first)
    await _deliver(client, node, bob, reply(bob, record.uri, "<p>Held</p>"))
    async with node.engine.connect() as conn:
        question = await proposal_publishing.served_question(conn, node.uris, record)
    assert question["replies"]["type"] == "Collection"
    assert question["replies"]["items"] == [first["object"]["id"]]  # the held one is left out
    assert question["replies"]["totalItems"] == 1


async def test_a_reply_with_a_backdated_or_future_date_is_not_misplaced(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    body = reply(alice, record.uri, "later")
    body["object"]["published"] = "2999-01-01T00:00:00Z"
    await _deliver(client, node, alice, body)
    (entry,) = await comments.thread_of_admin(node, record.slug)
    assert entry.comment.published_at.year < 2999  # the receipt time, not the future


async def test_the_same_reply_delivered_twice_is_one_comment(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    body = reply(alice, record.uri, "once")
    await _deliver(client, node, alice, body)
    await _deliver(client, node, alice, body)
    assert await _count(node, proposal_comments) == 1


async def test_outsiders_replies_to_a_members_only_proposal_store_and_send_nothing(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await members.add_member(node, alice.uri)
    record = await _open(node, visibility="members")
    before = len(await _published(node))
    await _deliver(client, node, mallory, reply(mallory, record.uri, "let me in"))
    assert await _count(node, proposal_comments) == 0
    assert len(await _published(node)) == before  # no notice, nothing at all
    await _deliver(client, node, alice, reply(alice, record.uri, "members only"))
    assert await _count(node, proposal_comments) == 1


async def test_replies_to_drafts_and_unknown_iris_are_replies_to_nothing(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    draft = await proposals.create_proposal(
        node, ProposalDraft(title="Later", method="proposal", duration=timedelta(days=1))
    )
    await _deliver(client, node, alice, reply(alice, draft.uri, "early"))
    await _deliver(client, node, alice, reply(alice, node.uris.proposal("nope"), "nothing"))
    assert await _count(node, proposal_comments) == 0


async def test_a_reply_to_a_comment_joins_the_same_thread(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    await members.add_member(node, local_username="bea")
    record = await _open(node)
    first = await comments.post_comment(node, record.slug, "bea", "Blue, surely.")
    answer = reply(alice, first.uri, "Why?")
    del answer["object"]["published"]  # in order of receipt, then
    await _deliver(client, node, alice, answer)
    thread = await comments.thread_of_admin(node, record.slug)
    assert [e.comment.in_reply_to for e in thread] == [record.uri, first.uri]


async def test_a_site_comment_is_the_members_note_and_the_groups_announce(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    await _deliver(client, node, bob, follow(bob))
    await members.add_member(node, local_username="bea")
    record = await _open(node)
    before = len(await _published(node))
    comment = await comments.post_comment(node, record.slug, "bea", "One <b>line</b>\r\n\r\nTwo")
    (create, _), (announce, inboxes) = (await _published(node))[before:]
    note = create["object"]
    assert create["type"] == "Create" and create["actor"] == node.uris.actor("bea")
    assert note["id"] == comment.uri and note["inReplyTo"] == record.uri
    assert note["content"] == "<p>One &lt;b&gt;line&lt;/b&gt;</p><p>Two</p>"  # escaped text
    assert note["to"] == [PUBLIC]
    assert announce["type"] == "Announce" and announce["actor"] == COOP
    assert announce["object"]["id"] == comment.uri
    assert inboxes == [f"{remote_fresh.origin}/inbox"]  # the co-op's followers


async def test_a_members_only_comment_reaches_each_member_alone(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    """Like the proposal itself (docs/threats.md SEE-3): one copy per member, naming only them,
    to their own inbox; nothing to followers."""
    alice, bob, mallory = (remote_fresh.actor(n) for n in ("alice", "bob", "mallory"))
    for actor in (mallory, alice, bob):  # known actors: their inboxes are stored
        await _deliver(client, node, actor, follow(actor))
    for member in (alice, bob):
        await members.add_member(node, member.uri)
    await members.add_member(node, local_username="bea")
    record = await _open(node, visibility="members")
    before = len(await _published(node))
    await comments.post_comment(node, record.slug, "bea", "Between us")
    copies = (await _published(node))[before:]
    assert sorted(create["object"]["to"][0] for create, _ in copies) == sorted([alice.uri, bob.uri])
    for create, inboxes in copies:
        assert create["type"] == "Create" and len(create["object"]["to"]) == 1
        (recipient,) = create["object"]["to"]
        other = bob.uri if recipient == alice.uri else alice.uri
        assert other not in json.dumps(create) and mallory.uri not in json.dumps(create)
        assert inboxes == [f"{recipient}/inbox"]  # personal inbox, never the shared one


async def test_only_active_members_comment_and_text_is_required(node: Node) -> None:
    await members.add_member(node, local_username="bea")
    record = await _open(node)
    for text in ("", "   \r\n ", "x" * 5001):
        try:
            await comments.post_comment(node, record.slug, "bea", text)
        except ServiceError as error:
            assert "text" in str(error) or "at most" in str(error)
        else:
            raise AssertionError(f"{text[:10]!r} was accepted")
    try:
        await comments.post_comment(node, record.slug, "nobody", "hello")
    except ServiceError as error:
        assert "active members" in str(error)
    else:
        raise AssertionError("a non-member commented")
    assert await _count(node, proposal_comments) == 0
