"""The engine's PostgreSQL pool: idle connections are pinged before use, busy ones are not."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from coopfed.store import db
from tests.support.databases import PG_SKIP_REASON, PG_URL, PostgresDatabases

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)]

BACKEND_PID = text("SELECT pg_backend_pid()")


async def _cut_every_connection_of(url: str) -> None:
    """What a server restart or a firewall does to pooled connections, seen from the pool."""
    admin = db.create_engine(url, pool_size=0)
    try:
        async with admin.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await admin.dispose()


async def test_an_idle_connection_cut_meanwhile_is_replaced_before_use(
    postgres_databases: PostgresDatabases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await postgres_databases.fresh()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.2)
    engine = db.create_engine(url, pool_size=2)
    try:
        async with engine.connect() as conn:
            first = (await conn.execute(BACKEND_PID)).scalar_one()
        await _cut_every_connection_of(url)
        await asyncio.sleep(0.3)  # idle past the threshold: pinged, found dead, replaced
        async with engine.connect() as conn:
            second = (await conn.execute(BACKEND_PID)).scalar_one()
        assert second != first
    finally:
        await engine.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged(
    postgres_databases: PostgresDatabases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await postgres_databases.fresh()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 60.0)
    engine = db.create_engine(url, pool_size=1)
    pings: list[object] = []
    dialect = engine.sync_engine.dialect
    real_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn))
    try:
        for _ in range(5):
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
        assert pings == []  # each checkout came within the minute: no round trips spent on it
    finally:
        await engine.dispose()
