"""Issue 13, hole 2: an account may not use ids under a neighbour's IRI on its own server.

Mastodon vote ids are predictable (`{actor}#votes/N/activity`): Mallory, on Alice's server,
could send a Create with Alice's next vote id (Alice's real vote then got 409 id_reused) or a
Delete of it (409 tombstoned), or a Delete of Bob's actor id (Bob's own Update got 409)."""

from __future__ import annotations

import httpx
import pytest

from coopfed.federation.authority import under_another_actor
from coopfed.node import Node
from tests.federation.inbox_support import COOP_INBOX, stored
from tests.support.fediverse import FediverseServer, TestActor


def _vote(actor: TestActor, number: int, *, by: TestActor | None = None) -> dict[str, object]:
    sender = by or actor
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.uri}#votes/{number}/activity",
        "type": "Create",
        "actor": sender.uri,
        "object": {
            "id": f"{actor.uri}#votes/{number}",
            "type": "Note",
            "name": "yes",
            "attributedTo": sender.uri,
            "inReplyTo": "http://coop.test/proposals/1",
        },
    }


def _delete(sender: TestActor, target: str) -> dict[str, object]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{sender.uri}#delete/{target[-12:]}",
        "type": "Delete",
        "actor": sender.uri,
        "object": target,
    }


async def _refused(answer: httpx.Response) -> None:
    assert answer.status_code == 403, answer.text
    assert answer.json()["reason"] == "foreign_id"


async def test_a_neighbours_vote_id_is_refused_and_the_real_vote_then_accepted(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    await _refused(await mallory.apost(client, COOP_INBOX, _vote(alice, 7, by=mallory)))
    await _refused(
        await mallory.apost(client, COOP_INBOX, _delete(mallory, f"{alice.uri}#votes/7"))
    )
    assert await stored(node) == 0
    answer = await alice.apost(client, COOP_INBOX, _vote(alice, 7))
    assert answer.status_code == 202, answer.text
    assert await stored(node) == 1


async def test_a_neighbours_actor_cannot_be_deleted_and_its_update_still_lands(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob, mallory = remote_fresh.actor("bob"), remote_fresh.actor("mallory")
    await _refused(await mallory.apost(client, COOP_INBOX, _delete(mallory, bob.uri)))
    update = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{bob.uri}#updates/1",
        "type": "Update",
        "actor": bob.uri,
        "object": bob.document(),
    }
    answer = await bob.apost(client, COOP_INBOX, update)
    assert answer.status_code == 202, answer.text
    assert await stored(node) == 1


@pytest.mark.parametrize(
    ("iri", "actor", "foreign"),
    [
        ("https://m.example/users/alice#votes/1/activity", "https://m.example/users/mallory", True),
        ("https://m.example/users/alice", "https://m.example/users/mallory", True),
        ("https://m.example/users/alice/statuses/1", "https://m.example/users/alice", False),
        ("https://m.example/users/alicex/statuses/1", "https://m.example/users/alice", True),
        ("https://m.example/notes/abc", "https://m.example/users/9abc", False),  # Misskey
        ("https://m.example/0b7c-uuid", "https://m.example/users/alice", False),  # Follow ids
        ("https://m.example/users/x", "https://m.example/actor", False),  # instance actor
        ("https://other.example/users/alice", "https://m.example/users/mallory", False),
    ],
)
def test_what_counts_as_under_another_actor(iri: str, actor: str, foreign: bool) -> None:
    assert under_another_actor(iri, actor) is foreign
