"""proxy_grants: a member lets another vote for her (issue 18)

One row per grant: for one proposal, or until a date, or until revoked. Revoking sets
revoked_at and keeps the row, so proxy ballots in a log still name a grant that existed.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 13:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proxy_grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("grantor_row_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("holder_row_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("proposals.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("granted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_proxy_grants_holder", "proxy_grants", ["holder_row_id"])
    op.create_index("ix_proxy_grants_grantor", "proxy_grants", ["grantor_row_id"])


def downgrade() -> None:
    op.drop_index("ix_proxy_grants_grantor", table_name="proxy_grants")
    op.drop_index("ix_proxy_grants_holder", table_name="proxy_grants")
    op.drop_table("proxy_grants")
