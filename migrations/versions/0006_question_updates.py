"""proposals: coalesced Update(Question) schedule per proposal

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_updates",
        sa.Column("proposal_row_id", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_published_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_row_id"],
            ["proposals.id"],
            name=op.f("fk_question_updates_proposal_row_id_proposals"),
        ),
        sa.PrimaryKeyConstraint("proposal_row_id", name=op.f("pk_question_updates")),
    )
    op.create_index(
        op.f("ix_question_updates_due_at"), "question_updates", ["due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_question_updates_due_at"), table_name="question_updates")
    op.drop_table("question_updates")
