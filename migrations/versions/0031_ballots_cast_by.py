"""ballots.cast_by: the member who cast a ballot for another by proxy (issue 18)

NULL for a member's own ballot, so every existing row (and its hashed entry) is unchanged;
a proxy ballot's row keeps the grantor in member_id and the holder here.

Revision ID: 0031
Revises: 0037
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ballots") as batch:
        batch.add_column(sa.Column("cast_by", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ballots") as batch:
        batch.drop_column("cast_by")
