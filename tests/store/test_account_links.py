"""store/account_links: one member per linked actor, single-use codes, wrong-code windows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from coopfed.node import Node
from coopfed.store import account_links as link_store
from tests.support.governance import T0, add_locals, use_clock

PHONE = "https://social.example/users/alice"


async def test_an_actor_links_to_one_member_only(node: Node) -> None:
    use_clock(node)
    alice, bob = await add_locals(node, "alice", "bob")
    async with node.engine.begin() as conn:
        await link_store.insert_link(conn, alice.row_id, PHONE, T0)
    with pytest.raises(IntegrityError):
        async with node.engine.begin() as conn:
            await link_store.insert_link(conn, bob.row_id, PHONE, T0)
    async with node.engine.connect() as conn:
        assert await link_store.member_row_of(conn, PHONE) == alice.row_id
        (link,) = await link_store.links_of(conn, alice.row_id)
        # Never fetched: no host or name known; the web derives the host from the IRI.
        assert (link.actor_uri, link.host, link.username, link.name) == (PHONE, None, "", "")
        assert await link_store.links_of(conn, bob.row_id) == []


async def test_a_code_is_used_once(node: Node) -> None:
    use_clock(node)
    (alice,) = await add_locals(node, "alice")
    async with node.engine.begin() as conn:
        await link_store.insert_code(conn, alice.row_id, "a" * 64, T0, T0 + timedelta(minutes=30))
        found = await link_store.find_code(conn, "a" * 64)
        assert found is not None and found.member_row_id == alice.row_id and found.used_at is None
        assert await link_store.pending_code_expiry(conn, alice.row_id, T0) == found.expires_at
        assert await link_store.use_code(conn, found.row_id, T0)
        assert not await link_store.use_code(conn, found.row_id, T0)
        assert await link_store.pending_code_expiry(conn, alice.row_id, T0) is None
        assert await link_store.find_code(conn, "b" * 64) is None


async def test_wrong_codes_count_within_their_window(node: Node) -> None:
    async with node.engine.begin() as conn:
        await link_store.record_failure(conn, ["actor:x", "host:h"], T0, T0 - timedelta(hours=1))
        await link_store.record_failure(conn, ["actor:y", "host:h"], T0 + timedelta(minutes=5), T0)
        assert await link_store.failures_since(conn, "host:h", T0 - timedelta(hours=1)) == 1
        assert await link_store.failures_since(conn, "actor:y", T0) == 1
        assert await link_store.failures_since(conn, "actor:x", T0 - timedelta(hours=1)) == 0
