"""Migration 0018 (issue 13, hole 2): rows stored under 0017 keep working once ids are keyed
per actor, and the downgrade back to 0017 works on the same data (both databases)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from coopfed.node import Node
from coopfed.services import votes
from coopfed.services.setup import create_node_actors
from coopfed.services.votes import VoteStatus
from coopfed.store import ballots as ballot_store
from coopfed.store import inbox as inbox_store
from coopfed.store import migrate
from coopfed.store.db import create_engine
from coopfed.store.types import UTCDateTime
from tests.conftest import make_settings
from tests.support.databases import PostgresDatabases, sqlite_url
from tests.support.governance import add_locals, open_yes_no

ALICE = "https://social.example/users/alice"
MALLORY = "https://social.example/users/mallory"
NOTE = "https://social.example/notes/9a1"  # an id under no actor (Misskey)
VOTE_ACTIVITY = "https://social.example/notes/9v1/activity"
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)

# The revision before 0018 (0022 sits between 0017 and 0018: see its docstring); the inbox
# and tombstone tables there are as 0017 made them.
BEFORE = "0022"

# The two tables as 0017 had them (the code's tables already have 0018's columns).
_old = sa.MetaData()
_inbox_0017 = sa.Table(
    "inbox_items",
    _old,
    *(sa.Column(name, sa.String()) for name in ("activity_id", "body_sha256", "body")),
    *(sa.Column(name, sa.String()) for name in ("actor_uri", "state")),
    sa.Column("attempts", sa.Integer()),
    sa.Column("received_at", UTCDateTime()),
    sa.Column("next_attempt_at", UTCDateTime()),
)
_tombstones_0017 = sa.Table(
    "tombstones",
    _old,
    sa.Column("object_uri", sa.String()),
    sa.Column("deleted_at", UTCDateTime()),
)


@pytest.fixture
async def database(backend: str, tmp_path: Path, postgres_databases: PostgresDatabases) -> str:
    """An empty database at head (the test casts its vote with today's code, then goes back)."""
    if backend == "postgres":
        url = await postgres_databases.fresh(migrated=False)
    else:
        url = sqlite_url(tmp_path)
    await asyncio.to_thread(migrate.upgrade, url, "head")
    return url


def _item(item_id: int, actor: str, activity: dict[str, object]) -> dict[str, object]:
    return {
        "activity_id": activity["id"],
        "body_sha256": f"sha{item_id}",
        "body": json.dumps(activity),
        "actor_uri": actor,
        "received_at": NOW,
        "state": "done",
        "attempts": 1,
        "next_attempt_at": NOW,
    }


async def _old_rows(engine: AsyncEngine) -> None:
    """What 0017 held: Alice's Create and Delete of a note, the tombstone her Delete made."""
    create = {"id": f"{NOTE}/activity", "type": "Create", "actor": ALICE, "object": {"id": NOTE}}
    delete = {"id": f"{ALICE}#delete/1", "type": "Delete", "actor": ALICE, "object": NOTE}
    gone = {"id": f"{MALLORY}#delete/2", "type": "Delete", "actor": MALLORY, "object": MALLORY}
    async with engine.begin() as conn:
        for row in (_item(1, ALICE, create), _item(2, ALICE, delete), _item(3, MALLORY, gone)):
            await conn.execute(_inbox_0017.insert().values(**row))
        for object_uri in (NOTE, MALLORY):
            await conn.execute(
                _tombstones_0017.insert().values(object_uri=object_uri, deleted_at=NOW)
            )


async def _cast_first_vote(url: str, tmp_path: Path) -> tuple[str, str, str]:
    """At head: a co-op, Alice, a yes/no proposal and her counted vote.

    Returns the proposal's slug, Alice's actor and her receipt."""
    node = Node.from_settings(make_settings(url, tmp_path))
    try:
        async with node.engine.begin() as conn:
            await create_node_actors(
                conn, handle="testcoop", name="Test", summary="For tests.", now=node.now()
            )
        (alice,) = await add_locals(node, "alice")
        record = await open_yes_no(node)
        first = await votes.cast_vote(
            node, record.slug, alice.actor_uri, "yes", activity_id=VOTE_ACTIVITY
        )
        assert first.status is VoteStatus.COUNTED
        assert first.receipt is not None
        return record.slug, alice.actor_uri, first.receipt
    finally:
        await node.close()


async def test_rows_of_0017_keep_working_and_the_downgrade_works(
    database: str, tmp_path: Path
) -> None:
    # Today's services need today's tables (a vote publishes the Question, which lists its
    # comments since 0027), so the vote is cast at head and the database then taken back to
    # the revision before 0018, where the rows 0017 wrote are added as 0017 shaped them.
    slug, alice_uri, receipt = await _cast_first_vote(database, tmp_path)
    await asyncio.to_thread(migrate.downgrade, database, BEFORE)
    engine = create_engine(database, pool_size=0)
    try:
        await _old_rows(engine)
    finally:
        await engine.dispose()

    await asyncio.to_thread(migrate.upgrade, database, "0018")
    # The inbox tables are as 0018 left them (nothing after 0018 changes them), so the store
    # reads them here, at 0018 itself; the ballots table gains a column in 0031, so its rows
    # are read with plain SQL here and through the store at head below.
    engine = create_engine(database, pool_size=0)
    try:
        # The tombstones went to the senders of the Deletes that made them.
        assert await inbox_store.is_tombstoned(engine, ALICE, NOTE)
        assert not await inbox_store.is_tombstoned(engine, MALLORY, NOTE)
        assert await inbox_store.is_tombstoned(engine, MALLORY, MALLORY)
        async with engine.connect() as conn:
            # created_id was filled from the stored Create: Alice sent the note before.
            assert await inbox_store.sent_before(conn, ALICE, NOTE)
            assert not await inbox_store.sent_before(conn, MALLORY, NOTE)
            keyed = sa.text(
                "SELECT source_actor_uri, entry_hash FROM ballots WHERE activity_id = :a"
            )
            kept = (await conn.execute(keyed, {"a": VOTE_ACTIVITY})).all()
            assert [tuple(row) for row in kept] == [(alice_uri, receipt)]
    finally:
        await engine.dispose()

    await asyncio.to_thread(migrate.upgrade, database, "head")
    node = Node.from_settings(make_settings(database, tmp_path))
    try:
        engine = node.engine
        async with engine.connect() as conn:
            found = await ballot_store.find_by_activity(conn, alice_uri, VOTE_ACTIVITY)
            assert found is not None and found.entry.entry_hash == receipt
            assert await ballot_store.find_by_activity(conn, MALLORY, VOTE_ACTIVITY) is None
        # Alice's old retry is still a retry: one ballot, and her old inbox item a duplicate.
        again = await votes.cast_vote(node, slug, alice_uri, "no", activity_id=VOTE_ACTIVITY)
        assert again.status is VoteStatus.DUPLICATE
        retry = inbox_store.NewInboxItem(f"{NOTE}/activity", "sha1", "{}", ALICE, None)
        now = node.now()
        assert await inbox_store.insert_item(engine, retry, now=now) is (
            inbox_store.InsertResult.duplicate
        )
        # Mallory's use of that id is now hers (the attack the migration closes).
        theirs = inbox_store.NewInboxItem(f"{NOTE}/activity", "shaM", "{}", MALLORY, None)
        assert await inbox_store.insert_item(engine, theirs, now=now) is (
            inbox_store.InsertResult.stored
        )
        async with engine.connect() as conn:
            count = sa.text("SELECT count(*) FROM ballots")
            assert (await conn.execute(count)).scalar_one() == 1
    finally:
        await node.close()

    await asyncio.to_thread(migrate.downgrade, database, BEFORE)
    assert await migrate.current_revision(database) == BEFORE
    engine = create_engine(database, pool_size=0)
    try:
        async with engine.connect() as conn:
            items = sa.text("SELECT actor_uri, activity_id FROM inbox_items ORDER BY id")
            rows = [tuple(row) for row in (await conn.execute(items)).all()]
            # The later of two items sharing an id is dropped; the rest is as it was.
            assert rows == [
                (ALICE, f"{NOTE}/activity"),
                (ALICE, f"{ALICE}#delete/1"),
                (MALLORY, f"{MALLORY}#delete/2"),
            ]
            tombs = sa.text("SELECT object_uri FROM tombstones ORDER BY object_uri")
            assert list((await conn.execute(tombs)).scalars()) == sorted([NOTE, MALLORY])
            ballots = sa.text("SELECT activity_id FROM ballots")
            assert list((await conn.execute(ballots)).scalars()) == [VOTE_ACTIVITY]
    finally:
        await engine.dispose()
    await asyncio.to_thread(migrate.upgrade, database, "head")
    assert await migrate.current_revision(database) == migrate.head_revision(database)
