"""governance: members, charters, proposals, ballots

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:22:53.878061
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopfed.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["local_actors.id"],
            name=op.f("fk_charters_coop_id_local_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charters")),
        sa.UniqueConstraint("coop_id", "version", name="uq_charters_coop_version"),
    )
    op.create_table(
        "member_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["local_actors.id"],
            name=op.f("fk_member_classes_coop_id_local_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_classes")),
        sa.UniqueConstraint("coop_id", "name", name="uq_member_classes_coop_name"),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("actor_uri", sa.String(length=2048), nullable=False),
        sa.Column("handle", sa.String(length=320), nullable=False),
        sa.Column("member_class", sa.String(length=64), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("joined_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("left_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["local_actors.id"],
            name=op.f("fk_members_coop_id_local_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("actor_uri", name=op.f("uq_members_actor_uri")),
        sa.UniqueConstraint("member_id", name=op.f("uq_members_member_id")),
    )
    op.create_table(
        "member_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_row_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_row_id"], ["members.id"], name=op.f("fk_member_events_member_row_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_events")),
    )
    op.create_index(
        op.f("ix_member_events_member_row_id"), "member_events", ["member_row_id"], unique=False
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=32), nullable=False),
        sa.Column("uri", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("author_member_row_id", sa.Integer(), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("opened_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closes_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_early_by", sa.String(length=2048), nullable=True),
        sa.Column("charter_id", sa.Integer(), nullable=False),
        sa.Column("charter", sa.Text(), nullable=False),
        sa.Column("electorate", sa.Text(), nullable=True),
        sa.Column("electorate_hash", sa.String(length=64), nullable=True),
        sa.Column("electorate_size", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("result_hash", sa.String(length=64), nullable=True),
        sa.Column("joint_proposal_uri", sa.String(length=2048), nullable=True),
        sa.Column("created_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_member_row_id"],
            ["members.id"],
            name=op.f("fk_proposals_author_member_row_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["charter_id"], ["charters.id"], name=op.f("fk_proposals_charter_id_charters")
        ),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["local_actors.id"],
            name=op.f("fk_proposals_coop_id_local_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("slug", name=op.f("uq_proposals_slug")),
        sa.UniqueConstraint("uri", name=op.f("uq_proposals_uri")),
    )
    op.create_index(op.f("ix_proposals_closes_at"), "proposals", ["closes_at"], unique=False)
    op.create_index(op.f("ix_proposals_state"), "proposals", ["state"], unique=False)
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_row_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("member_row_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("choice", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("invalid_reason", sa.Text(), nullable=False),
        sa.Column("cast_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("source_actor_uri", sa.String(length=2048), nullable=False),
        sa.Column("activity_id", sa.String(length=2048), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_row_id"], ["members.id"], name=op.f("fk_ballots_member_row_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_row_id"], ["proposals.id"], name=op.f("fk_ballots_proposal_row_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_ballots_activity_id")),
        sa.UniqueConstraint("proposal_row_id", "position", name="uq_ballots_proposal_position"),
    )
    op.create_index(op.f("ix_ballots_member_row_id"), "ballots", ["member_row_id"], unique=False)
    op.create_table(
        "proposal_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_row_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=2048), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_row_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_events_proposal_row_id_proposals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_events")),
    )
    op.create_index(
        op.f("ix_proposal_events_proposal_row_id"),
        "proposal_events",
        ["proposal_row_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_proposal_events_proposal_row_id"), table_name="proposal_events")
    op.drop_table("proposal_events")
    op.drop_index(op.f("ix_ballots_member_row_id"), table_name="ballots")
    op.drop_table("ballots")
    op.drop_index(op.f("ix_proposals_state"), table_name="proposals")
    op.drop_index(op.f("ix_proposals_closes_at"), table_name="proposals")
    op.drop_table("proposals")
    op.drop_index(op.f("ix_member_events_member_row_id"), table_name="member_events")
    op.drop_table("member_events")
    op.drop_table("members")
    op.drop_table("member_classes")
    op.drop_table("charters")
