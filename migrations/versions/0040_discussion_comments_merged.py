"""discussion comments move into proposal_comments: one comment model for every thread

Issue 16. Discussions (0033) kept their comments in a copy of proposal_comments, so they had
none of the moderation 0032 gave proposal comments (edit history, reports, hiding). Now
proposal_comments holds both threads' comments: `discussion_id` is added, `proposal_id` may be
NULL, and exactly one of them is set (ck_proposal_comments_one_thread). Every row of
discussion_comments is copied over (its row id changes: nothing refers to it), then the table
is dropped. Two rows with the same dedupe key (the same author's same Note id in both tables)
cannot happen through the services; if they are there, the upgrade stops and changes nothing.

Downgrade copies discussion comments back (their state too) and drops the column; the edit
history and reports of discussion comments, which 0033's schema cannot hold, are dropped.

SQLite: changing a column's nullability rebuilds proposal_comments, and with foreign keys on
dropping the old table cascades into comment_edits and comment_reports; their rows are kept
aside and put back with the same ids.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-04 21:20:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

_SHARED = (
    "public_id, uri, dedupe_key, author_uri, member_row_id, source, in_reply_to, "
    "content_html, content_text, state, published_at, created_at"
)
_CHECK = "ck_proposal_comments_one_thread"
_ONE_THREAD = "(proposal_id IS NULL) <> (discussion_id IS NULL)"
_FK = "fk_proposal_comments_discussion_id_discussions"
_KEPT = ("comment_edits", "comment_reports")  # what the SQLite rebuild would cascade away


def _set_aside() -> dict[str, list[dict[str, Any]]]:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return {}
    return {
        name: [dict(row) for row in bind.execute(sa.text(f"SELECT * FROM {name}")).mappings()]
        for name in _KEPT
    }


def _put_back(kept: dict[str, list[dict[str, Any]]]) -> None:
    bind = op.get_bind()
    for name, rows in kept.items():
        table = sa.table(name, *(sa.column(c) for c in (rows[0] if rows else {})))
        bind.execute(sa.text(f"DELETE FROM {name}"))
        if rows:
            bind.execute(table.insert(), rows)


def _refuse_collisions() -> None:
    clash = op.get_bind().execute(
        sa.text(
            "SELECT count(*) FROM discussion_comments d "
            "JOIN proposal_comments p ON p.dedupe_key = d.dedupe_key"
        )
    )
    count = clash.scalar_one()
    if count:
        raise RuntimeError(
            f"{count} discussion comment(s) share a dedupe key with a proposal comment: "
            "nothing was changed; remove the duplicates from discussion_comments first"
        )


def upgrade() -> None:
    _refuse_collisions()
    kept = _set_aside()
    with op.batch_alter_table("proposal_comments") as batch:
        batch.add_column(sa.Column("discussion_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f(_FK),
            "discussions",
            ["discussion_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.alter_column("proposal_id", existing_type=sa.Integer(), nullable=True)
        batch.create_check_constraint(op.f(_CHECK), _ONE_THREAD)
    _put_back(kept)
    op.create_index(
        "ix_proposal_comments_discussion", "proposal_comments", ["discussion_id", "published_at"]
    )
    op.execute(
        f"INSERT INTO proposal_comments (discussion_id, {_SHARED}) "
        f"SELECT discussion_id, {_SHARED} FROM discussion_comments ORDER BY id"
    )
    op.drop_index("ix_discussion_comments_discussion", table_name="discussion_comments")
    op.drop_table("discussion_comments")


def downgrade() -> None:
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
    op.execute(
        f"INSERT INTO discussion_comments (discussion_id, {_SHARED}) "
        f"SELECT discussion_id, {_SHARED} FROM proposal_comments "
        "WHERE discussion_id IS NOT NULL ORDER BY id"
    )
    moved = "SELECT id FROM proposal_comments WHERE discussion_id IS NOT NULL"
    for name in _KEPT:
        op.execute(f"DELETE FROM {name} WHERE comment_id IN ({moved})")
    op.execute("DELETE FROM proposal_comments WHERE discussion_id IS NOT NULL")
    op.drop_index("ix_proposal_comments_discussion", table_name="proposal_comments")
    kept = _set_aside()
    with op.batch_alter_table("proposal_comments") as batch:
        batch.drop_constraint(op.f(_CHECK), type_="check")
        batch.drop_constraint(op.f(_FK), type_="foreignkey")
        batch.drop_column("discussion_id")
        batch.alter_column("proposal_id", existing_type=sa.Integer(), nullable=False)
    _put_back(kept)
