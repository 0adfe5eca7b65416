"""The SQLite inbox writer: group commit, dedupe, tombstones, failures answered per request."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from coopfed.store import inbox as inbox_store
from coopfed.store import migrate
from coopfed.store.db import create_engine
from coopfed.store.inbox import InsertResult, NewInboxItem
from coopfed.store.inbox_writer import SqliteInboxWriter, sqlite_timestamp
from coopfed.store.tables import inbox_items
from tests.support.databases import sqlite_url

NOW = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC)


ALICE = "https://remote.test/users/alice"
MALLORY = "https://remote.test/users/mallory"


def item(number: int, body: str = "{}", actor: str = ALICE) -> NewInboxItem:
    return NewInboxItem(
        activity_id=f"https://remote.test/activities/{number}",
        body_sha256=f"sha-of-{body}",
        body=body,
        actor_uri=actor,
        recipient=None,
    )


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    url = sqlite_url(tmp_path)
    await asyncio.to_thread(migrate.upgrade, url)
    return tmp_path / url.rsplit("/", 1)[-1]


@pytest.fixture
async def engine(database: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    yield engine
    await engine.dispose()


def count_committed(database: Path) -> int:
    """Rows a separate connection sees: only committed ones."""
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT count(*) FROM inbox_items").fetchone()[0])


def test_timestamps_are_written_as_sqlalchemy_writes_them() -> None:
    assert sqlite_timestamp(NOW) == "2026-11-26 12:00:00.123456"
    eastern = NOW.astimezone(ZoneInfo("America/New_York"))
    assert sqlite_timestamp(eastern) == "2026-11-26 12:00:00.123456"


async def test_concurrent_inserts_are_committed_before_they_answer(
    database: Path, engine: AsyncEngine
) -> None:
    writer = SqliteInboxWriter(database)

    async def insert_and_count(number: int) -> tuple[InsertResult, int]:
        result = await writer.insert(item(number), now=NOW)
        return result, await asyncio.to_thread(count_committed, database)

    answers = await asyncio.gather(*(insert_and_count(n) for n in range(100)))
    assert all(result is InsertResult.stored for result, _ in answers)
    # Each answer came after a commit that included its own row (seen from another connection).
    assert all(seen >= 1 for _, seen in answers)
    assert count_committed(database) == 100
    async with engine.begin() as conn:  # the worker leases them: same timestamps, same states
        leased = await inbox_store.lease_due(conn, now=NOW, limit=200, lease=timedelta(minutes=1))
    assert len(leased) == 100
    assert leased[0].received_at == NOW and leased[0].state == "pending"


async def test_same_id_is_a_duplicate_or_a_conflict_even_within_one_batch(
    database: Path,
) -> None:
    writer = SqliteInboxWriter(database)
    results = await asyncio.gather(
        writer.insert(item(1), now=NOW),
        writer.insert(item(1), now=NOW),
        writer.insert(item(1, body='{"other": 1}'), now=NOW),
    )
    assert sorted(results) == sorted(
        [InsertResult.stored, InsertResult.duplicate, InsertResult.conflict]
    )
    assert await writer.insert(item(1), now=NOW) is InsertResult.duplicate
    assert count_committed(database) == 1


async def test_a_tombstoned_object_stores_nothing(database: Path, engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await inbox_store.add_tombstone(conn, ALICE, "https://remote.test/notes/1", now=NOW)
    writer = SqliteInboxWriter(database)
    gone = await writer.insert(item(1), now=NOW, tombstone_of="https://remote.test/notes/1")
    alive = await writer.insert(item(2), now=NOW, tombstone_of="https://remote.test/notes/2")
    assert (gone, alive) == (InsertResult.tombstoned, InsertResult.stored)
    async with engine.connect() as conn:
        ids = list((await conn.execute(select(inbox_items.c.activity_id))).scalars())
    assert ids == [item(2).activity_id]


async def test_a_failing_row_fails_alone(database: Path) -> None:
    writer = SqliteInboxWriter(database)
    broken = NewInboxItem(
        activity_id="https://remote.test/activities/broken",
        body_sha256="x",
        body=cast(str, None),  # NOT NULL violation
        actor_uri="https://remote.test/users/alice",
        recipient=None,
    )
    results = await asyncio.gather(
        *(writer.insert(item(n), now=NOW) for n in range(5)),
        writer.insert(broken, now=NOW),
        return_exceptions=True,
    )
    assert results[:5] == [InsertResult.stored] * 5
    assert isinstance(results[5], sqlite3.IntegrityError)
    assert count_committed(database) == 5


async def test_a_locked_database_fails_the_request_then_recovers(database: Path) -> None:
    writer = SqliteInboxWriter(database, busy_timeout=0.1)
    blocker = sqlite3.connect(database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await writer.insert(item(1), now=NOW)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert count_committed(database) == 0
    assert await writer.insert(item(1), now=NOW) is InsertResult.stored  # a retry works


async def test_the_thread_ends_when_idle_and_restarts_on_demand(database: Path) -> None:
    writer = SqliteInboxWriter(database, idle_seconds=0.05)
    assert await writer.insert(item(1), now=NOW) is InsertResult.stored
    for _ in range(100):
        if not writer.running:
            break
        await asyncio.sleep(0.02)
    assert not writer.running
    assert await writer.insert(item(2), now=NOW) is InsertResult.stored
    assert count_committed(database) == 2


async def test_the_engine_path_checks_tombstones_in_its_transaction(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await inbox_store.add_tombstone(conn, ALICE, "https://remote.test/notes/1", now=NOW)
    result = await inbox_store.insert_item(
        engine, item(1), now=NOW, tombstone_of="https://remote.test/notes/1"
    )
    assert result is InsertResult.tombstoned
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(inbox_items))).scalar() == 0


async def test_ids_and_tombstones_are_per_actor_on_both_paths(
    database: Path, engine: AsyncEngine
) -> None:
    """Issue 13, hole 2: Mallory's use of an id under no actor, or her tombstone of it, is
    hers; Alice's item with that id is stored (SQLite writer and engine path alike)."""
    note = "https://remote.test/notes/1"
    async with engine.begin() as conn:
        await inbox_store.add_tombstone(conn, MALLORY, note, now=NOW)
    writer = SqliteInboxWriter(database)
    assert await writer.insert(item(1, actor=MALLORY), now=NOW) is InsertResult.stored
    assert await writer.insert(item(1), now=NOW, tombstone_of=note) is InsertResult.stored
    assert (
        await writer.insert(item(1, body='{"x": 1}', actor=MALLORY), now=NOW)
        is InsertResult.conflict
    )
    assert (
        await inbox_store.insert_item(engine, item(2, actor=MALLORY), now=NOW, tombstone_of=note)
        is InsertResult.tombstoned
    )
    assert await inbox_store.insert_item(engine, item(2), now=NOW) is InsertResult.stored
    assert await inbox_store.insert_item(engine, item(2, actor=MALLORY), now=NOW) is (
        InsertResult.stored
    )
    async with engine.connect() as conn:
        rows = await conn.execute(select(inbox_items.c.actor_uri, inbox_items.c.activity_id))
        assert sorted(tuple(row) for row in rows) == sorted(
            [(MALLORY, item(1).activity_id), (ALICE, item(1).activity_id),
             (ALICE, item(2).activity_id), (MALLORY, item(2).activity_id)]
        )  # fmt: skip
        found = await inbox_store.get_item(conn, ALICE, item(1).activity_id)
        assert found is not None and found.actor_uri == ALICE
