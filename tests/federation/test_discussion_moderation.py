"""A discussion's comments are moderated as a proposal's (issue 16): hidden, removed and
unhidden with the same wire activities to the discussion's audience, reported by members and by
other servers' `Flag`s, edited and deleted by their fediverse authors; and an unhidden
comment of any thread is sent again to its audience as it is now, never to anyone else.
Through the real inbox and outbox, on both backends."""

from __future__ import annotations

import json

import httpx
import pytest

from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services import comment_moderation as moderation
from coopfed.services import comments, discussions, members
from coopfed.services.errors import NotFound, ServiceError
from coopfed.store.comments import ThreadKind
from tests.federation.inbox_support import COOP, follow
from tests.federation.test_comment_reports import mastodon_flag
from tests.federation.test_comments import PUBLIC, _deliver, _open, _published, reply
from tests.support.fediverse import FediverseServer

ADMIN = "cli:test"
DISCUSSION = ThreadKind.DISCUSSION


async def test_hiding_a_discussion_comment_takes_it_back_and_unhiding_sends_it_again(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    await _deliver(client, node, bob, follow(bob))
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Logo", "Green or blue?")
    posted = await discussions.post_comment(node, record.public_id, "bea", "Blue.")
    (create, create_inboxes), (announce, _) = (await _published(node))[-2:]
    before = len(await _published(node))
    hidden = await moderation.hide_comment(
        node, record.public_id, posted.uri, by=ADMIN, reason="off topic", kind=DISCUSSION
    )
    assert (hidden.state.value, hidden.content_text) == ("hidden", "Blue.")
    sent = (await _published(node))[before:]
    assert [(a["type"], a["actor"]) for a, _ in sent] == [
        ("Delete", node.uris.actor("bea")),
        ("Undo", COOP),
    ]
    assert sent[0][0]["object"] == {"id": posted.uri, "type": "Tombstone"}
    assert sent[1][0]["object"]["id"] == announce["id"]
    assert sent[0][1] == [f"{remote_fresh.origin}/inbox"]  # the followers had the Note
    page = await discussions.load_page(node, record.public_id, None, False)
    assert page is not None and page.comments == ()
    with pytest.raises(NotFound):
        await discussions.served_comment(node, posted.public_id or "", None)

    before = len(await _published(node))
    back = await moderation.unhide_comment(node, record.public_id, posted.uri, kind=DISCUSSION)
    assert (back.state.value, back.moderated_by, back.moderation_reason) == ("shown", None, None)
    (again, again_inboxes), (announce_again, _) = (await _published(node))[before:]
    assert again["type"] == "Create" and again["object"] == create["object"]  # the same Note
    assert again["id"] != create["id"] and again_inboxes == create_inboxes
    assert announce_again["type"] == "Announce" and announce_again["id"] != announce["id"]
    assert back.announce_uri == announce_again["id"]  # what a later Undo names
    note = await discussions.served_comment(node, posted.public_id or "", None)
    assert note.note_id == posted.uri and note.to == (PUBLIC,)
    with pytest.raises(ServiceError, match="not hidden"):
        await moderation.unhide_comment(node, record.public_id, posted.uri, kind=DISCUSSION)


async def test_an_unhidden_members_only_comment_reaches_the_members_of_now_alone(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    """Sent again to the thread's audience as services/audience.py has it now: a member who
    left since gets nothing, a follower who never was a member gets nothing."""
    alice, bob, mallory = (remote_fresh.actor(n) for n in ("alice", "bob", "mallory"))
    for actor in (alice, bob, mallory):
        await _deliver(client, node, actor, follow(actor))
    for actor in (alice, bob):
        await members.add_member(node, actor.uri)
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Pay", "Between us", "members")
    posted = await discussions.post_comment(node, record.public_id, "bea", "Raise it.")
    await moderation.hide_comment(node, record.public_id, posted.uri, by=ADMIN, kind=DISCUSSION)
    await members.change_status(node, bob.uri, MemberStatus.LEFT)
    before = len(await _published(node))
    await moderation.unhide_comment(node, record.public_id, posted.uri, kind=DISCUSSION)
    sent = (await _published(node))[before:]
    assert [(a["type"], a["object"]["to"], inboxes) for a, inboxes in sent] == [
        ("Create", [alice.uri], [f"{alice.uri}/inbox"])
    ]
    assert bob.uri not in json.dumps(sent) and mallory.uri not in json.dumps(sent)


async def test_unhiding_a_proposal_comment_sends_the_note_and_a_new_announce(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    await _deliver(client, node, bob, follow(bob))
    await members.add_member(node, local_username="bea")
    record = await _open(node)
    posted = await comments.post_comment(node, record.slug, "bea", "Blue, surely.")
    (create, _), _ = (await _published(node))[-2:]
    await moderation.hide_comment(node, record.slug, posted.uri, by=ADMIN)
    before = len(await _published(node))
    back = await moderation.unhide_comment(node, record.slug, posted.uri)
    (again, _), (announce, inboxes) = (await _published(node))[before:]
    assert again["type"] == "Create" and again["object"] == create["object"]
    assert (announce["type"], announce["actor"]) == ("Announce", COOP)
    assert inboxes == [f"{remote_fresh.origin}/inbox"]
    assert back.state.value == "shown"
    async with node.engine.connect() as conn:
        (entry,) = await comments.visible_thread(conn, node.uris, record.row_id)
    assert entry.comment.uri == posted.uri


async def test_an_unhidden_fediverse_reply_sends_nothing_and_a_non_members_stays_apart(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Logo", "Green or blue?")
    for actor, text in ((alice, "<p>Green</p>"), (bob, "<p>Red</p>")):
        body = reply(actor, record.uri, text)
        await _deliver(client, node, actor, body)
        await moderation.hide_comment(
            node, record.public_id, body["object"]["id"], by=ADMIN, kind=DISCUSSION
        )
        before = len(await _published(node))
        await moderation.unhide_comment(
            node, record.public_id, body["object"]["id"], kind=DISCUSSION
        )
        assert len(await _published(node)) == before  # we never published their replies
    page = await discussions.show_for_admin(node, record.public_id)
    assert [(e.author_label, e.comment.state.value) for e in page.comments] == [
        (alice.uri, "shown"),
        (bob.uri, "from_followers"),  # unhidden, still not a member's comment
    ]


async def test_a_flag_of_a_discussion_comment_is_a_report_and_dismissed_by_its_thread(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    instance = remote_fresh.actor("bob")
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Logo", "Green or blue?")
    posted = await discussions.post_comment(node, record.public_id, "bea", "Buy my paint")
    bea = node.uris.actor("bea")
    await _deliver(client, node, instance, mastodon_flag(instance, bea, posted.uri))
    (view,) = await moderation.reports_of_thread(node, DISCUSSION, record.public_id)
    assert view.report.comment_uri == posted.uri and view.report.source.value == "fediverse"
    assert (view.target.path, view.proposal_title) == (f"/discussions/{record.public_id}", "Logo")
    listed, total = await moderation.open_reports(node)
    assert [v.report.row_id for v in listed] == [view.report.row_id] and total == 1
    with pytest.raises(NotFound, match="no proposal"):  # a discussion's report, by a proposal
        await moderation.dismiss_report(node, record.public_id, view.report.row_id, by=ADMIN)
    closed = await moderation.dismiss_report(
        node, record.public_id, view.report.row_id, by=ADMIN, kind=DISCUSSION
    )
    assert closed.state.value == "dismissed"


async def test_members_report_discussion_comments_they_can_read(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    await members.add_member(node, local_username="bea")
    await members.add_member(node, local_username="cat")
    record = await discussions.start_discussion(node, "bea", "Pay", "Between us", "members")
    posted = await discussions.post_comment(node, record.public_id, "bea", "Rude words")
    report = await moderation.report_comment(
        node, record.public_id, posted.uri, "cat", "rude", DISCUSSION
    )
    assert report.reporter_uri == node.uris.actor("cat")
    with pytest.raises(ServiceError, match="reported this comment already"):
        await moderation.report_comment(
            node, record.public_id, posted.uri, "cat", "rude", DISCUSSION
        )
    removed = await moderation.remove_comment(
        node, record.public_id, posted.uri, by=ADMIN, kind=DISCUSSION
    )
    assert (removed.state.value, removed.content_text) == ("removed", "")
    (view,) = await moderation.reports_of_thread(
        node, DISCUSSION, record.public_id, include_closed=True
    )
    assert view.report.state.value == "actioned"
    with pytest.raises(ServiceError, match="not hidden"):  # removed is for good
        await moderation.unhide_comment(node, record.public_id, posted.uri, kind=DISCUSSION)


async def test_authors_edit_and_delete_their_replies_to_a_discussion(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    await members.add_member(node, local_username="bea")
    record = await discussions.start_discussion(node, "bea", "Logo", "Green or blue?")
    body = reply(alice, record.uri, "<p>Green</p>")
    await _deliver(client, node, alice, body)
    note = {**body["object"], "content": "<p>Teal</p>", "updated": "2021-01-01T00:00:00Z"}
    update = {**body, "id": body["id"] + "#update", "type": "Update", "object": note}
    await _deliver(client, node, alice, update)
    ((entry, history),) = await comments.thread_with_history(node, record.public_id, DISCUSSION)
    assert (entry.comment.content_text, [e.content_text for e in history]) == ("Teal", ["Green"])
    delete = {**body, "id": body["id"] + "#delete", "type": "Delete", "object": note["id"]}
    await _deliver(client, node, alice, delete)
    page = await discussions.show_for_admin(node, record.public_id)
    assert [(e.comment.state.value, e.comment.content_text) for e in page.comments] == [
        ("deleted", "")
    ]
