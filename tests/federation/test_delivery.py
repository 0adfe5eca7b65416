"""The delivery job in-process: real HTTP to recorders on 127.0.0.x, a movable clock."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from coopfed.activitypub.backoff import HostHealth
from coopfed.federation.delivery import DeliveryRun, HostScheduler, _Chain
from coopfed.federation.delivery_http import DeliveryClients
from coopfed.node import Node
from coopfed.store import deliveries as store
from coopfed.store.tables import deliveries
from tests.support.inbox_recorder import InboxRecorder, Received, Reply

from .delivery_support import DeliveryNode, delivery_node

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Script:
    """Answers from a list of statuses (then 202), with optional extra headers."""

    def __init__(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        self.statuses = list(statuses)
        self.headers = headers or {}

    def __call__(self, _post: Received) -> Reply:
        if self.statuses:
            return self.statuses.pop(0), self.headers
        return 202, {}


@pytest.fixture
async def recorder() -> AsyncIterator[InboxRecorder]:
    server = InboxRecorder([("127.0.0.2", 0)])
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def sender(
    database_url: str, tmp_path: Path, recorder: InboxRecorder
) -> AsyncIterator[DeliveryNode]:
    async for value in delivery_node(database_url, tmp_path, ["127.0.0.2"]):
        yield value


def inbox(recorder: InboxRecorder, name: str = "alice") -> str:
    return f"http://{recorder.origins[0]}/users/{name}/inbox"


async def test_one_cycle_delivers_a_signed_post_and_marks_it_done(
    sender: DeliveryNode, recorder: InboxRecorder
) -> None:
    activity = await sender.publish([inbox(recorder)])
    assert await sender.run() == 1
    assert len(recorder.received) == 1
    post = recorder.received[0]
    assert post.path == "/users/alice/inbox"
    assert post.json["id"] == activity["id"]
    assert post.headers["content-type"] == "application/activity+json"
    assert post.headers["digest"].startswith("SHA-256=")
    verified = await sender.verify(post)
    assert verified.key_id == sender.node.uris.actor_key("testcoop")
    assert verified.scheme == "cavage"
    [row] = await sender.rows()
    assert (row["state"], row["attempts"], row["last_status"]) == ("done", 1, 202)
    assert row["delivered_at"] == sender.clock()
    assert await sender.run() == 0 and len(recorder.received) == 1


async def test_server_error_is_retried_later_with_backoff(
    sender: DeliveryNode, recorder: InboxRecorder
) -> None:
    recorder.respond = Script(500)
    await sender.publish([inbox(recorder)])
    await sender.run()
    [row] = await sender.rows()
    assert (row["state"], row["attempts"], row["last_status"]) == ("pending", 1, 500)
    delay = row["next_attempt_at"] - sender.clock()
    assert timedelta(seconds=16) <= delay <= timedelta(seconds=16 * 1.2)  # 1⁴ + 15, jitter
    sender.clock.advance(10)
    assert await sender.run() == 0 and len(recorder.received) == 1
    sender.clock.advance(10)
    assert await sender.run() == 1
    [row] = await sender.rows()
    assert (row["state"], row["attempts"], row["last_status"]) == ("done", 2, 202)
    assert len(recorder.received) == 2


async def test_gone_is_parked_and_never_retried(
    sender: DeliveryNode, recorder: InboxRecorder
) -> None:
    recorder.respond = Script(410)
    await sender.publish([inbox(recorder)])
    await sender.run()
    [row] = await sender.rows()
    assert (row["state"], row["attempts"], row["last_status"]) == ("parked", 1, 410)
    sender.clock.advance(3 * 86400)
    assert await sender.run() == 0 and len(recorder.received) == 1


async def test_too_many_requests_honours_retry_after(
    sender: DeliveryNode, recorder: InboxRecorder
) -> None:
    recorder.respond = Script(429, headers={"Retry-After": "120"})
    await sender.publish([inbox(recorder)])
    await sender.run()
    [row] = await sender.rows()
    assert (row["state"], row["attempts"], row["last_status"]) == ("pending", 1, 429)
    assert row["next_attempt_at"] == sender.clock() + timedelta(seconds=120)


async def test_circuit_breaker_stops_attempts_after_ten_failures(
    database_url: str, tmp_path: Path, recorder: InboxRecorder
) -> None:
    async for sender in delivery_node(
        database_url, tmp_path, ["127.0.0.2"], per_host_concurrency=1
    ):
        recorder.respond = lambda _post: (500, {})
        await sender.publish([inbox(recorder, f"user{n}") for n in range(12)])
        await sender.run()
        assert len(recorder.received) == 10
        rows = await sender.rows()
        assert [row["attempts"] for row in rows] == [1] * 10 + [0, 0]
        opened = sender.clock() + timedelta(seconds=60)
        assert [row["next_attempt_at"] for row in rows[10:]] == [opened, opened]
        async with sender.node.engine.connect() as conn:
            health = (await store.load_hosts(conn, [recorder.origins[0]]))[recorder.origins[0]]
        assert health.consecutive_failures == 10 and health.circuit_open_until == opened


async def test_unavailable_host_is_parked_then_resent_on_contact(
    sender: DeliveryNode, recorder: InboxRecorder
) -> None:
    host = recorder.origins[0]
    async with sender.node.engine.begin() as conn:
        await store.save_hosts(conn, [HostHealth(host=host, unavailable=True)])
    await sender.publish([inbox(recorder)])
    await sender.run()
    [row] = await sender.rows()
    assert row["state"] == "parked" and row["attempts"] == 0
    assert row["last_error"].startswith(store.UNAVAILABLE_PREFIX)
    assert recorder.received == [] and recorder.connections == 0
    async with sender.node.engine.begin() as conn:
        assert await store.host_contact(conn, host, sender.clock()) == 1
    await sender.run()
    [row] = await sender.rows()
    assert row["state"] == "done" and len(recorder.received) == 1


async def test_restart_during_backoff_resumes_the_remaining_delay(
    sender: DeliveryNode, recorder: InboxRecorder
) -> None:
    recorder.respond = Script(503, headers={"Retry-After": "100"})
    await sender.publish([inbox(recorder)])
    await sender.run()
    await sender.node.close()
    restarted = Node.from_settings(sender.node.settings)  # a new process, same database
    restarted.clock = sender.clock
    sender.node = restarted
    sender.clock.advance(60)
    assert await sender.run() == 0 and len(recorder.received) == 1
    sender.clock.advance(41)
    assert await sender.run() == 1
    [row] = await sender.rows()
    assert (row["state"], row["attempts"]) == ("done", 2)


async def test_private_address_not_allowed_is_refused_without_connecting(
    sender: DeliveryNode,
) -> None:
    forbidden = InboxRecorder([("127.0.0.3", 0)])  # the node allows 127.0.0.2 only
    await forbidden.start()
    try:
        await sender.publish([f"http://{forbidden.origins[0]}/inbox", "ftp://example.org/inbox"])
        await sender.run()
        assert forbidden.connections == 0
    finally:
        await forbidden.stop()
    rows = await sender.rows()
    assert [row["state"] for row in rows] == ["parked", "parked"]
    assert "non-public address" in rows[0]["last_error"]
    assert "scheme" in rows[1]["last_error"]


async def test_recovering_receiver_gets_everything_in_order(
    sender: DeliveryNode, recorder: InboxRecorder
) -> None:
    recorder.respond = Script(500, 500, 500)
    sent = [await sender.publish([inbox(recorder)]) for _ in range(5)]
    for _ in range(12):
        await sender.run()
        sender.clock.advance(200)
    accepted = [post.json["id"] for post in recorder.received[3:]]
    assert accepted == [activity["id"] for activity in sent]
    assert all(post.json["id"] == sent[0]["id"] for post in recorder.received[:3])
    assert {row["state"] for row in await sender.rows()} == {"done"}


async def test_ordinary_delivery_gives_up_after_the_horizon_governance_never(
    sender: DeliveryNode, recorder: InboxRecorder
) -> None:
    recorder.respond = lambda _post: (500, {})
    await sender.publish([inbox(recorder, "ordinary")])
    await sender.publish([inbox(recorder, "allied")], governance=True)
    async with sender.node.engine.begin() as conn:
        await conn.execute(update(deliveries).values(attempts=15))
    sender.clock.advance(49 * 3600)
    await sender.run()
    ordinary, allied = await sender.rows()
    assert (ordinary["state"], ordinary["attempts"]) == ("parked", 16)
    assert ordinary["last_error"].startswith("gave up after 16 attempts")
    assert (allied["state"], allied["attempts"]) == ("pending", 16)
    assert allied["next_attempt_at"] == sender.clock() + timedelta(hours=12)  # the cap


def _chain(host: str, row_id: int) -> _Chain:
    row = store.LeasedDelivery(row_id, 1, f"http://{host}/u{row_id}/inbox", host, 0, NOW)
    return _Chain(row.inbox, host, NOW + timedelta(seconds=60), deque([row]))


async def test_scheduler_spreads_over_idle_hosts_and_keeps_the_per_host_cap() -> None:
    scheduler = HostScheduler(per_host=2)
    await scheduler.put([_chain("a", 1), _chain("a", 2), _chain("a", 3), _chain("b", 4)])
    first, second = await scheduler.next(), await scheduler.next()
    assert first is not None and second is not None
    assert [first.host, second.host] == ["a", "b"]  # b is idle: it goes before a's second
    third = await scheduler.next()
    assert third is not None and third.rows[0].id == 2  # a again, in order, up to its cap
    assert scheduler._pick() is None  # a is at its cap of 2 and b has nothing queued
    await scheduler.finished(first)
    fourth = await scheduler.next()
    assert fourth is not None and fourth.rows[0].id == 3
    for chain in (second, third, fourth):
        await scheduler.finished(chain)
    assert scheduler.idle


async def test_rows_queued_past_their_safe_send_time_are_left_to_their_lease(
    sender: DeliveryNode, recorder: InboxRecorder
) -> None:
    # A row that waited in the local queue for most of its lease is not sent: its lease could
    # run out mid-POST and another worker lease and send it at the same time.
    await sender.publish([inbox(recorder)])
    async with DeliveryClients(sender.node.settings) as clients:
        run = DeliveryRun(sender.node, clients, run_seconds=5.0)
        now = sender.clock()
        async with sender.node.engine.begin() as conn:
            rows = await store.lease_due(conn, now=now, lease_until=now + run.lease_for, limit=9)
            await run._load_context(conn, rows)
        [chain] = run._chains(rows, now - run.lease_for)  # as if leased a whole lease ago
        await run._send_chain(clients.for_host(chain.host), chain)
    assert recorder.received == [] and not run.outcomes
    sender.clock.advance(run.lease_for.total_seconds() + 1)  # the lease expires: due again
    assert await sender.run() == 1
    assert len(recorder.received) == 1


async def test_the_feeder_leases_again_while_a_whole_batch_is_still_queued(
    sender: DeliveryNode,
) -> None:
    # Regression (fan-out bench, 2026-12-04): leasing only below half a batch let the slots run
    # dry whenever a feeder transaction took longer than sending that half (80-350 ms cycles
    # at ~1,000 POSTs/s), and slots waited on an empty queue for 2-4 % of a fan-out.
    async with DeliveryClients(sender.node.settings) as clients:
        run = DeliveryRun(sender.node, clients, run_seconds=5.0)
    assert run.low_water >= run.lease_batch >= run.slots
