"""account_tokens: one-time links that set a password (issue 15)

An invitation (a member added by an admin sets their first password) or a reset (a forgotten
one). Only the sha256 of the link's secret is stored, so a copy of the database opens no
account; `used_at` makes each link single use and `expires_at` bounds its life (an earlier
unused link of the same purpose is expired when a new one is issued).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("member_row_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_account_tokens_member_purpose", "account_tokens", ["member_row_id", "purpose"]
    )


def downgrade() -> None:
    op.drop_index("ix_account_tokens_member_purpose", table_name="account_tokens")
    op.drop_table("account_tokens")
