"""apply_attempts: applications posted on /apply per client address (its rate limit)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopfed.store.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apply_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("attempted_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apply_attempts")),
    )
    with op.batch_alter_table("apply_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_apply_attempts_address_attempted_at", ["address", "attempted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("apply_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_apply_attempts_address_attempted_at")
    op.drop_table("apply_attempts")
