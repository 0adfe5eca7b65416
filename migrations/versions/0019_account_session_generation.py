"""accounts.session_generation: signed into session cookies, raised to end every session

Issue 13, hole 6: sessions are stateless cookies, so signing out only deleted this browser's
copy. Existing accounts start at 0, which signs cookies as before (their sessions stay valid).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 23:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
