"""The per-test PostgreSQL databases are all dropped at session end, several at a time."""

from __future__ import annotations

import asyncio

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.support import databases
from tests.support.databases import PG_SKIP_REASON, PG_URL, PostgresDatabases


async def _existing(names: list[str]) -> list[str]:
    connection = await asyncpg.connect(databases._asyncpg_dsn(PG_URL))
    try:
        rows = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname = ANY($1::text[])", names
        )
    finally:
        await connection.close()
    return [row["datname"] for row in rows]


@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
async def test_drop_all_removes_every_database_it_created() -> None:
    pool = PostgresDatabases()
    for _ in range(2):
        await pool.fresh(migrated=False)
    names = list(pool.created)
    assert len(await _existing(names)) == 2
    await pool.drop_all()
    assert await _existing(names) == [] and pool.created == []


async def test_drop_all_overlaps_the_drops(monkeypatch: pytest.MonkeyPatch) -> None:
    # Regression: one DROP at a time (each waits for a checkpoint) made the last test's
    # teardown take 12-15 s in CI; the drops must be in flight together.
    in_flight: list[int] = [0]
    most: list[int] = [0]
    dropped: list[str] = []

    async def fake_execute(statement: str) -> None:
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        await asyncio.sleep(0)
        dropped.append(statement)
        in_flight[0] -= 1

    monkeypatch.setattr(databases, "_admin_execute", fake_execute)
    pool = PostgresDatabases()
    pool.created = [f"coopfed_t_fake{i}" for i in range(20)]
    await pool.drop_all()
    assert len(dropped) == 20 and most[0] == databases._DROP_SLOTS
