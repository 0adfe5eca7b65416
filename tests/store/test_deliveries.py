"""The delivery queue store: leasing (due, leased, per-inbox order), outcomes, host health."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from coopfed.activitypub.backoff import HostHealth
from coopfed.services.outbox import Audience, publish
from coopfed.services.setup import create_node_actors
from coopfed.store import deliveries as store
from coopfed.store.db import create_engine
from coopfed.store.deliveries import Outcomes
from coopfed.store.tables import deliveries
from tests.support.databases import POSTGRES

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=90)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await create_node_actors(conn, handle="coop", name="Coop", summary="", now=NOW)
    yield engine
    await engine.dispose()


async def queue(engine: AsyncEngine, inboxes: list[str], number: int = 0) -> None:
    from coopfed.store.actors import get_actor_of_kind

    async with engine.begin() as conn:
        coop = await get_actor_of_kind(conn, "coop")
        assert coop is not None
        activity = {"id": f"https://coop.test/activities/{number}", "type": "Create"}
        await publish(
            conn,
            sender=coop,
            activity=activity,
            audience=Audience(),
            now=NOW,
            extra_inboxes=inboxes,
        )


async def lease(engine: AsyncEngine, now: datetime = NOW, limit: int = 100) -> list[int]:
    async with engine.begin() as conn:
        rows = await store.lease_due(conn, now=now, lease_until=now + LEASE, limit=limit)
    return [row.id for row in rows]


async def test_lease_takes_due_rows_oldest_first_and_only_once(engine: AsyncEngine) -> None:
    await queue(engine, [f"https://h{n}.example/inbox" for n in range(5)])
    assert await lease(engine, limit=3) == [1, 2, 3]
    assert await lease(engine) == [4, 5]
    assert await lease(engine) == []
    assert await lease(engine, NOW + LEASE + timedelta(seconds=1)) == [1, 2, 3, 4, 5]  # expired


async def test_rows_in_backoff_are_not_due(engine: AsyncEngine) -> None:
    await queue(engine, ["https://a.example/inbox"])
    [row_id] = await lease(engine)
    retry_at = NOW + timedelta(seconds=16)
    async with engine.begin() as conn:
        await store.record_outcomes(
            conn, Outcomes(retry=[(row_id, 1, retry_at, 500, "HTTP 500")]), NOW
        )
    assert await lease(engine, NOW + timedelta(seconds=15)) == []
    assert await lease(engine, retry_at) == [row_id]


async def test_newer_rows_to_an_inbox_wait_for_an_older_one(engine: AsyncEngine) -> None:
    inbox = "https://a.example/inbox"
    for number in range(3):
        await queue(engine, [inbox, f"https://other{number}.example/inbox"], number)
    assert await lease(engine, limit=1) == [1]
    # 3 and 5 go to the same inbox as the leased 1: they wait; the other inboxes do not.
    assert await lease(engine) == [2, 4, 6]
    async with engine.begin() as conn:
        later = NOW + timedelta(seconds=30)
        await store.record_outcomes(conn, Outcomes(retry=[(1, 1, later, 503, "")]), NOW)
    assert await lease(engine) == []  # 1 is in backoff: still blocks 3 and 5
    async with engine.begin() as conn:
        await store.record_outcomes(conn, Outcomes(done=[(1, 202)]), NOW)
    assert await lease(engine) == [3, 5]


async def test_outcomes_and_host_health_round_trip(engine: AsyncEngine) -> None:
    await queue(engine, ["https://a.example/inbox", "https://b.example/inbox"])
    async with engine.begin() as conn:
        outcomes = Outcomes(done=[(1, 202)], park=[(2, 1, 410, "HTTP 410")])
        await store.record_outcomes(conn, outcomes, NOW)
        health = HostHealth("b.example", consecutive_failures=3, unavailable=True)
        await store.save_hosts(conn, [health])
        await store.save_hosts(conn, [health])  # upsert
        rows = await store.list_deliveries(conn, states=("done", "parked"), limit=10)
        loaded = await store.load_hosts(conn, ["b.example", "new.example"])
    assert [(row.id, row.state, row.attempts, row.last_status) for row in rows] == [
        (2, "parked", 1, 410),
        (1, "done", 1, 202),
    ]
    assert loaded["b.example"] == health and loaded["new.example"] == HostHealth("new.example")


async def test_done_rows_keep_their_own_status_when_marked_together(engine: AsyncEngine) -> None:
    # Done rows are marked by status group (one UPDATE … IN per status, in chunks): each row
    # must still get its own status, one more attempt and no lease, and nothing else changes.
    many = store._IDS_PER_STATEMENT + 3  # more than one chunk
    await queue(engine, [f"https://h{n}.example/inbox" for n in range(many + 1)])
    leased = await lease(engine, limit=many + 1)
    done = [(row_id, 200 if row_id % 2 else 202) for row_id in leased[:-1]]
    async with engine.begin() as conn:
        await store.record_outcomes(conn, Outcomes(done=done), NOW)
        rows = await store.list_deliveries(conn, states=("done", "pending"), limit=many + 1)
    by_id = {row.id: row for row in rows}
    for row_id, status in done:
        row = by_id[row_id]
        assert (row.state, row.attempts, row.last_status, row.delivered_at) == (
            "done",
            1,
            status,
            NOW,
        )
    untouched = by_id[leased[-1]]
    assert (untouched.state, untouched.attempts, untouched.delivered_at) == ("pending", 0, None)


# PostgreSQL only (SQLite has one writer; this is about SKIP LOCKED).
@pytest.mark.parametrize("backend", [POSTGRES])
async def test_concurrent_leases_on_separate_engines_never_overlap(
    engine: AsyncEngine, database_url: str
) -> None:
    await queue(engine, [f"https://h{n % 20}.example/u{n}/inbox" for n in range(400)])
    engines = [create_engine(database_url) for _ in range(4)]
    try:

        async def drain(other: AsyncEngine) -> list[int]:
            taken: list[int] = []
            while ids := await lease(other, limit=7):
                taken += ids
                await asyncio.sleep(0)
            return taken

        results = await asyncio.gather(*(drain(other) for other in engines))
    finally:
        for other in engines:
            await other.dispose()
    everything = [row_id for taken in results for row_id in taken]
    assert sorted(everything) == list(range(1, 401))  # each row once, none lost
    assert sum(1 for taken in results if taken) >= 2  # they really ran side by side


@pytest.mark.parametrize("backend", [POSTGRES])
async def test_the_lease_probes_older_rows_per_row_whatever_the_statistics(
    engine: AsyncEngine,
) -> None:
    # Regression: with statistics from when the table was small, PostgreSQL planned the
    # "older row to the same inbox" check as an anti-join of every due row against every
    # pending row (quadratic: 1.4 s to lease from a 3,000-row fan-out). The lease keeps it a
    # per-row probe (a SubPlan), which is cheap with any statistics.
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE deliveries"))  # statistics of an empty table
    await queue(engine, [f"https://h{n % 30}.example/u{n}/inbox" for n in range(300)])
    query = (
        select(deliveries.c.id)
        .where(store._due(NOW, fenced=True))
        .order_by(deliveries.c.id)
        .limit(10)
        .with_for_update(skip_locked=True, of=deliveries)
    )
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    async with engine.begin() as conn:
        plan = "\n".join(row[0] for row in (await conn.execute(text("EXPLAIN " + sql))).all())
    assert "Anti Join" not in plan and "SubPlan" in plan, plan
    assert len(await lease(engine, limit=10)) == 10
