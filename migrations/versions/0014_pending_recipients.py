"""pending_recipients: addressed actors whose inbox was unknown at publish time

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopfed.store.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("actor_uri", sa.String(length=2048), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("lease_until", coopfed.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["outbox_activities.id"],
            name=op.f("fk_pending_recipients_activity_id_outbox_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_recipients")),
        sa.UniqueConstraint(
            "activity_id", "actor_uri", name="uq_pending_recipients_activity_actor"
        ),
    )
    with op.batch_alter_table("pending_recipients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pending_recipients_due", ["state", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_pending_recipients_actor_uri", ["actor_uri"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_recipients_actor_uri")
        batch_op.drop_index("ix_pending_recipients_due")
    op.drop_table("pending_recipients")
