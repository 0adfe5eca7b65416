"""observed_heads, equivocations: what allied nodes published, and where they contradicted it

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-03 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopfed.store.types

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "observed_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_uri", sa.String(length=2048), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("log_length", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("actor_uri", sa.String(length=2048), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("received_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observed_heads")),
        sa.UniqueConstraint(
            "proposal_uri", "kind", "log_length", name=op.f("uq_observed_heads_proposal_uri")
        ),
    )
    op.create_table(
        "equivocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_uri", sa.String(length=2048), nullable=False),
        sa.Column("actor_uri", sa.String(length=2048), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("log_length", sa.Integer(), nullable=False),
        sa.Column("first_value", sa.String(length=128), nullable=False),
        sa.Column("second_value", sa.String(length=128), nullable=False),
        sa.Column("first_document", sa.Text(), nullable=False),
        sa.Column("second_document", sa.Text(), nullable=False),
        sa.Column("detected_at", coopfed.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equivocations")),
        sa.UniqueConstraint(
            "proposal_uri",
            "kind",
            "log_length",
            "second_value",
            name=op.f("uq_equivocations_proposal_uri"),
        ),
    )


def downgrade() -> None:
    op.drop_table("equivocations")
    op.drop_table("observed_heads")
