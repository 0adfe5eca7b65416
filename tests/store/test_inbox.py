"""The inbox queue store: leases, and marks that count only for the worker holding the lease."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from coopfed.store import inbox as store
from coopfed.store.db import create_engine
from coopfed.store.inbox import Finished, InboxItem, NewInboxItem
from coopfed.store.tables import inbox_items

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
ALICE = "https://remote.example/users/alice"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def _receive(engine: AsyncEngine, number: int) -> None:
    item = NewInboxItem(f"{ALICE}/activities/{number}", f"sha{number}", "{}", ALICE, None)
    assert await store.insert_item(engine, item, now=NOW) == store.InsertResult.stored


async def _lease(engine: AsyncEngine, now: datetime) -> list[InboxItem]:
    async with engine.begin() as conn:
        return await store.lease_due(conn, now=now, limit=10, lease=LEASE)


async def _rows(engine: AsyncEngine) -> list[tuple[str, str | None, datetime | None, int]]:
    query = select(
        inbox_items.c.state,
        inbox_items.c.outcome,
        inbox_items.c.lease_until,
        inbox_items.c.attempts,
    ).order_by(inbox_items.c.id)
    async with engine.connect() as conn:
        return [tuple(row) for row in (await conn.execute(query)).all()]  # type: ignore[misc]


async def test_a_lease_is_the_token_its_marks_carry(engine: AsyncEngine) -> None:
    await _receive(engine, 1)
    (item,) = await _lease(engine, NOW)
    assert item.lease_until == NOW + LEASE
    assert await _lease(engine, NOW + LEASE / 2) == []  # still leased


async def test_the_done_mark_of_a_worker_whose_lease_expired_does_not_count(
    engine: AsyncEngine,
) -> None:
    # Worker A leases the item and stalls past its lease; worker B leases it again. A's done
    # mark must not count (else A's effects and B's would both apply): it reports False so A
    # rolls back, and the item stays B's.
    await _receive(engine, 1)
    (first,) = await _lease(engine, NOW)
    later = NOW + LEASE + timedelta(seconds=1)
    (second,) = await _lease(engine, later)
    assert second.id == first.id
    assert second.lease_until != first.lease_until
    async with engine.begin() as conn:
        mark = [Finished(first.id, "done", "by A")]
        assert not await store.finish(conn, mark, lease_until=first.lease_until)
    assert await _rows(engine) == [("pending", None, later + LEASE, 2)]
    async with engine.begin() as conn:
        mark = [Finished(second.id, "done", "by B")]
        assert await store.finish(conn, mark, lease_until=second.lease_until)
    assert await _rows(engine) == [("done", "by B", None, 2)]


async def test_an_expired_lease_can_neither_fail_nor_release_the_items(
    engine: AsyncEngine,
) -> None:
    await _receive(engine, 1)
    (first,) = await _lease(engine, NOW)
    later = NOW + LEASE + timedelta(seconds=1)
    assert len(await _lease(engine, later)) == 1
    async with engine.begin() as conn:
        await store.fail(conn, first.id, error="A", retry_at=None, lease_until=first.lease_until)
        await store.release(conn, [first.id], lease_until=first.lease_until)
    assert await _rows(engine) == [("pending", None, later + LEASE, 2)]


async def test_one_statement_marks_a_group_each_with_its_own_outcome(
    engine: AsyncEngine,
) -> None:
    for number in range(3):
        await _receive(engine, number)
    items = await _lease(engine, NOW)
    marks = [
        Finished(items[0].id, "done", "first"),
        Finished(items[1].id, "ignored", "second"),
        Finished(items[2].id, "done", None),
    ]
    async with engine.begin() as conn:
        assert await store.finish(conn, marks, lease_until=items[0].lease_until)
    assert await _rows(engine) == [
        ("done", "first", None, 1),
        ("ignored", "second", None, 1),
        ("done", None, None, 1),
    ]


async def test_a_group_with_one_item_no_longer_ours_reports_it(engine: AsyncEngine) -> None:
    # The caller rolls the whole group back: the marks of the others are undone with it.
    for number in range(2):
        await _receive(engine, number)
    first, second = await _lease(engine, NOW)
    async with engine.begin() as conn:
        await store.release(conn, [second.id], lease_until=second.lease_until)
    (again,) = await _lease(engine, NOW + timedelta(seconds=1))
    assert again.id == second.id
    marks = [Finished(first.id, "done"), Finished(second.id, "done")]
    async with engine.connect() as conn, conn.begin() as transaction:
        assert not await store.finish(conn, marks, lease_until=first.lease_until)
        await transaction.rollback()
    assert [row[0] for row in await _rows(engine)] == ["pending", "pending"]
