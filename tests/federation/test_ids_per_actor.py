"""Issue 13, hole 2 (storage half): ids are keyed per actor, and an actor tombstones only ids
it may delete (`authority.may_delete`).

Ids under no actor (`/notes/x` on Misskey, `/<uuid>` on Mastodon) pass the inbox's foreign-id
check, and some are guessable. Before, dedupe, tombstones and the ballot log's activity ids
were keyed by id alone: Mallory, on Alice's server, could send a Create with Alice's next id
(Alice's vote: 409 id_reused, or logged as a replay of Mallory's), or a Delete of it (409
tombstoned), or a Delete of Bob's note (Bob's Update: 409). The inbox's own signed endpoint and
worker are attacked here; the state checked is the ballot log, the tally and the tombstones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from coopfed.inbound.worker import process_inbox_batch
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.services.proposals import ProposalDraft
from coopfed.store import inbox as inbox_store
from coopfed.store.proposals import ProposalRecord
from coopfed.store.tables import ballots, tombstones
from tests.federation.inbox_support import COOP, SHARED_INBOX, send_and_process
from tests.support.fediverse import FediverseServer, TestActor


def _vote(sender: TestActor, note_id: str, question: str, option: str) -> dict[str, Any]:
    """Mastodon's vote shape, with an id under no actor (as Misskey-like servers mint them)."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": sender.uri,
        "to": COOP,
        "object": {
            "id": note_id,
            "type": "Note",
            "name": option,
            "attributedTo": sender.uri,
            "inReplyTo": question,
            "to": COOP,
        },
    }


def _delete(sender: TestActor, target: str, n: int) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{sender.uri}#deletes/{n}",
        "type": "Delete",
        "actor": sender.uri,
        "object": target,
    }


async def _open(node: Node) -> ProposalRecord:
    draft = ProposalDraft(
        title="Move the assembly", method="proposal", body="To Tuesday.", duration=timedelta(days=1)
    )
    return await proposals.create_proposal(node, draft, open_now=True)


async def _ballots(node: Node) -> list[tuple[str, str, str | None]]:
    async with node.engine.connect() as conn:
        query = select(ballots.c.source_actor_uri, ballots.c.choice, ballots.c.activity_id)
        return [tuple(row) for row in (await conn.execute(query.order_by(ballots.c.id))).all()]


async def _tombstones(node: Node) -> list[tuple[str, str]]:
    async with node.engine.connect() as conn:
        query = select(tombstones.c.actor_uri, tombstones.c.object_uri)
        return [tuple(row) for row in (await conn.execute(query)).all()]


async def test_a_neighbour_using_alices_next_id_first_does_not_block_her_vote(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    for actor in (alice, mallory):
        await members.add_member(node, actor.uri)
    record = await _open(node)
    note = f"{remote_fresh.origin}/notes/9v7"  # Alice's next vote, guessed
    assert (
        await send_and_process(client, node, mallory, _vote(mallory, note, record.uri, "no"))
        == "done: vote counted: your ballot counts"
    )
    answer = await alice.apost(client, SHARED_INBOX, _vote(alice, note, record.uri, "yes"))
    assert answer.status_code == 202, answer.text  # was 409 id_reused
    await process_inbox_batch(node)
    assert await _ballots(node) == [
        (mallory.uri, '"no"', f"{note}/activity"),
        (alice.uri, '"yes"', f"{note}/activity"),  # was missing: taken for Mallory's replay
    ]
    tally = await proposals.tally_proposal(node, record.slug)
    assert (tally.counts["yes"], tally.counts["no"], tally.ballots_logged) == (1, 1, 2)
    # Alice's own retry is still one ballot.
    again = await alice.apost(client, SHARED_INBOX, _vote(alice, note, record.uri, "yes"))
    assert again.status_code == 202
    await process_inbox_batch(node)
    assert len(await _ballots(node)) == 2


async def test_a_neighbours_delete_of_alices_next_id_does_not_block_her_vote(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    note = f"{remote_fresh.origin}/notes/9v8"
    outcome = await send_and_process(client, node, mallory, _delete(mallory, note, 1))
    assert outcome == "ignored: Delete of an id this actor never sent"
    assert await _tombstones(node) == []
    answer = await alice.apost(client, SHARED_INBOX, _vote(alice, note, record.uri, "yes"))
    assert answer.status_code == 202, answer.text  # was 409 tombstoned
    await process_inbox_batch(node)
    assert await _ballots(node) == [(alice.uri, '"yes"', f"{note}/activity")]
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.counts["yes"] == 1


async def test_a_neighbours_delete_of_bobs_note_leaves_it_his_to_update_and_delete(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob, mallory = remote_fresh.actor("bob"), remote_fresh.actor("mallory")
    note = f"{remote_fresh.origin}/notes/9b1"

    def create(sender: TestActor, n: int) -> dict[str, Any]:
        obj = {"id": note, "type": "Note", "attributedTo": sender.uri, "content": "hi"}
        return {"id": f"{sender.uri}#creates/{n}", "type": "Create", "actor": sender.uri,
                "object": obj}  # fmt: skip

    await send_and_process(client, node, bob, create(bob, 1))
    outcome = await send_and_process(client, node, mallory, _delete(mallory, note, 2))
    assert outcome == "ignored: Delete of an id this actor never sent"
    update = {
        "id": f"{bob.uri}#updates/1",
        "type": "Update",
        "actor": bob.uri,
        "object": {"id": note, "type": "Note", "attributedTo": bob.uri, "content": "edited"},
    }
    answer = await bob.apost(client, SHARED_INBOX, update)
    assert answer.status_code == 202, answer.text  # was 409 tombstoned
    assert await _tombstones(node) == []
    # Bob sent the note before, so his own Delete tombstones it — for him only.
    assert await send_and_process(client, node, bob, _delete(bob, note, 3)) == (
        "done: object tombstoned"
    )
    assert await _tombstones(node) == [(bob.uri, note)]
    again = await bob.apost(client, SHARED_INBOX, create(bob, 4))
    assert (again.status_code, again.json()["reason"]) == (409, "tombstoned")
    # Mallory's Create of that id is hers: stored, and Bob's tombstone does not touch it.
    assert (await mallory.apost(client, SHARED_INBOX, create(mallory, 5))).status_code == 202
    assert not await inbox_store.is_tombstoned(node.engine, mallory.uri, note)
