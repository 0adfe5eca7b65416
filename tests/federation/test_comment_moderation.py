"""Admins hide or remove comments: they leave the thread and the Question's `replies`, and a
site comment the co-op published is taken back on the wire (the author's Delete of the Note,
the Group's Undo of its Announce) to the audience it went to. Through the real inbox and
outbox, on both backends."""

from __future__ import annotations

import httpx
import pytest

from coopfed.node import Node
from coopfed.services import comment_moderation as moderation
from coopfed.services import comments, members, proposal_publishing
from coopfed.services.errors import NotFound, ServiceError
from coopfed.store import comments as comment_store
from tests.federation.inbox_support import COOP, follow
from tests.federation.test_comments import PUBLIC, _deliver, _open, _published, reply
from tests.support.fediverse import FediverseServer

ADMIN = "cli:test"


async def test_hiding_a_site_comment_deletes_the_note_and_undoes_the_announce(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    await _deliver(client, node, bob, follow(bob))
    await members.add_member(node, local_username="bea")
    record = await _open(node)
    posted = await comments.post_comment(node, record.slug, "bea", "Blue, surely.")
    (_, _), (announce, _) = (await _published(node))[-2:]
    before = len(await _published(node))
    hidden = await moderation.hide_comment(
        node, record.slug, posted.uri, by=ADMIN, reason="off topic"
    )
    assert (hidden.state.value, hidden.moderation_reason, hidden.moderated_by) == (
        "hidden",
        "off topic",
        ADMIN,
    )
    assert hidden.content_text == "Blue, surely."  # kept for the admins
    sent = (await _published(node))[before:]
    assert [activity["type"] for activity, _ in sent] == ["Delete", "Undo"]
    (delete, delete_inboxes), (undo, undo_inboxes) = sent
    assert delete["actor"] == node.uris.actor("bea")
    assert delete["object"] == {"id": posted.uri, "type": "Tombstone"}
    assert delete["to"] == [PUBLIC]
    assert delete_inboxes == [f"{remote_fresh.origin}/inbox"]  # the followers had the Note
    assert undo["actor"] == COOP and undo["object"]["id"] == announce["id"]
    assert undo["object"]["type"] == "Announce" and undo["object"]["object"] == posted.uri
    assert undo_inboxes == [f"{remote_fresh.origin}/inbox"]
    async with node.engine.connect() as conn:
        assert await comments.visible_thread(conn, node.uris, record.row_id) == ()
        question = await proposal_publishing.served_question(conn, node.uris, record)
    assert question["replies"]["items"] == []
    with pytest.raises(NotFound):
        await comments.served_comment(node, posted.public_id or "", None)


async def test_removing_erases_the_text_and_a_hidden_comment_is_not_taken_back_twice(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    await _deliver(client, node, bob, follow(bob))
    await members.add_member(node, local_username="bea")
    record = await _open(node)
    posted = await comments.post_comment(node, record.slug, "bea", "Buy my paint")
    await moderation.hide_comment(node, record.slug, posted.uri, by=ADMIN)
    before = len(await _published(node))
    removed = await moderation.remove_comment(node, record.slug, posted.uri, by=ADMIN)
    assert (removed.state.value, removed.content_text, removed.content_html) == ("removed", "", "")
    assert len(await _published(node)) == before  # the Delete went out when it was hidden
    (entry,) = await comments.thread_of_admin(node, record.slug)
    assert entry.comment.state.value == "removed"
    for again in (moderation.hide_comment, moderation.remove_comment):
        with pytest.raises(ServiceError, match="removed already"):
            await again(node, record.slug, posted.uri, by=ADMIN)


async def test_a_members_only_comment_is_deleted_for_each_member_alone(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    for actor in (alice, bob):
        await _deliver(client, node, actor, follow(actor))
        await members.add_member(node, actor.uri)
    await members.add_member(node, local_username="bea")
    record = await _open(node, visibility="members")
    posted = await comments.post_comment(node, record.slug, "bea", "Between us")
    before = len(await _published(node))
    await moderation.remove_comment(node, record.slug, posted.uri, by=ADMIN)
    sent = (await _published(node))[before:]
    assert sorted(d["to"][0] for d, _ in sent) == sorted([alice.uri, bob.uri])
    for delete, inboxes in sent:
        assert delete["type"] == "Delete" and len(delete["to"]) == 1 and delete["cc"] == []
        assert inboxes == [f"{delete['to'][0]}/inbox"]  # own inbox, as the Create went


async def test_hiding_a_fediverse_reply_sends_nothing_and_a_redelivery_stays_out(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    body = reply(alice, record.uri, "<p>Rude words</p>")
    await _deliver(client, node, alice, body)
    before = len(await _published(node))
    await moderation.remove_comment(node, record.slug, body["object"]["id"], by=ADMIN)
    assert len(await _published(node)) == before  # we never published her reply
    again = {**body, "id": body["id"] + "-again"}
    await _deliver(client, node, alice, again)
    (entry,) = await comments.thread_of_admin(node, record.slug)
    assert entry.comment.state.value == "removed" and entry.comment.content_text == ""


async def test_unknown_comments_and_proposals_are_refused_by_name(node: Node) -> None:
    record = await _open(node)
    with pytest.raises(NotFound, match="no comment"):
        await moderation.hide_comment(node, record.slug, "https://nope.example/1", by=ADMIN)
    with pytest.raises(NotFound, match="no proposal"):
        await moderation.remove_comment(node, "nope", "https://nope.example/1", by=ADMIN)
    with pytest.raises(ServiceError, match="at most 500"):
        await moderation.hide_comment(node, record.slug, "x", by=ADMIN, reason="x" * 501)


async def test_a_comment_of_another_proposal_is_not_found_in_this_one(node: Node) -> None:
    await members.add_member(node, local_username="bea")
    first, second = await _open(node), await _open(node, title="Other")
    posted = await comments.post_comment(node, first.slug, "bea", "here")
    with pytest.raises(NotFound, match="no comment"):
        await moderation.hide_comment(node, second.slug, posted.uri, by=ADMIN)
    async with node.engine.connect() as conn:
        stored = await comment_store.comment_by_uri(conn, posted.uri)
    assert stored is not None and stored.state.value == "shown"


def _delete(actor_uri: str, note_id: str) -> dict[str, object]:
    """Mastodon's Delete of a status: a Tombstone with the status' id."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}#delete",
        "type": "Delete",
        "actor": actor_uri,
        "to": [PUBLIC],
        "object": {"id": note_id, "type": "Tombstone", "atomUri": note_id},
    }


async def test_a_reply_deleted_by_its_author_leaves_the_thread(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    """Regression: a Delete of a stored reply only tombstoned its id, and the reply stayed on
    the page and in the Question's replies after its author deleted it on Mastodon."""
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    body = reply(alice, record.uri, "<p>Oops, wrong thread</p>")
    note_id = body["object"]["id"]
    await _deliver(client, node, alice, body)
    flag = {"type": "Flag", "id": f"{remote_fresh.origin}/f1", "actor": bob.uri,
            "object": [note_id], "content": "off topic"}  # fmt: skip
    await _deliver(client, node, bob, flag)
    await _deliver(client, node, alice, _delete(alice.uri, note_id))
    (entry,) = await comments.thread_of_admin(node, record.slug)
    assert (entry.comment.state.value, entry.comment.content_text) == ("deleted", "")
    async with node.engine.connect() as conn:
        assert await comments.visible_thread(conn, node.uris, record.row_id) == ()
        question = await proposal_publishing.served_question(conn, node.uris, record)
    assert question["replies"]["items"] == []
    (report,) = await moderation.reports_of_proposal(node, record.slug, include_closed=True)
    assert (report.report.state.value, report.report.closed_by) == ("actioned", alice.uri)
    with pytest.raises(ServiceError, match="deleted already"):
        await moderation.hide_comment(node, record.slug, note_id, by=ADMIN)
