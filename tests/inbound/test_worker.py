"""The inbox worker: Follow → Accept queued, manual approval, Undo, actor Update/Delete,
unknown types ignored, a poison item quarantined after 5 attempts while the queue flows; its
per-item cost (no fsync per item on SQLite, the co-op read once per batch)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from coopfed.inbound import dispatch
from coopfed.inbound.context import done
from coopfed.inbound.dispatch import HandlerContext, Outcome
from coopfed.inbound.worker import MAX_ATTEMPTS, process_inbox_batch, retry_at
from coopfed.node import Node
from coopfed.services import follows
from coopfed.store import actors as actor_store
from coopfed.store import inbox as inbox_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.tables import deliveries, followers, inbox_items, outbox_activities
from tests.federation.conftest import count_rows
from tests.federation.inbox_support import (
    COOP,
    COOP_INBOX,
    SHARED_INBOX,
    follow,
    new_id,
    note_create,
)
from tests.support.fediverse import FediverseServer


async def _items(node: Node) -> list[dict[str, Any]]:
    async with node.engine.connect() as conn:
        rows = await conn.execute(select(inbox_items).order_by(inbox_items.c.id))
        return [dict(row) for row in rows.mappings()]


async def _queued(node: Node) -> list[tuple[dict[str, Any], str]]:
    query = select(outbox_activities.c.body, deliveries.c.inbox).join(
        deliveries, deliveries.c.activity_id == outbox_activities.c.id
    )
    async with node.engine.connect() as conn:
        return [(json.loads(body), inbox) for body, inbox in (await conn.execute(query)).all()]


async def test_follow_is_accepted_and_the_accept_queued_to_the_shared_inbox(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    activity = follow(alice)
    assert (await alice.apost(client, COOP_INBOX, activity)).status_code == 202
    assert await process_inbox_batch(node) == 1
    assert (await _items(node))[0]["state"] == "done"
    async with node.engine.connect() as conn:
        state = (await conn.execute(select(followers.c.state))).scalar_one()
    assert state == "accepted"
    ((accept, inbox),) = await _queued(node)
    assert inbox == f"{remote_fresh.origin}/inbox"
    assert accept["type"] == "Accept"
    assert accept["actor"] == COOP
    assert accept["object"] == {
        "id": activity["id"],
        "type": "Follow",
        "actor": alice.uri,
        "object": COOP,
    }
    followers_page = (await client.get(f"{COOP}/followers?page=1")).json()
    assert followers_page["orderedItems"] == [alice.uri]


async def test_undo_follow_by_the_follower_removes_it(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    activity = follow(bob)
    await bob.apost(client, SHARED_INBOX, activity)
    await process_inbox_batch(node)
    undo = {"id": new_id(bob), "type": "Undo", "actor": bob.uri, "object": activity}
    assert (await bob.apost(client, SHARED_INBOX, undo)).status_code == 202
    await process_inbox_batch(node)
    assert await count_rows(node, "followers") == 0
    assert [item["state"] for item in await _items(node)] == ["done", "done"]


async def test_manual_approval_holds_then_accepts(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    federation = replace(node.settings.federation, manually_approves_followers=True)
    node.settings = replace(node.settings, federation=federation)
    alice = remote_fresh.actor("alice")
    await alice.apost(client, COOP_INBOX, follow(alice))
    await process_inbox_batch(node)
    assert await _queued(node) == []
    async with node.engine.begin() as conn:
        state = (await conn.execute(select(followers.c.state))).scalar_one()
        assert state == "pending"
        local = await actor_store.get_local_actor(conn, "testcoop")
        remote = await remote_store.get_by_uri(conn, alice.uri)
        assert local is not None and remote is not None
        decided = await follows.decide_pending_follow(
            conn, uris=node.uris, local=local, follower=remote, approve=True, now=node.now()
        )
    assert decided
    ((accept, _),) = await _queued(node)
    assert accept["type"] == "Accept"
    assert (await client.get(f"{COOP}/followers")).json()["totalItems"] == 1


async def test_following_the_instance_actor_is_rejected(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    target = "http://coop.test/actors/instance.actor"
    await alice.apost(client, SHARED_INBOX, follow(alice, target))
    await process_inbox_batch(node)
    ((reject, _),) = await _queued(node)
    assert reject["type"] == "Reject"
    assert await count_rows(node, "followers") == 0


async def test_actor_update_and_delete_by_the_actor_itself(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    mallory = remote_fresh.actor("mallory")
    await mallory.apost(client, COOP_INBOX, follow(mallory))
    await process_inbox_batch(node)
    document = mallory.document()
    document["name"] = "Mallory Renamed"
    update = {"id": new_id(mallory), "type": "Update", "actor": mallory.uri, "object": document}
    assert (await mallory.apost(client, SHARED_INBOX, update)).status_code == 202
    await process_inbox_batch(node)
    async with node.engine.connect() as conn:
        stored = await remote_store.get_by_uri(conn, mallory.uri)
    assert stored is not None and stored.display_name == "Mallory Renamed"
    delete = {"id": new_id(mallory), "type": "Delete", "actor": mallory.uri, "object": mallory.uri}
    assert (await mallory.apost(client, SHARED_INBOX, delete)).status_code == 202
    await process_inbox_batch(node)
    async with node.engine.connect() as conn:
        gone = await remote_store.get_by_uri(conn, mallory.uri)
    assert gone is not None and gone.deleted_at is not None
    assert await count_rows(node, "followers") == 0
    assert [item["state"] for item in await _items(node)] == ["done"] * 3


async def test_unknown_types_are_ignored_with_a_reason(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    like = {"id": new_id(alice), "type": "Like", "actor": alice.uri, "object": COOP}
    await alice.apost(client, COOP_INBOX, like)
    await process_inbox_batch(node)
    (item,) = await _items(node)
    assert item["state"] == "ignored"
    assert item["outcome"] == "no handler for Like/-"


async def test_a_poison_item_is_quarantined_after_five_attempts_and_the_queue_flows(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = remote_fresh.actor("alice")

    async def explode(ctx: HandlerContext) -> Outcome:
        raise RuntimeError("handler bug")

    monkeypatch.setitem(dispatch.ROUTES, ("Poison", dispatch.ANY), explode)
    poison = {"id": new_id(alice), "type": "Poison", "actor": alice.uri, "object": COOP}
    await alice.apost(client, COOP_INBOX, poison)
    await alice.apost(client, COOP_INBOX, follow(alice))
    start = node.now()
    clock = [start]
    node.clock = lambda: clock[0]
    for _ in range(MAX_ATTEMPTS):
        await process_inbox_batch(node)
        clock[0] += timedelta(hours=1)
    poisoned, followed = await _items(node)
    assert poisoned["state"] == "quarantined"
    assert poisoned["attempts"] == MAX_ATTEMPTS
    assert poisoned["last_error"] == "RuntimeError: handler bug"
    assert followed["state"] == "done"
    assert await process_inbox_batch(node) == 0


def test_retry_delays_grow_then_stop() -> None:
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    delays = [retry_at(n, moment) for n in range(1, MAX_ATTEMPTS + 1)]
    assert [d - moment for d in delays[:-1] if d] == [
        timedelta(seconds=10),
        timedelta(seconds=40),
        timedelta(seconds=160),
        timedelta(seconds=640),
    ]
    assert delays[-1] is None


async def test_a_crashed_workers_items_are_taken_again_after_inbox_lease_seconds(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """worker.inbox_lease_seconds: a killed worker's leased items wait that long, not 2 min."""
    worker = replace(node.settings.worker, inbox_lease_seconds=3)
    node.settings = replace(node.settings, worker=worker)
    alice = remote_fresh.actor("alice")
    assert (await alice.apost(client, SHARED_INBOX, follow(alice))).status_code == 202
    start = datetime.now(UTC)
    node.clock = lambda: start

    async def killed(*_: object) -> Outcome:
        raise asyncio.CancelledError  # the process dies mid-item: no outcome, no failure noted

    with monkeypatch.context() as patch:
        patch.setattr("coopfed.inbound.worker.dispatch", killed)
        with pytest.raises(asyncio.CancelledError):
            await process_inbox_batch(node)
    node.clock = lambda: start + timedelta(seconds=2)
    assert await process_inbox_batch(node) == 0  # still leased
    node.clock = lambda: start + timedelta(seconds=4)
    assert await process_inbox_batch(node) == 1
    assert (await _items(node))[0]["state"] == "done"


async def test_only_the_inbox_workers_commits_skip_the_fsync_on_sqlite(node: Node) -> None:
    # A 202, a delivery or mail lease and every web write stay durable commits (FULL = 2);
    # their fsync covers the worker's earlier commits too (docs/architecture.md).
    if node.engine.dialect.name != "sqlite":
        assert node.inbox_engine() is node.engine
        return
    async with node.engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar_one() == 2
    async with node.inbox_engine().connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar_one() == 1


async def test_a_batch_of_public_notes_reads_the_coop_actor_once(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    # Each Create{Note} that is no vote asks whether it is a direct message to the co-op.
    alice = remote_fresh.actor("alice")
    public = ["https://www.w3.org/ns/activitystreams#Public"]
    for _ in range(3):
        assert (
            await alice.apost(client, SHARED_INBOX, note_create(alice, to=public))
        ).status_code == 202
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(node.inbox_engine().sync_engine, "before_cursor_execute", seen)
    try:
        assert await process_inbox_batch(node) == 3
    finally:
        event.remove(node.inbox_engine().sync_engine, "before_cursor_execute", seen)
    assert [item["state"] for item in await _items(node)] == ["ignored"] * 3
    assert sum("FROM local_actors" in statement for statement in statements) == 1


async def test_items_left_at_half_the_lease_are_handed_back_unprocessed(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A batch of 200 behind slow peers must not run past its lease: another worker (PostgreSQL)
    # could lease the rest meanwhile and apply them a second time.
    worker = replace(node.settings.worker, inbox_lease_seconds=10)
    node.settings = replace(node.settings, worker=worker)
    alice = remote_fresh.actor("alice")
    for _ in range(3):
        like = {"id": new_id(alice), "type": "Like", "actor": alice.uri, "object": COOP}
        assert (await alice.apost(client, SHARED_INBOX, like)).status_code == 202
    start = datetime.now(UTC)
    clock = [start]
    node.clock = lambda: clock[0]
    real_dispatch = dispatch.dispatch

    async def slow(*args: Any) -> Outcome:
        clock[0] += timedelta(seconds=6)  # this item took more than half the lease
        return await real_dispatch(*args)

    with monkeypatch.context() as patch:
        patch.setattr("coopfed.inbound.worker.dispatch", slow)
        assert await process_inbox_batch(node) == 3
    first, *rest = await _items(node)
    assert first["state"] == "ignored"
    handed_back = [(item["state"], item["attempts"], item["lease_until"]) for item in rest]
    assert handed_back == [("pending", 0, None)] * 2
    assert await process_inbox_batch(node) == 2  # due again at once, not after the lease
    assert [item["state"] for item in await _items(node)] == ["ignored"] * 3


async def test_a_worker_whose_lease_expired_mid_item_applies_nothing(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Worker A stalls past its lease on an item; worker B leases it again meanwhile. A's done
    # mark must not count, and A's effects roll back with it: the item is B's to apply, once.
    worker = replace(node.settings.worker, inbox_lease_seconds=10)
    node.settings = replace(node.settings, worker=worker)
    alice = remote_fresh.actor("alice")
    for _ in range(2):
        like = {"id": new_id(alice), "type": "Stall", "actor": alice.uri, "object": COOP}
        assert (await alice.apost(client, SHARED_INBOX, like)).status_code == 202
    start = datetime.now(UTC)
    clock = [start]
    node.clock = lambda: clock[0]
    leased_by_b: list[int] = []

    async def stall_then_apply(ctx: HandlerContext) -> Outcome:
        if not leased_by_b:
            clock[0] += timedelta(seconds=11)  # A's lease is over
            async with node.engine.begin() as conn:
                items = await inbox_store.lease_due(
                    conn, now=clock[0], limit=10, lease=timedelta(seconds=10)
                )
            leased_by_b.extend(item.id for item in items)
        await inbox_store.add_tombstone(ctx.conn, ctx.actor, str(ctx.item.id), now=clock[0])
        return done("applied")

    monkeypatch.setitem(dispatch.ROUTES, ("Stall", dispatch.ANY), stall_then_apply)
    assert await process_inbox_batch(node) == 2
    assert len(leased_by_b) == 2
    items = await _items(node)
    assert [(item["state"], item["attempts"]) for item in items] == [("pending", 2)] * 2
    assert await count_rows(node, "tombstones") == 0  # A's effects did not count
    clock[0] += timedelta(seconds=11)  # B's lease is over too: the items are due again
    assert await process_inbox_batch(node) == 2
    assert [item["state"] for item in await _items(node)] == ["done"] * 2
    assert await count_rows(node, "tombstones") == 2
