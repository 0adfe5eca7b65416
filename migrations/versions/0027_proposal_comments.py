"""proposal_comments: a proposal's discussion, from the site and from the fediverse

Issue 16. One thread per proposal: comments written on the site (source `site`, with a
public_id for their IRI) and replies from fediverse accounts (source `fediverse`). Replies are
deduplicated per author (`dedupe_key` = sha256 of author and id), as inbox items are since
0018.

Revision ID: 0027
Revises: 0019
Create Date: 2026-12-04 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0027"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposal_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("proposals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("public_id", sa.String(32), nullable=True, unique=True),
        sa.Column("uri", sa.String(2048), nullable=False),
        sa.Column("dedupe_key", sa.String(64), nullable=False, unique=True),
        sa.Column("author_uri", sa.String(2048), nullable=False),
        sa.Column("member_row_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("in_reply_to", sa.String(2048), nullable=False),
        sa.Column("content_html", sa.Text(), nullable=False),
        sa.Column("content_text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_proposal_comments_proposal", "proposal_comments", ["proposal_id", "published_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_proposal_comments_proposal", table_name="proposal_comments")
    op.drop_table("proposal_comments")
