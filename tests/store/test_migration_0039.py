"""Migration 0039 (issue 16): members.language and applications.language, nullable. Rows of
0038 get NULL (no preference: the co-op's language); the downgrade keeps every member, their
ballots' foreign keys untouched (plain ADD/DROP COLUMN, no rebuild of `members`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from coopfed.store import migrate
from coopfed.store.db import create_engine
from coopfed.store.types import UTCDateTime
from tests.support.databases import PostgresDatabases, sqlite_url

NOW = datetime(2026, 12, 4, 10, tzinfo=UTC)
# The tables as 0038 has them, only the columns this test writes (today's tables in
# store/tables.py would write `language`, which 0038 lacks).
_meta = sa.MetaData()
_local_actors_0038 = sa.Table(
    "local_actors",
    _meta,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("username", sa.String()),
    sa.Column("kind", sa.String()),
    sa.Column("display_name", sa.String()),
    sa.Column("summary", sa.String()),
    sa.Column("rsa_private_pem", sa.String()),
    sa.Column("rsa_public_pem", sa.String()),
    sa.Column("ed25519_private_pem", sa.String()),
    sa.Column("ed25519_public_multibase", sa.String()),
    sa.Column("created_at", UTCDateTime()),
)
_members_0038 = sa.Table(
    "members",
    _meta,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("coop_id", sa.Integer()),
    sa.Column("member_id", sa.String()),
    sa.Column("actor_uri", sa.String()),
    sa.Column("handle", sa.String()),
    sa.Column("member_class", sa.String()),
    sa.Column("shares", sa.Integer()),
    sa.Column("status", sa.String()),
    sa.Column("joined_at", UTCDateTime()),
)
_applications_0038 = sa.Table(
    "applications",
    _meta,
    sa.Column("coop_id", sa.Integer()),
    sa.Column("actor_uri", sa.String()),
    sa.Column("handle", sa.String()),
    sa.Column("requested_class", sa.String()),
    sa.Column("message", sa.String()),
    sa.Column("source", sa.String()),
    sa.Column("state", sa.String()),
    sa.Column("reason", sa.String()),
    sa.Column("created_at", UTCDateTime()),
)


@pytest.fixture
async def database_0038(backend: str, tmp_path: Path, postgres_databases: PostgresDatabases) -> str:
    if backend == "postgres":
        url = await postgres_databases.fresh(migrated=False)
    else:
        url = sqlite_url(tmp_path)
    await asyncio.to_thread(migrate.upgrade, url, "0038")
    return url


async def _columns(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url, pool_size=0)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(sa.text(sql))).all()]
    finally:
        await engine.dispose()


async def test_members_and_applications_of_0038_have_no_language_and_downgrade_keeps_them(
    database_0038: str,
) -> None:
    engine = create_engine(database_0038, pool_size=0)
    try:
        async with engine.begin() as conn:
            keys = dict.fromkeys(
                ("rsa_private_pem", "rsa_public_pem", "ed25519_private_pem"), "unused"
            )
            inserted = await conn.execute(
                _local_actors_0038.insert().values(
                    username="coop", kind="coop", display_name="", summary="", created_at=NOW,
                    ed25519_public_multibase="z", **keys,
                ).returning(_local_actors_0038.c.id)
            )  # fmt: skip
            coop_id = inserted.scalar_one()
            await conn.execute(
                _members_0038.insert().values(
                    coop_id=coop_id, member_id="m1", actor_uri="https://coop.test/actors/bea",
                    handle="bea", member_class="member", shares=1, status="active", joined_at=NOW,
                )
            )  # fmt: skip
            await conn.execute(
                _applications_0038.insert().values(
                    coop_id=coop_id, actor_uri="https://a.example/users/ann", handle="ann",
                    requested_class="member", message="", source="fediverse", state="pending",
                    reason="", created_at=NOW,
                )
            )  # fmt: skip
    finally:
        await engine.dispose()

    await asyncio.to_thread(migrate.upgrade, database_0038, "0039")
    assert await _columns(database_0038, "SELECT member_id, language FROM members") == [
        ("m1", None)
    ]
    assert await _columns(database_0038, "SELECT handle, language FROM applications") == [
        ("ann", None)
    ]
    engine = create_engine(database_0038, pool_size=0)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("UPDATE members SET language = 'fr'"))
    finally:
        await engine.dispose()

    await asyncio.to_thread(migrate.downgrade, database_0038, "0038")
    assert await _columns(database_0038, "SELECT member_id, handle FROM members") == [("m1", "bea")]
    assert await _columns(database_0038, "SELECT handle FROM applications") == [("ann",)]
    await asyncio.to_thread(migrate.upgrade, database_0038, "head")
    assert await migrate.current_revision(database_0038) == migrate.head_revision(database_0038)
    assert await _columns(database_0038, "SELECT language FROM members") == [(None,)]
