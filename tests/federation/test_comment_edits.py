"""Edits from the fediverse: an `Update{Note}` by the author of a stored reply replaces its
text and keeps the earlier one in its history; an Update by anyone else changes nothing.
Through the signed inbox and the worker, on both backends."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from coopfed.node import Node
from coopfed.services import comment_moderation as moderation
from coopfed.services import comments, members
from coopfed.store.tables import inbox_items
from tests.federation.inbox_support import SHARED_INBOX
from tests.federation.test_comments import _deliver, _open, reply
from tests.support.fediverse import FediverseServer, TestActor


def update(actor: TestActor, created: dict[str, Any], content: str, updated: str) -> Any:
    """Mastodon's edit of a status: `Update` of the whole Note with `updated`."""
    note = copy.deepcopy(created["object"])
    note.update(content=content, updated=updated)
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note['id']}#updates/{uuid.uuid4().hex[:8]}",
        "type": "Update",
        "actor": actor.uri,
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


async def _last_outcome(node: Node) -> tuple[str, str | None]:
    async with node.engine.connect() as conn:
        query = select(inbox_items.c.state, inbox_items.c.outcome).order_by(inbox_items.c.id)
        row = (await conn.execute(query)).all()[-1]
    return row[0], row[1]


async def _texts(node: Node, slug: str) -> list[tuple[str, list[str]]]:
    return [
        (entry.comment.content_text, [edit.content_text for edit in history])
        for entry, history in await comments.thread_with_history(node, slug)
    ]


async def test_the_author_edits_a_reply_and_the_earlier_text_is_kept(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    created = reply(alice, record.uri, "<p>Blue</p>")
    await _deliver(client, node, alice, created)
    await _deliver(
        client, node, alice, update(alice, created, "<p>Green</p>", "2020-01-02T00:00:00Z")
    )
    await _deliver(
        client, node, alice, update(alice, created, "<p>Red</p>", "2020-01-03T00:00:00Z")
    )
    assert await _last_outcome(node) == ("done", f"comment edited on {record.slug}")
    assert await _texts(node, record.slug) == [("Red", ["Blue", "Green"])]
    (entry,) = await comments.thread_of_admin(node, record.slug)
    assert entry.comment.edited_at is not None and entry.comment.edited_at.day == 3
    assert entry.comment.state.value == "shown" and entry.comment.in_reply_to == record.uri


async def test_an_older_or_unchanged_edit_changes_nothing(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    created = reply(alice, record.uri, "<p>Blue</p>")
    await _deliver(client, node, alice, created)
    await _deliver(
        client, node, alice, update(alice, created, "<p>Red</p>", "2020-01-03T00:00:00Z")
    )
    late = update(alice, created, "<p>Green</p>", "2020-01-02T00:00:00Z")  # arrives after
    await _deliver(client, node, alice, late)
    assert await _last_outcome(node) == ("ignored", "an older edit than the text we have")
    same = update(alice, created, "<p>Red</p>", "2020-01-04T00:00:00Z")
    await _deliver(client, node, alice, same)
    assert await _last_outcome(node) == ("ignored", "the text is unchanged")
    assert await _texts(node, record.slug) == [("Red", ["Blue"])]


async def test_a_neighbours_update_of_a_reply_under_no_actor_changes_nothing(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    """docs/threats.md MOD-3. Misskey's ids sit under no actor (`/notes/x`), so the inbox's
    sibling rule cannot refuse bob's Update of alice's note: the comment is found by author
    and id together, so his Update finds nothing of his."""
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    await members.add_member(node, bob.uri)
    record = await _open(node)
    created = reply(alice, record.uri, "<p>Blue</p>")
    note_id = f"{remote_fresh.origin}/notes/{uuid.uuid4().hex[:10]}"
    created["object"]["id"], created["id"] = note_id, f"{note_id}/activity"
    await _deliver(client, node, alice, created)
    forged = update(bob, created, "<p>Alice says: vote no</p>", "2020-01-02T00:00:00Z")
    forged["object"]["attributedTo"] = bob.uri
    await _deliver(client, node, bob, forged)
    assert await _last_outcome(node) == ("ignored", "only its author may edit a comment")
    assert await _texts(node, record.slug) == [("Blue", [])]


async def test_an_update_of_a_siblings_note_is_refused_at_the_inbox(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    created = reply(alice, record.uri, "<p>Blue</p>")  # id under /users/alice/
    await _deliver(client, node, alice, created)
    forged = update(bob, created, "<p>Vote no</p>", "2020-01-02T00:00:00Z")
    del forged["object"]["attributedTo"]
    answer = await bob.apost(client, SHARED_INBOX, forged)
    assert answer.status_code == 403
    assert await _texts(node, record.slug) == [("Blue", [])]


async def test_a_removed_comment_is_not_brought_back_by_an_edit(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    created = reply(alice, record.uri, "<p>Rude</p>")
    await _deliver(client, node, alice, created)
    await _deliver(
        client, node, alice, update(alice, created, "<p>Ruder</p>", "2020-01-02T00:00:00Z")
    )
    await moderation.remove_comment(node, record.slug, created["object"]["id"], by="cli:test")
    assert await _texts(node, record.slug) == [("", [])]  # history erased with the text
    await _deliver(
        client, node, alice, update(alice, created, "<p>Back</p>", "2020-01-03T00:00:00Z")
    )
    assert await _last_outcome(node) == ("ignored", "this comment was removed")
    assert await _texts(node, record.slug) == [("", [])]


async def test_edits_stop_at_the_cap(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(comments, "MAX_EDITS", 2)
    alice = remote_fresh.actor("alice")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    created = reply(alice, record.uri, "<p>v0</p>")
    await _deliver(client, node, alice, created)
    for n in (1, 2, 3):
        edit = update(alice, created, f"<p>v{n}</p>", f"2020-01-0{n + 1}T00:00:00Z")
        await _deliver(client, node, alice, edit)
    assert await _last_outcome(node) == ("ignored", "this comment was edited 2 times already")
    assert await _texts(node, record.slug) == [("v2", ["v0", "v1"])]


async def test_an_edit_of_something_not_in_our_threads_is_ignored(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    record = await _open(node)
    created = reply(alice, "https://elsewhere.example/notes/1", "<p>Hi</p>")
    await _deliver(
        client, node, alice, update(alice, created, "<p>Edit</p>", "2020-01-02T00:00:00Z")
    )
    assert await _last_outcome(node) == ("ignored", "an edit of nothing in our threads")
    assert await comments.thread_of_admin(node, record.slug) == []
