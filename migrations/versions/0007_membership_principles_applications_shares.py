"""membership: principles, applications, share movements (the share register)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 10:45:34.499224
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "membership_principles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["local_actors.id"],
            name=op.f("fk_membership_principles_coop_id_local_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_principles")),
        sa.UniqueConstraint("coop_id", "version", name="uq_membership_principles_coop_version"),
    )
    op.create_table(
        "share_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("source_member_row_id", sa.Integer(), nullable=True),
        sa.Column("target_member_row_id", sa.Integer(), nullable=True),
        sa.Column("nominal_value", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["local_actors.id"],
            name=op.f("fk_share_movements_coop_id_local_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_member_row_id"],
            ["members.id"],
            name=op.f("fk_share_movements_source_member_row_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["target_member_row_id"],
            ["members.id"],
            name=op.f("fk_share_movements_target_member_row_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_movements")),
    )
    for column in ("source_member_row_id", "target_member_row_id"):
        op.create_index(
            op.f(f"ix_share_movements_{column}"), "share_movements", [column], unique=False
        )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("actor_uri", sa.String(length=2048), nullable=False),
        sa.Column("handle", sa.String(length=320), nullable=False),
        sa.Column("requested_class", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("join_activity_id", sa.String(length=2048), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposal_row_id", sa.Integer(), nullable=True),
        sa.Column("member_row_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=2048), nullable=True),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["local_actors.id"],
            name=op.f("fk_applications_coop_id_local_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_row_id"], ["members.id"], name=op.f("fk_applications_member_row_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_row_id"],
            ["proposals.id"],
            name=op.f("fk_applications_proposal_row_id_proposals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("join_activity_id", name=op.f("uq_applications_join_activity_id")),
    )
    op.create_index(op.f("ix_applications_actor_uri"), "applications", ["actor_uri"], unique=False)
    op.create_index(op.f("ix_applications_state"), "applications", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_applications_state"), table_name="applications")
    op.drop_index(op.f("ix_applications_actor_uri"), table_name="applications")
    op.drop_table("applications")
    for column in ("source_member_row_id", "target_member_row_id"):
        op.drop_index(op.f(f"ix_share_movements_{column}"), table_name="share_movements")
    op.drop_table("share_movements")
    op.drop_table("membership_principles")
