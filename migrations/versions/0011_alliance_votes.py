"""alliances.proposal_row_id: the members' vote on an alliance offer (charter alliances: vote)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite adds a foreign key only by rebuilding the table.
    with op.batch_alter_table("alliances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_row_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_alliances_proposal_row_id_proposals"),
            "proposals",
            ["proposal_row_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("alliances", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_alliances_proposal_row_id_proposals"), type_="foreignkey"
        )
        batch_op.drop_column("proposal_row_id")
