"""NodeKeyResolver: cache, database, signed fetch, separate key documents, rotation."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from coopfed.federation.httpsig import KeyUnavailable
from coopfed.federation.httpsig.keys import generate_rsa_key, public_key_to_pem
from coopfed.federation.keyresolver import NodeKeyResolver
from coopfed.federation.runtime import FederationRuntime, runtime_of
from coopfed.node import Node
from coopfed.store import remote_actors as remote_store
from tests.federation.conftest import count_rows
from tests.federation.inbox_support import COOP_INBOX, follow
from tests.support.fediverse import FediverseServer


async def test_fetches_once_signed_then_serves_from_memory_and_database(
    node: Node, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    record = await NodeKeyResolver(runtime_of(node)).resolve(alice.key_id, refresh=False)
    assert record.owner == alice.uri
    assert remote_fresh.fetches[0].signed  # signed by the instance actor
    await NodeKeyResolver(runtime_of(node)).resolve(alice.key_id, refresh=False)
    # A fresh runtime (another process) finds it in the database.
    other = FederationRuntime(node)
    again = await NodeKeyResolver(other).resolve(alice.key_id, refresh=False)
    assert again.owner == alice.uri
    assert len(remote_fresh.fetches) == 1
    async with node.engine.connect() as conn:
        stored = await remote_store.get_by_key_id(conn, alice.key_id)
    assert stored is not None and stored.inbox == alice.inbox


async def test_refresh_picks_up_a_rotated_key(node: Node, remote_fresh: FediverseServer) -> None:
    bob = remote_fresh.actor("bob")
    resolver = NodeKeyResolver(runtime_of(node))
    old = await resolver.resolve(bob.key_id, refresh=False)
    original = bob.private_key
    try:
        bob.private_key = generate_rsa_key()
        cached = await resolver.resolve(bob.key_id, refresh=False)
        assert cached.public_key.public_numbers() == old.public_key.public_numbers()  # type: ignore[union-attr]
        fresh = await resolver.resolve(bob.key_id, refresh=True)
        assert fresh.public_key.public_numbers() == bob.private_key.public_key().public_numbers()  # type: ignore[union-attr]
    finally:
        bob.private_key = original


async def test_a_separate_key_document_listed_by_its_owner_is_accepted(
    node: Node, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    key_url = f"{remote_fresh.origin}/keys/alice"
    pem = public_key_to_pem(alice.private_key.public_key())
    remote_fresh.serve_json("/keys/alice", {"id": key_url, "owner": alice.uri, "publicKeyPem": pem})
    document = alice.document()
    document["publicKey"] = [
        document["publicKey"],
        {"id": key_url, "owner": alice.uri, "publicKeyPem": pem},
    ]
    remote_fresh.serve_json("/users/alice", document)
    record = await NodeKeyResolver(runtime_of(node)).resolve(key_url, refresh=False)
    assert record.owner == alice.uri
    assert [f.path for f in remote_fresh.fetches] == ["/keys/alice", "/users/alice"]


async def test_unreachable_keys_are_unavailable(node: Node, remote_fresh: FediverseServer) -> None:
    with pytest.raises(KeyUnavailable, match="fetch_failed"):
        await NodeKeyResolver(runtime_of(node)).resolve(
            f"{remote_fresh.origin}/users/nobody#main-key", refresh=False
        )
    with pytest.raises(KeyUnavailable, match="not an http"):
        await NodeKeyResolver(runtime_of(node)).resolve("urn:uuid:1", refresh=False)


async def test_concurrent_first_posts_of_an_unknown_actor_are_all_accepted(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    """Regression: each request fetched the key and inserted the actor; the losers got a 500."""
    mallory = remote_fresh.actor("mallory")
    activities = [follow(mallory) for _ in range(8)]
    answers = await asyncio.gather(
        *(mallory.apost(client, COOP_INBOX, activity) for activity in activities)
    )
    assert [answer.status_code for answer in answers] == [202] * 8
    assert await count_rows(node, "remote_actors") == 1
