"""The inbox queue: verified activities committed before the 202, leased by the worker.

`insert_item` is the inbox's hot path on PostgreSQL (one statement per accepted POST); on
SQLite the pipeline goes through `coopfed.store.inbox_writer` (raw driver, group commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from coopfed.store.tables import inbox_items, tombstones


class InsertResult(StrEnum):
    """Ids are keyed per sender: another actor's use of the same id is another item."""

    stored = "stored"
    duplicate = "duplicate"  # same actor and id, same body: a retry, nothing to do
    conflict = "conflict"  # same actor and id, different body: refused
    tombstoned = "tombstoned"  # its sender deleted its object: nothing stored


@dataclass(frozen=True)
class NewInboxItem:
    activity_id: str
    body_sha256: str
    body: str
    actor_uri: str
    recipient: str | None
    created_id: str | None = None  # the object id of a Create (what its sender may Delete)


@dataclass(frozen=True)
class InboxItem:
    id: int
    activity_id: str
    body: str
    actor_uri: str
    recipient: str | None
    state: str
    attempts: int
    received_at: datetime
    last_error: str | None
    outcome: str | None
    # The lease this worker holds (None when not leased): its token. A later lease of the item
    # (after this one expired) ends later, so a mark conditional on it fails for the old holder.
    lease_until: datetime | None = None


@dataclass(frozen=True)
class Finished:
    """An item's done mark: done | ignored, with why (for operators)."""

    item_id: int
    state: str
    outcome: str | None = None


_ITEM_FIELDS = tuple(InboxItem.__dataclass_fields__)


def _item(row: RowMapping) -> InboxItem:
    return InboxItem(**{name: row[name] for name in _ITEM_FIELDS})


_INSERTED = (
    "activity_id",
    "body_sha256",
    "body",
    "actor_uri",
    "recipient",
    "created_id",
    "received_at",
    "state",
    "attempts",
    "next_attempt_at",
)


_Insert = postgresql.Insert | sqlite.Insert
_KEY = ["actor_uri", "activity_id"]


def _inserts(dialect: str) -> tuple[_Insert, _Insert]:
    """The hot path's two INSERTs, built once per dialect: plain, and guarded by the tombstone
    check. Rebuilding them per POST (values, literals, the EXISTS) and then computing their
    cache keys was a sixth of the PostgreSQL inbox's CPU."""
    built = _BUILT.get(dialect)
    if built is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        params = {name: bindparam(name, type_=inbox_items.c[name].type) for name in _INSERTED}
        tombstone = _tombstone_query(params["actor_uri"], bindparam("tombstone_of", type_=String))
        row = select(*(param.label(name) for name, param in params.items()))
        plain = insert(inbox_items).values(params).on_conflict_do_nothing(index_elements=_KEY)
        guarded = insert(inbox_items).from_select(list(params), row.where(~exists(tombstone)))
        built = _BUILT[dialect] = (plain, guarded.on_conflict_do_nothing(index_elements=_KEY))
    return built


_BUILT: dict[str, tuple[_Insert, _Insert]] = {}


async def insert_item(
    engine: AsyncEngine, item: NewInboxItem, *, now: datetime, tombstone_of: str | None = None
) -> InsertResult:
    """Commit one item; an id its actor sent before is compared by body hash.

    With `tombstone_of`, nothing is stored if the item's actor deleted that object. One
    statement, committed on its own (autocommit): the tombstone check is inside the INSERT, so
    a stored item costs one round trip, not five (BEGIN, the check, INSERT, COMMIT). SQLite
    nodes use `inbox_writer` instead, which groups commits.
    """
    params: dict[str, object] = {
        "activity_id": item.activity_id,
        "body_sha256": item.body_sha256,
        "body": item.body,
        "actor_uri": item.actor_uri,
        "recipient": item.recipient,
        "created_id": item.created_id,
        "received_at": now,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
    }
    plain, guarded = _inserts(engine.dialect.name)
    if tombstone_of is not None:
        params["tombstone_of"] = tombstone_of
    async with engine.connect() as conn:
        # On the connection, not `engine.execution_options` (a new engine per call, 9% of this).
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        statement = plain if tombstone_of is None else guarded
        if (await conn.execute(statement, params)).rowcount == 1:
            return InsertResult.stored
        # Not stored: tombstoned, or the same id again (both rare; a read each).
        if tombstone_of is not None and await _tombstoned(conn, item.actor_uri, tombstone_of):
            return InsertResult.tombstoned
        query = select(inbox_items.c.body_sha256).where(
            inbox_items.c.actor_uri == item.actor_uri,
            inbox_items.c.activity_id == item.activity_id,
        )
        known = (await conn.execute(query)).scalar_one()
    return InsertResult.duplicate if known == item.body_sha256 else InsertResult.conflict


def _tombstone(actor_uri: str, object_uri: str) -> Select[tuple[int]]:
    return _tombstone_query(actor_uri, object_uri)


def _tombstone_query(actor_uri: Any, object_uri: Any) -> Select[tuple[int]]:
    return select(tombstones.c.id).where(
        tombstones.c.actor_uri == actor_uri, tombstones.c.object_uri == object_uri
    )


async def _tombstoned(conn: AsyncConnection, actor_uri: str, object_uri: str) -> bool:
    return (await conn.execute(_tombstone(actor_uri, object_uri))).first() is not None


async def is_tombstoned(engine: AsyncEngine, actor_uri: str, object_uri: str) -> bool:
    """Whether `actor_uri` deleted `object_uri` (another actor's Delete of it does not count)."""
    async with engine.connect() as conn:
        return await _tombstoned(conn, actor_uri, object_uri)


async def add_tombstone(
    conn: AsyncConnection, actor_uri: str, object_uri: str, *, now: datetime
) -> None:
    """`actor_uri` deleted `object_uri` (whether it may is `federation.authority.may_delete`)."""
    if (await conn.execute(_tombstone(actor_uri, object_uri))).first() is None:
        await conn.execute(
            tombstones.insert().values(actor_uri=actor_uri, object_uri=object_uri, deleted_at=now)
        )


async def sent_before(conn: AsyncConnection, actor_uri: str, iri: str) -> bool:
    """Whether the inbox holds an activity of `actor_uri` with id `iri`, or a Create of it."""
    query = select(inbox_items.c.id).where(
        inbox_items.c.actor_uri == actor_uri,
        or_(inbox_items.c.activity_id == iri, inbox_items.c.created_id == iri),
    )
    return (await conn.execute(query.limit(1))).first() is not None


async def lease_due(
    conn: AsyncConnection, *, now: datetime, limit: int, lease: timedelta
) -> list[InboxItem]:
    """Claim up to `limit` due items for `lease`; counts the attempt. Commit to publish the claim.

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint rows. SQLite has one
    writer at a time; the conditional UPDATE still refuses a row another worker claimed.
    """
    due = and_(
        inbox_items.c.state == "pending",
        inbox_items.c.next_attempt_at <= now,
        or_(inbox_items.c.lease_until.is_(None), inbox_items.c.lease_until < now),
    )
    query = select(inbox_items.c.id).where(due).order_by(inbox_items.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list((await conn.execute(query)).scalars())
    if not ids:
        return []
    claimed = await conn.execute(
        update(inbox_items)
        .where(inbox_items.c.id.in_(ids), due)
        .values(lease_until=now + lease, attempts=inbox_items.c.attempts + 1)
        .returning(*inbox_items.c)
    )
    return sorted((_item(row) for row in claimed.mappings()), key=lambda item: item.id)


def _held(item_ids: Sequence[int], lease_until: datetime | None) -> ColumnElement[bool]:
    """Still pending and still under the lease `lease_until` names: not re-leased by another
    worker after that lease expired (a new lease ends later, so the token differs)."""
    ours = and_(inbox_items.c.id.in_(item_ids), inbox_items.c.state == "pending")
    return and_(ours, _lease_is(lease_until))


def _lease_is(lease_until: datetime | None) -> ColumnElement[bool]:
    column = inbox_items.c.lease_until
    return column.is_(None) if lease_until is None else column == lease_until


async def release(
    conn: AsyncConnection, item_ids: list[int], *, lease_until: datetime | None
) -> None:
    """Hand leased items back unprocessed: due again at once, the leasing not counted."""
    if item_ids:
        await conn.execute(
            update(inbox_items)
            .where(_held(item_ids, lease_until))
            .values(lease_until=None, attempts=inbox_items.c.attempts - 1)
        )


async def finish(
    conn: AsyncConnection, marks: Sequence[Finished], *, lease_until: datetime | None
) -> bool:
    """Mark items done in one statement, only while still under the lease `lease_until`.

    False when any of them is no longer ours (the lease expired and another worker leased it
    again): the caller must roll back, its effects with the marks, so no item is applied twice.
    """
    if not marks:
        return True
    if conn.dialect.name == "sqlite":
        # One statement run per mark (one round trip, compiled once): building a CASE over
        # 200 ids cost more CPU than the items' handlers. SQLite's rowcount sums the runs.
        rows = [
            {"mark_id": m.item_id, "mark_state": m.state, "mark_outcome": m.outcome} for m in marks
        ]
        done = await conn.execute(_FINISH_ONE.where(_lease_is(lease_until)), rows)
        return done.rowcount == len(marks)
    ids = [mark.item_id for mark in marks]
    if len(marks) == 1:
        state: object = marks[0].state
        outcome: object = marks[0].outcome
    else:  # asyncpg reports no rowcount for executemany: one UPDATE, a CASE by id
        state = case({m.item_id: m.state for m in marks}, value=inbox_items.c.id)
        outcome = case({m.item_id: m.outcome for m in marks}, value=inbox_items.c.id)
    done = await conn.execute(
        update(inbox_items)
        .where(_held(ids, lease_until))
        .values(state=state, outcome=outcome, lease_until=None)
    )
    return done.rowcount == len(marks)


_FINISH_ONE = (
    update(inbox_items)
    .where(inbox_items.c.id == bindparam("mark_id"), inbox_items.c.state == "pending")
    .values(state=bindparam("mark_state"), outcome=bindparam("mark_outcome"), lease_until=None)
)


async def fail(
    conn: AsyncConnection,
    item_id: int,
    *,
    error: str,
    retry_at: datetime | None,
    lease_until: datetime | None,
) -> None:
    """Retry at `retry_at`, or quarantine (None) with the error kept; nothing when the item is
    no longer under the lease `lease_until` (another worker has it now)."""
    values: dict[str, object] = {"last_error": error[:4000], "lease_until": None}
    if retry_at is None:
        values["state"] = "quarantined"
    else:
        values["next_attempt_at"] = retry_at
    await conn.execute(update(inbox_items).where(_held([item_id], lease_until)).values(**values))


async def get_item(conn: AsyncConnection, actor_uri: str, activity_id: str) -> InboxItem | None:
    query = select(inbox_items).where(
        inbox_items.c.actor_uri == actor_uri, inbox_items.c.activity_id == activity_id
    )
    row = (await conn.execute(query)).mappings().first()
    return _item(row) if row else None
