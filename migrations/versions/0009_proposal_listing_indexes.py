"""proposals: indexes for the proposal list (open by closing time, past newest first)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 13:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Open proposals, soonest closing first: an equality on state, then the index order.
    op.create_index(
        "ix_proposals_coop_state_closes_at",
        "proposals",
        ["coop_id", "state", "closes_at"],
        unique=False,
    )
    # Past decisions, most recently closed first: read backwards, stop after one page.
    op.create_index(
        "ix_proposals_coop_closed_at", "proposals", ["coop_id", "closed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_proposals_coop_closed_at", table_name="proposals")
    op.drop_index("ix_proposals_coop_state_closes_at", table_name="proposals")
