"""linked fediverse actors of members, one-time link codes, wrong-code counts

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 13:14:47.794774
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linked_actors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_row_id", sa.Integer(), nullable=False),
        sa.Column("actor_uri", sa.String(length=2048), nullable=False),
        sa.Column("linked_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_row_id"], ["members.id"], name=op.f("fk_linked_actors_member_row_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_actors")),
        sa.UniqueConstraint("actor_uri", name=op.f("uq_linked_actors_actor_uri")),
    )
    op.create_index(
        op.f("ix_linked_actors_member_row_id"), "linked_actors", ["member_row_id"], unique=False
    )
    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_row_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_row_id"], ["members.id"], name=op.f("fk_link_codes_member_row_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_link_codes_code_hash")),
    )
    op.create_index(
        op.f("ix_link_codes_member_row_id"), "link_codes", ["member_row_id"], unique=False
    )
    op.create_table(
        "link_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_failures")),
    )
    op.create_index(
        "ix_link_failures_key_failed_at", "link_failures", ["key", "failed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_link_failures_key_failed_at", table_name="link_failures")
    op.drop_table("link_failures")
    op.drop_index(op.f("ix_link_codes_member_row_id"), table_name="link_codes")
    op.drop_table("link_codes")
    op.drop_index(op.f("ix_linked_actors_member_row_id"), table_name="linked_actors")
    op.drop_table("linked_actors")
