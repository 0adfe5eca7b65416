"""assemblies, assembly_items, assembly_attendance: general assemblies (issue 18)

An assembly groups proposals under an agenda (assembly_items, in order), has a date and a
place or a video link, its own quorum of attending-or-represented members, and the members
an admin recorded as attending (assembly_attendance). New tables only: nothing to convert.

Revision ID: 0037
Revises: 0032
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0037"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assemblies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "coop_id",
            sa.Integer(),
            sa.ForeignKey("local_actors.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("slug", sa.String(32), nullable=False),
        sa.Column("uri", sa.String(2048), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(500), nullable=True),
        sa.Column("link", sa.String(2048), nullable=True),
        sa.Column("quorum", sa.String(32), nullable=True),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("slug", name=op.f("uq_assemblies_slug")),
        sa.UniqueConstraint("uri", name=op.f("uq_assemblies_uri")),
    )
    op.create_index(op.f("ix_assemblies_starts_at"), "assemblies", ["starts_at"])
    op.create_table(
        "assembly_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "assembly_id",
            sa.Integer(),
            sa.ForeignKey("assemblies.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("proposals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("assembly_id", "proposal_id", name="uq_assembly_items_proposal"),
        sa.UniqueConstraint("assembly_id", "position", name="uq_assembly_items_position"),
    )
    op.create_table(
        "assembly_attendance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "assembly_id",
            sa.Integer(),
            sa.ForeignKey("assemblies.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("member_row_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("assembly_id", "member_row_id", name="uq_assembly_attendance_member"),
    )


def downgrade() -> None:
    op.drop_table("assembly_attendance")
    op.drop_table("assembly_items")
    op.drop_index(op.f("ix_assemblies_starts_at"), table_name="assemblies")
    op.drop_table("assemblies")
