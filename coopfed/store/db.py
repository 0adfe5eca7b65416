"""Database engine: SQLite (WAL, embedded default) or PostgreSQL, both through SQLAlchemy async.

SQLite gets one writer at a time anyway; WAL lets readers proceed alongside it, and
`synchronous=FULL` is what lets the inbox promise that a 202 means committed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not is_sqlite(url) or not database or database == ":memory:":
        return None
    return Path(database)


# WAL stays consistent with NORMAL; a commit then waits for no fsync and is made durable by the
# next commit that does one (the WAL is one file, synced whole, in commit order) or a checkpoint.
DEFERRED_SYNC_PRAGMA = "PRAGMA synchronous=NORMAL"


def _pragmas_setter(pragmas: tuple[str, ...]) -> Callable[[Any, Any], None]:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # aiosqlite's adapter opens a transaction implicitly; pragmas must run outside one.
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    return set_pragmas


def create_engine(url: str, *, pool_size: int = 20, deferred_sync: bool = False) -> AsyncEngine:
    """The node's engine. `deferred_sync` (SQLite): commits skip their fsync (see
    `Node.inbox_engine` for who may use that and why it is safe)."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 5})
        pragmas = SQLITE_PRAGMAS + ((DEFERRED_SYNC_PRAGMA,) if deferred_sync else ())
        event.listen(engine.sync_engine, "connect", _pragmas_setter(pragmas))
        return engine
    if pool_size == 0:
        return create_async_engine(url, poolclass=NullPool)
    # All `pool_size` connections are kept once opened, none beyond: an overflow of 10 over 10
    # kept ones (the cap was the same 20) was closed on return and reopened under load, and the
    # PostgreSQL inbox bench spent 18% of its inbox time connecting.
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0)
    _ping_idle_connections(engine, PING_AFTER_IDLE_SECONDS)
    return engine


# A pooled PostgreSQL connection is pinged before use only when it sat idle this long.
# `pool_pre_ping` pings at every checkout, and asyncpg's ping is three round trips (BEGIN, `;`,
# ROLLBACK): it was three of the four round trips of an accepted POST, 24% of the inbox path.
# What a ping guards against (a server restart, an idle connection cut by a firewall or
# pgbouncer) strikes idle connections; one used within the last second and broken since fails
# its statement instead, as any statement in flight during a restart does (the inbox answers
# 503 and Retry-After), and SQLAlchemy then discards every pooled connection.
PING_AFTER_IDLE_SECONDS = 1.0
_LAST_CHECKIN = "coopfed_last_checkin"


def _ping_idle_connections(engine: AsyncEngine, idle_seconds: float) -> None:
    pool_events = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_CHECKIN] = time.monotonic()

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_LAST_CHECKIN)
        if last is None or time.monotonic() - last < idle_seconds:
            return  # just opened, or used a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.InvalidatePoolError(str(error)) from error
        if not alive:
            raise exc.InvalidatePoolError("ping failed")

    event.listen(pool_events, "checkin", on_checkin)
    event.listen(pool_events, "checkout", on_checkout)


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One unit of work: commit on success, roll back on any error."""
    async with engine.begin() as connection:
        yield connection
