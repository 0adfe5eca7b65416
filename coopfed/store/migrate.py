"""Apply and inspect alembic migrations from code (the `coopfed db` commands and tests)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from coopfed.store.db import create_engine


def migrations_dir() -> Path:
    """`migrations/` beside the package (source checkout), or COOPFED_MIGRATIONS_DIR (images)."""
    explicit = os.environ.get("COOPFED_MIGRATIONS_DIR")
    if explicit:
        return Path(explicit)
    return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def is_known_revision(database_url: str, revision: str) -> bool:
    """Whether this code's migrations include `revision` (else the database is newer)."""
    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    return any(script.revision == revision for script in scripts.walk_revisions())


async def current_revision(database_url: str) -> str | None:
    engine = create_engine(database_url, pool_size=0)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
