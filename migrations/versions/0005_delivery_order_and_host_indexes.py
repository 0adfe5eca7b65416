"""delivery: indexes for per-inbox ordering and per-host updates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 12:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The lease query skips a row while an older pending row to the same inbox waits.
    op.create_index("ix_deliveries_inbox_id", "deliveries", ["inbox", "id"], unique=False)
    # Un-parking and health resets work per host.
    op.create_index("ix_deliveries_host_state", "deliveries", ["host", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deliveries_host_state", table_name="deliveries")
    op.drop_index("ix_deliveries_inbox_id", table_name="deliveries")
