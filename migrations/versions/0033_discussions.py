"""discussions, discussion_comments, proposal_outcomes (issue 16)

A discussion is a thread that is not yet a vote: a member opens it (title and text), members
and fediverse replies comment on it, and an admin may turn it into a draft proposal
(`proposal_id`, set once). Its comments live in their own table, shaped like
proposal_comments (deduplicated per author the same way). An outcome statement is what the
proposer or an admin writes once a proposal is decided: one per proposal.

Revision ID: 0033
Revises: 0030
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0033"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discussions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "coop_id",
            sa.Integer(),
            sa.ForeignKey("local_actors.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column("uri", sa.String(2048), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("author_uri", sa.String(2048), nullable=False),
        sa.Column("member_row_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=True),
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("proposals.id", ondelete="SET NULL"),
            nullable=True,
            unique=True,
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_discussions_coop_created", "discussions", ["coop_id", "created_at"])
    op.create_table(
        "discussion_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "discussion_id",
            sa.Integer(),
            sa.ForeignKey("discussions.id", ondelete="CASCADE"),
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
        "ix_discussion_comments_discussion",
        "discussion_comments",
        ["discussion_id", "published_at"],
    )
    op.create_table(
        "proposal_outcomes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("proposals.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("uri", sa.String(2048), nullable=False, unique=True),
        sa.Column("author_uri", sa.String(2048), nullable=False),
        sa.Column("content_text", sa.Text(), nullable=False),
        sa.Column("content_html", sa.Text(), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("proposal_outcomes")
    op.drop_index("ix_discussion_comments_discussion", table_name="discussion_comments")
    op.drop_table("discussion_comments")
    op.drop_index("ix_discussions_coop_created", table_name="discussions")
    op.drop_table("discussions")
