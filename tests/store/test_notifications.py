"""Notification store (migration 0035): an event is claimed once, a preference replaced."""

from __future__ import annotations

from coopfed.node import Node
from coopfed.store import notifications as store
from tests.support.governance import add_locals


async def test_an_event_is_claimed_once(node: Node) -> None:
    async with node.engine.begin() as conn:
        first = await store.claim_event(conn, "opened", "https://coop.test/proposals/a", node.now())
        again = await store.claim_event(conn, "opened", "https://coop.test/proposals/a", node.now())
        other = await store.claim_event(conn, "result", "https://coop.test/proposals/a", node.now())
    assert first is not None and again is None and other not in (None, first)


async def test_a_preference_is_stored_then_replaced(node: Node) -> None:
    (alice,) = await add_locals(node, "alice")
    async with node.engine.begin() as conn:
        assert await store.get_preference(conn, alice.row_id) is None
        await store.set_preference(conn, alice.row_id, "email", "daily", node.now())
        await store.set_preference(conn, alice.row_id, "dm", "at_once", node.now())
    async with node.engine.connect() as conn:
        found = await store.get_preference(conn, alice.row_id)
    assert found is not None and (found.channel, found.frequency) == ("dm", "at_once")
