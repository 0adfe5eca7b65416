"""The tables in code and the schema the migrations build must agree, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from coopfed.store import migrate
from coopfed.store.db import create_engine
from coopfed.store.tables import metadata


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=0)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == [], "run `alembic revision --autogenerate` and commit the migration"


async def test_database_is_at_head(database_url: str) -> None:
    assert await migrate.current_revision(database_url) == migrate.head_revision(database_url)
