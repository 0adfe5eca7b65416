"""inbox dedupe, tombstones and ballot activity ids per (actor, id); inbox_items.created_id

Issue 13, hole 2: ids under no actor (`/notes/x`, `/<uuid>`) are guessable, so keying them
alone let an account on a member's server pre-empt or tombstone that member's ids.

Existing rows keep working: every inbox item and ballot already has its actor; each tombstone
goes to the sender of the first Delete of it the inbox holds (the one that made it), or, when
no such item is left, to the object itself (an actor that deleted itself). `created_id` is filled
from the stored bodies of Creates. Downgrading keeps the first row of ids that several actors
now share (later inbox duplicates and tombstones dropped; later ballots keep their entry but
lose the activity id, which no hash covers).

Revision ID: 0018
Revises: 0022
Create Date: 2026-12-03 23:30:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0022"
branch_labels = None
depends_on = None

_inbox = sa.table(
    "inbox_items",
    sa.column("id", sa.Integer()),
    sa.column("activity_id", sa.String()),
    sa.column("actor_uri", sa.String()),
    sa.column("body", sa.Text()),
    sa.column("created_id", sa.String()),
)
_tombstones = sa.table(
    "tombstones",
    sa.column("id", sa.Integer()),
    sa.column("actor_uri", sa.String()),
    sa.column("object_uri", sa.String()),
)
_ballots = sa.table(
    "ballots",
    sa.column("id", sa.Integer()),
    sa.column("activity_id", sa.String()),
)


def _id_of(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict):
        inner = value.get("id")
        return inner if isinstance(inner, str) and inner else None
    return None


def _activity(body: str) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _backfill(conn: sa.Connection) -> None:
    first_deleter: dict[str, str] = {}
    rows = conn.execute(
        sa.select(_inbox.c.id, _inbox.c.actor_uri, _inbox.c.body)
        .where(_inbox.c.body.like('%"Create"%') | _inbox.c.body.like('%"Delete"%'))
        .order_by(_inbox.c.id)
    )
    for row_id, actor_uri, body in rows.all():
        activity = _activity(body)
        object_id = _id_of(activity.get("object"))
        if object_id is None:
            continue
        if activity.get("type") == "Create":
            conn.execute(
                sa.update(_inbox).where(_inbox.c.id == row_id).values(created_id=object_id[:2048])
            )
        elif activity.get("type") == "Delete":
            first_deleter.setdefault(object_id, actor_uri)
    for row_id, object_uri in conn.execute(
        sa.select(_tombstones.c.id, _tombstones.c.object_uri)
    ).all():
        owner = first_deleter.get(object_uri, object_uri)
        conn.execute(
            sa.update(_tombstones).where(_tombstones.c.id == row_id).values(actor_uri=owner)
        )


def upgrade() -> None:
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_id", sa.String(length=2048), nullable=True))
        batch_op.drop_constraint("uq_inbox_items_activity_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_inbox_items_actor_activity", ["actor_uri", "activity_id"]
        )
        batch_op.create_index("ix_inbox_items_activity_id", ["activity_id"], unique=False)
        batch_op.create_index(
            "ix_inbox_items_actor_created", ["actor_uri", "created_id"], unique=False
        )
    with op.batch_alter_table("tombstones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_uri", sa.String(length=2048), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table("tombstones", schema=None) as batch_op:
        batch_op.alter_column("actor_uri", existing_type=sa.String(length=2048), nullable=False)
        batch_op.drop_constraint("uq_tombstones_object_uri", type_="unique")
        batch_op.create_unique_constraint("uq_tombstones_actor_object", ["actor_uri", "object_uri"])
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ballots_activity_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_ballots_source_activity", ["source_actor_uri", "activity_id"]
        )


def _later_duplicates(conn: sa.Connection, table: sa.TableClause, column: str) -> list[int]:
    """Ids of the rows whose `column` an earlier row (lower id) already has."""
    seen: set[str] = set()
    later: list[int] = []
    rows = conn.execute(
        sa.select(table.c.id, table.c[column])
        .where(table.c[column].is_not(None))
        .order_by(table.c.id)
    )
    for row_id, value in rows.all():
        if value in seen:
            later.append(row_id)
        seen.add(value)
    return later


def downgrade() -> None:
    conn = op.get_bind()
    later_ballots = _later_duplicates(conn, _ballots, "activity_id")
    if later_ballots:
        conn.execute(
            sa.update(_ballots).where(_ballots.c.id.in_(later_ballots)).values(activity_id=None)
        )
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ballots_source_activity", type_="unique")
        batch_op.create_unique_constraint("uq_ballots_activity_id", ["activity_id"])
    later_tombstones = _later_duplicates(conn, _tombstones, "object_uri")
    if later_tombstones:
        conn.execute(sa.delete(_tombstones).where(_tombstones.c.id.in_(later_tombstones)))
    with op.batch_alter_table("tombstones", schema=None) as batch_op:
        batch_op.drop_constraint("uq_tombstones_actor_object", type_="unique")
        batch_op.create_unique_constraint("uq_tombstones_object_uri", ["object_uri"])
        batch_op.drop_column("actor_uri")
    later_items = _later_duplicates(conn, _inbox, "activity_id")
    if later_items:
        conn.execute(sa.delete(_inbox).where(_inbox.c.id.in_(later_items)))
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_items_actor_created")
        batch_op.drop_index("ix_inbox_items_activity_id")
        batch_op.drop_constraint("uq_inbox_items_actor_activity", type_="unique")
        batch_op.create_unique_constraint("uq_inbox_items_activity_id", ["activity_id"])
        batch_op.drop_column("created_id")
