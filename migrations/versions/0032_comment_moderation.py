"""comment moderation: hidden/removed comments, reports, edit history (issue 16)

proposal_comments gains who moderated a comment, when and why, when it was last edited, and
the id of the Group's Announce of it (so hiding it can send `Undo{Announce}` with that id).
comment_edits keeps every earlier text of a comment edited from the fediverse; comment_reports
holds members' reports from the site and `Flag`s received from other servers.

Revision ID: 0032
Revises: 0035
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0032"
down_revision = "0035"
branch_labels = None
depends_on = None

_NEW_COMMENT_COLUMNS = (
    ("announce_uri", sa.String(2048)),
    ("moderation_reason", sa.Text()),
    ("moderated_by", sa.String(2048)),
    ("moderated_at", UTCDateTime(timezone=True)),
    ("edited_at", UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    for name, kind in _NEW_COMMENT_COLUMNS:
        op.add_column("proposal_comments", sa.Column(name, kind, nullable=True))
    op.create_table(
        "comment_edits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "comment_id",
            sa.Integer(),
            sa.ForeignKey("proposal_comments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("content_html", sa.Text(), nullable=False),
        sa.Column("content_text", sa.Text(), nullable=False),
        sa.Column("written_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_comment_edits_comment", "comment_edits", ["comment_id", "id"])
    op.create_table(
        "comment_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "comment_id",
            sa.Integer(),
            sa.ForeignKey("proposal_comments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(64), nullable=False, unique=True),
        sa.Column("reporter_uri", sa.String(2048), nullable=False),
        sa.Column("reporter_host", sa.String(255), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("flag_uri", sa.String(2048), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(2048), nullable=True),
    )
    op.create_index("ix_comment_reports_state", "comment_reports", ["state", "created_at"])
    op.create_index("ix_comment_reports_host", "comment_reports", ["reporter_host", "state"])
    op.create_index("ix_comment_reports_comment", "comment_reports", ["comment_id"])


def downgrade() -> None:
    op.drop_index("ix_comment_reports_comment", table_name="comment_reports")
    op.drop_index("ix_comment_reports_host", table_name="comment_reports")
    op.drop_index("ix_comment_reports_state", table_name="comment_reports")
    op.drop_table("comment_reports")
    op.drop_index("ix_comment_edits_comment", table_name="comment_edits")
    op.drop_table("comment_edits")
    with op.batch_alter_table("proposal_comments") as batch:
        for name, _ in reversed(_NEW_COMMENT_COLUMNS):
            batch.drop_column(name)
