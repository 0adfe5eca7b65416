"""Recipients waiting for their actor (`store.pending_recipients`): leasing, resolving into
delivery rows (an inbox already queued is skipped), failures and parking, listings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from coopfed.services.outbox import Audience, publish
from coopfed.services.setup import create_node_actors
from coopfed.store import pending_recipients as store
from coopfed.store.actors import get_actor_of_kind
from coopfed.store.db import create_engine
from coopfed.store.tables import deliveries, pending_recipients

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
GHOST = "https://social.example/users/ghost"
SHARED = "https://social.example/inbox"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await create_node_actors(conn, handle="coop", name="Coop", summary="", now=NOW)
    yield engine
    await engine.dispose()


async def publish_to(
    engine: AsyncEngine, actors: tuple[str, ...], number: int, inboxes: tuple[str, ...] = ()
) -> None:
    async with engine.begin() as conn:
        coop = await get_actor_of_kind(conn, "coop")
        assert coop is not None
        activity = {"id": f"https://coop.test/activities/{number}", "type": "Create"}
        await publish(
            conn,
            sender=coop,
            activity=activity,
            audience=Audience(actors=actors),
            now=NOW,
            extra_inboxes=inboxes,
        )


async def lease(engine: AsyncEngine, now: datetime = NOW) -> list[store.PendingRecipient]:
    async with engine.begin() as conn:
        return await store.lease_due(conn, now=now, lease_until=now + LEASE, limit=10)


async def delivery_rows(engine: AsyncEngine) -> list[tuple[int, str]]:
    query = select(deliveries.c.activity_id, deliveries.c.inbox).order_by(deliveries.c.id)
    async with engine.connect() as conn:
        return [(row[0], row[1]) for row in (await conn.execute(query)).all()]


async def test_publish_records_unknown_recipients_and_lease_takes_them_once(
    engine: AsyncEngine,
) -> None:
    await publish_to(engine, (GHOST, "https://coop.test/users/alice"), 1)  # own actor: skipped
    [row] = await lease(engine)
    assert (row.actor_uri, row.attempts, row.governance) == (GHOST, 0, False)
    assert await lease(engine) == []  # leased
    assert [r.id for r in await lease(engine, NOW + LEASE + timedelta(seconds=1))] == [row.id]


async def test_resolving_queues_every_waiting_activity_and_skips_queued_inboxes(
    engine: AsyncEngine,
) -> None:
    await publish_to(engine, (GHOST,), 1, inboxes=(SHARED,))  # a neighbour already queued
    await publish_to(engine, (GHOST,), 2)
    async with engine.begin() as conn:
        added = await store.resolve(conn, actor_uri=GHOST, inboxes=[SHARED], now=NOW)
    assert added == 1
    assert sorted(await delivery_rows(engine)) == [(1, SHARED), (2, SHARED)]
    async with engine.connect() as conn:
        left = (await conn.execute(select(pending_recipients.c.id))).all()
    assert left == []


async def test_failures_back_off_then_park_and_are_listed(engine: AsyncEngine) -> None:
    await publish_to(engine, (GHOST,), 1)
    [row] = await lease(engine)
    later = NOW + timedelta(minutes=1)
    async with engine.begin() as conn:
        await store.record_failures(conn, [(row.id, "pending", 1, later, "HTTP 503")])
    assert await lease(engine) == []  # backing off
    [again] = await lease(engine, later)
    assert again.attempts == 1
    async with engine.begin() as conn:
        await store.record_failures(conn, [(row.id, "parked", 2, later, "HTTP 503")])
    assert await lease(engine, later + LEASE * 10) == []  # parked rows are not retried
    async with engine.connect() as conn:
        [shown] = await store.list_waiting(conn, states=["parked"], limit=10)
    assert (shown.activity_id, shown.actor_uri, shown.attempts) == (
        "https://coop.test/activities/1",
        GHOST,
        2,
    )
    assert shown.last_error == "HTTP 503"


async def test_lease_takes_every_waiting_row_of_a_due_actor_and_limits_actors(
    engine: AsyncEngine,
) -> None:
    other = "https://other.example/users/x"
    for number in range(1, 4):
        await publish_to(engine, (GHOST,), number)
    await publish_to(engine, (other,), 4)
    async with engine.begin() as conn:
        leased = await store.lease_due(conn, now=NOW, lease_until=NOW + LEASE, limit=1)
    assert [row.actor_uri for row in leased] == [GHOST] * 3  # one actor, all its rows
    assert [row.actor_uri for row in await lease(engine)] == [other]


async def test_a_new_row_joins_its_actors_schedule_and_retry_unparks_a_host(
    engine: AsyncEngine,
) -> None:
    await publish_to(engine, (GHOST,), 1)
    [row] = await lease(engine)
    later = NOW + timedelta(hours=1)
    async with engine.begin() as conn:
        await store.record_failures(conn, [(row.id, "pending", 3, later, "HTTP 503")])
    await publish_to(engine, (GHOST,), 2)  # not due now: no fetch of its own
    assert await lease(engine) == []
    async with engine.begin() as conn:
        joined = await store.waiting_for(conn, GHOST)
    assert [r.attempts for r in joined] == [3, 3]
    async with engine.begin() as conn:
        await store.record_failures(conn, [(r.id, "parked", 4, later, "gone") for r in joined])
        assert await store.retry_parked(conn, NOW, host="other.example") == 0
        assert await store.retry_parked(conn, NOW, host="social.example") == 2
    assert {(r.actor_uri, r.attempts) for r in await lease(engine)} == {(GHOST, 0)}
