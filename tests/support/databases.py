"""Fresh databases for tests: a SQLite file per test, and a PostgreSQL database per test cloned
from a template migrated once per session (CREATE DATABASE … TEMPLATE is fast).

PostgreSQL is used when COOPFED_TEST_DATABASE_URL names a database the tests may create others
beside (`make test` sets it up: see .ci/test-env); otherwise the PostgreSQL variants are skipped,
with the reason .ci/test-env found (COOPFED_TEST_DATABASE_SKIP_REASON) or that the URL is unset.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from coopfed.store import migrate

PG_ENV = "COOPFED_TEST_DATABASE_URL"
PG_URL = os.environ.get(PG_ENV, "")
PG_SKIP_REASON = os.environ.get("COOPFED_TEST_DATABASE_SKIP_REASON") or (
    f"{PG_ENV} is not set; `make test` sets it up, see .ci/test-env"
)
# Concurrent DROP DATABASE statements at session end (see drop_all); well under max_connections.
_DROP_SLOTS = 8

POSTGRES = pytest.param(
    "postgres",
    marks=[pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)],
)
# The `backend` fixture's values; `@pytest.mark.parametrize("backend", [POSTGRES])` narrows a
# test that is only about PostgreSQL.
BACKENDS = ["sqlite", POSTGRES]


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url.replace("postgresql+asyncpg://", "postgresql://"))
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def sqlalchemy_pg_url(database: str) -> str:
    return _asyncpg_dsn(PG_URL, database).replace("postgresql://", "postgresql+asyncpg://", 1)


async def _admin_execute(statement: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(PG_URL))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class PostgresDatabases:
    """Creates the session template lazily; hands out clones; drops everything at the end."""

    def __init__(self) -> None:
        self.template: str | None = None
        self.created: list[str] = []

    async def _ensure_template(self) -> str:
        if self.template is None:
            name = f"coopfed_tpl_{uuid.uuid4().hex[:10]}"
            await _admin_execute(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            await asyncio.to_thread(migrate.upgrade, sqlalchemy_pg_url(name))
            self.template = name
        return self.template

    async def fresh(self, *, migrated: bool = True) -> str:
        name = f"coopfed_t_{uuid.uuid4().hex[:12]}"
        if migrated:
            template = await self._ensure_template()
            await _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            await _admin_execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return sqlalchemy_pg_url(name)

    async def drop_all(self) -> None:
        """Drop every database this session created, a few at a time.

        Every DROP DATABASE waits for a forced checkpoint (~0.6 s on a busy CI disk), so one
        by one the ~170 databases of an xdist worker took 12-15 s (minutes under load), billed
        as the teardown of whichever test ran last. Concurrent drops share checkpoints.
        """
        slots = asyncio.Semaphore(_DROP_SLOTS)

        async def drop(name: str) -> None:
            async with slots:
                await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        await asyncio.gather(*(drop(name) for name in self.created))
        self.created.clear()


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{(directory / 'coopfed.db').as_posix()}"


class SqliteTemplate:
    """A SQLite file migrated once per test process, copied for each test that wants one.

    Running the migrations costs 0.1-0.2 s per test (alembic imports and replays every
    revision); a file copy costs a millisecond. The template is closed (its WAL checkpointed
    into the main file when the engine is disposed), so a plain copy of that file is the whole
    database.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path: Path | None = None

    def _ensure(self) -> Path:
        if self.path is None:
            migrate.upgrade(sqlite_url(self.directory))
            self.path = self.directory / "coopfed.db"
            for leftover in ("coopfed.db-wal", "coopfed.db-shm"):
                if (self.directory / leftover).exists():
                    raise RuntimeError(f"SQLite template left {leftover} behind")
        return self.path

    def fresh(self, directory: Path) -> str:
        shutil.copyfile(self._ensure(), directory / "coopfed.db")
        return sqlite_url(directory)
