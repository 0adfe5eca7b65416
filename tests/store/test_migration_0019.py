"""Migration 0019 (issue 13, hole 6): accounts of 0018 get session generation 0, which signs
cookies exactly as before, so sessions begun before the upgrade stay valid; downgrade works."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from coopfed.services.accounts import hash_password
from coopfed.services.setup import create_actor_with_keys
from coopfed.store import actors as actor_store
from coopfed.store import migrate
from coopfed.store.db import create_engine
from coopfed.store.types import UTCDateTime
from coopfed.web.keys import WebKeys
from coopfed.web.sessions import session_value
from coopfed.web.signing import mac
from tests.support.databases import PostgresDatabases, sqlite_url

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
_accounts_0018 = sa.Table(
    "accounts",
    sa.MetaData(),
    sa.Column("actor_id", sa.Integer()),
    sa.Column("password_hash", sa.String()),
    sa.Column("is_admin", sa.Boolean()),
    sa.Column("created_at", UTCDateTime()),
)


@pytest.fixture
async def database_0018(backend: str, tmp_path: Path, postgres_databases: PostgresDatabases) -> str:
    if backend == "postgres":
        url = await postgres_databases.fresh(migrated=False)
    else:
        url = sqlite_url(tmp_path)
    await asyncio.to_thread(migrate.upgrade, url, "0018")
    return url


async def test_sessions_begun_before_0019_stay_valid(database_0018: str) -> None:
    keys = WebKeys.derive(b"k" * 32)
    password_hash = hash_password("correct horse battery")
    engine = create_engine(database_0018, pool_size=0)
    try:
        async with engine.begin() as conn:
            actor = await create_actor_with_keys(
                conn, username="bea", kind="person", display_name="", summary="", now=NOW
            )
            await conn.execute(
                _accounts_0018.insert().values(
                    actor_id=actor.id, password_hash=password_hash, is_admin=False, created_at=NOW
                )
            )
    finally:
        await engine.dispose()
    # The cookie 0018's code issued: username.issued.tag.mac, tag over the password hash alone.
    body = f"bea.{int(NOW.timestamp())}.{mac(keys.session, 'password:' + password_hash)[:22]}"
    before = f"{body}.{mac(keys.session, body)}"

    await asyncio.to_thread(migrate.upgrade, database_0018, "0019")
    engine = create_engine(database_0018, pool_size=0)
    try:
        async with engine.begin() as conn:
            account = await actor_store.get_account(conn, "bea")
            assert account is not None and account.session_generation == 0
            assert session_value(keys, account, NOW) == before  # still the same session
            await actor_store.bump_session_generation(conn, account.id)
            bumped = await actor_store.get_account(conn, "bea")
            assert bumped is not None and bumped.session_generation == 1
            assert session_value(keys, bumped, NOW) != before
    finally:
        await engine.dispose()

    await asyncio.to_thread(migrate.downgrade, database_0018, "0018")
    engine = create_engine(database_0018, pool_size=0)
    try:
        async with engine.connect() as conn:
            hashes = sa.text("SELECT password_hash FROM accounts")
            assert list((await conn.execute(hashes)).scalars()) == [password_hash]
    finally:
        await engine.dispose()
    await asyncio.to_thread(migrate.upgrade, database_0018, "head")
    assert await migrate.current_revision(database_0018) == migrate.head_revision(database_0018)
