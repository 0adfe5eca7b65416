"""Notification store (migration 0035): an event is claimed once, a preference replaced, old
events pruned when they can never be told again."""

from __future__ import annotations

from datetime import timedelta

from coopfed.node import Node
from coopfed.services import proposals
from coopfed.store import notifications as store
from tests.support.governance import add_locals, open_yes_no, use_clock


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


async def test_prune_forgets_only_old_events_that_cannot_be_listed_again(node: Node) -> None:
    """Migration 0035 kept every event for good. Pruned: what no `*_to_tell` query can list any
    more (else it would be told twice). Kept: a subject that may still be listed, an event a
    digest still waits on, a kind the pruning does not know, anything recent."""
    use_clock(node)
    (alice,) = await add_locals(node, "alice")
    still_open = await open_yes_no(node, title="Open")
    decided = await open_yes_no(node, title="Decided")
    await proposals.close_proposal(node, decided.slug, closed_by="test")
    told = node.now()
    events = {
        "open_proposal": ("opened", still_open.uri),
        "decided_proposal": ("opened", decided.uri),
        "old_result": ("result", decided.uri),
        "past_digest": ("digest", store.digest_subject(alice.row_id, "2030-01-01")),
        "settled_application": ("application", store.application_subject(999)),
        "replaced_offer": ("alliance_offer", "https://other.example/activities/offer"),
        "unknown_kind": ("future_kind", "anything"),
        "digest_waits": ("joint_proposal", "https://other.example/joint/gone"),
    }
    async with node.engine.begin() as conn:
        ids = {name: await store.claim_event(conn, *key, told) for name, key in events.items()}
        waiting = ids["digest_waits"]
        assert waiting is not None
        await store.insert_notification(
            conn, event_id=waiting, member_row_id=alice.row_id, title="t", text="t", reason="r",
            url="https://coop.test/", digest=True, now=told,
        )  # fmt: skip
    later = told + timedelta(days=1)
    async with node.engine.begin() as conn:
        # Too recent: nothing goes, and a result still in its window is kept.
        assert await store.prune_events(conn, before=told, results_since=told) == 0
        assert await store.prune_events(conn, before=later, results_since=told) == 4
    async with node.engine.connect() as conn:
        left = {name for name, key in events.items() if await store.event_claimed(conn, *key)}
    assert left == {"open_proposal", "old_result", "unknown_kind", "digest_waits"}
    async with node.engine.begin() as conn:
        assert await store.prune_events(conn, before=later, results_since=later) == 1
        assert not await store.event_claimed(conn, *events["old_result"])
