"""Member addresses (migration 0030): set, found again, forgotten, one member per address."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from coopfed.node import Node
from coopfed.services.members import coop_actor
from coopfed.store import members as member_store
from tests.support.governance import add_locals


async def test_an_address_is_kept_found_and_forgotten(node: Node) -> None:
    alice, bob = await add_locals(node, "alice", "bob")
    async with node.engine.begin() as conn:
        record = await member_store.get_by_actor(conn, alice.actor_uri)
        assert record is not None and record.email is None
        await member_store.set_email(conn, record.row_id, "alice@example.org")
    async with node.engine.begin() as conn:
        found = await member_store.get_by_email(conn, "alice@example.org")
        assert found is not None and found.actor_uri == alice.actor_uri
        assert found.email == "alice@example.org"
        assert await member_store.get_by_email(conn, "bob@example.org") is None
        await member_store.set_email(conn, found.row_id, None)
    async with node.engine.connect() as conn:
        assert await member_store.get_by_email(conn, "alice@example.org") is None
        coop = await coop_actor(conn)
        listed = {m.actor_uri: m.email for m in await member_store.list_members(conn, coop.id)}
    assert listed == {alice.actor_uri: None, bob.actor_uri: None}


async def test_two_members_cannot_share_an_address(node: Node) -> None:
    alice, bob = await add_locals(node, "alice", "bob")
    async with node.engine.begin() as conn:
        first = await member_store.get_by_actor(conn, alice.actor_uri)
        assert first is not None
        await member_store.set_email(conn, first.row_id, "same@example.org")
    with pytest.raises(IntegrityError):
        async with node.engine.begin() as conn:
            second = await member_store.get_by_actor(conn, bob.actor_uri)
            assert second is not None
            await member_store.set_email(conn, second.row_id, "same@example.org")
