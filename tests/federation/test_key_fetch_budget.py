"""Key fetches of unknown keys (issue 13, hole 5): one sender's made-up key ids must not lock a
host's genuine new users out. The budget is per (asking address, key host); misses are cached a
short while; concurrent requests for one unknown key share one fetch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from coopfed.app import create_app
from coopfed.federation.runtime import FETCH_BURST
from coopfed.node import Node
from tests.conftest import TEST_BASE_URL
from tests.federation.conftest import count_rows
from tests.federation.inbox_support import COOP_INBOX, crafted_headers, dumps, follow
from tests.support.fediverse import FediverseServer, TestActor


@pytest.fixture
async def other_client(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    """The same node, asked from another address (the genuine user's server)."""
    app = create_app(node.settings, run_worker=False, node=node)
    transport = httpx.ASGITransport(app=app, client=("10.20.30.40", 4567))
    async with httpx.AsyncClient(transport=transport, base_url=TEST_BASE_URL) as http:
        yield http


async def _ghost_post(client: httpx.AsyncClient, signer: TestActor, ghost: str) -> httpx.Response:
    """A Follow signed by `signer`'s key but naming a made-up key id `ghost#main-key`."""
    body = dumps({"id": f"{ghost}/a", "type": "Follow", "actor": ghost, "object": COOP_INBOX})
    headers = crafted_headers(signer.private_key, f"{ghost}#main-key", body)
    return await client.post(COOP_INBOX, content=body, headers=headers)


def _fetches(remote: FediverseServer, prefix: str) -> int:
    return len([f for f in remote.fetches if f.path.startswith(prefix)])


async def test_made_up_keys_from_one_address_do_not_lock_out_a_new_user_elsewhere(
    node: Node,
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
) -> None:
    # Regression: the budget was per key host, so this locked every sender out of the host.
    node.federation.fetch_limits.clock = lambda: 1000.0  # no refill during the test
    mallory, bob = remote_fresh.actor("mallory"), remote_fresh.actor("bob")
    answers = [
        await _ghost_post(client, mallory, f"{remote_fresh.origin}/users/ghost{index}")
        for index in range(int(FETCH_BURST) + 5)
    ]
    assert sum("rate_limited" in a.json()["detail"] for a in answers) == 5
    assert _fetches(remote_fresh, "/users/ghost") == FETCH_BURST
    answer = await bob.apost(other_client, COOP_INBOX, follow(bob))
    assert answer.status_code == 202, answer.text
    assert _fetches(remote_fresh, "/users/bob") == 1
    assert await count_rows(node, "remote_actors") == 1  # bob, and only bob


async def test_a_missing_key_is_fetched_once_then_refused_from_the_negative_cache(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    mallory = remote_fresh.actor("mallory")
    ghost = f"{remote_fresh.origin}/users/ghost"
    answers = [await _ghost_post(client, mallory, ghost) for _ in range(5)]
    assert [a.status_code for a in answers] == [401] * 5
    assert not any("rate_limited" in a.json()["detail"] for a in answers)
    assert _fetches(remote_fresh, "/users/ghost") == 1
    node.federation.key_misses.clock = lambda: 10**9  # past the TTL: asked again
    await _ghost_post(client, mallory, ghost)
    assert _fetches(remote_fresh, "/users/ghost") == 2


async def test_concurrent_requests_for_one_unknown_key_share_one_fetch(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    mallory = remote_fresh.actor("mallory")
    answers = await asyncio.gather(
        *(mallory.apost(client, COOP_INBOX, follow(mallory)) for _ in range(6))
    )
    assert [a.status_code for a in answers] == [202] * 6
    assert _fetches(remote_fresh, "/users/mallory") == 1
