"""proposals.departed: the members who had left when the result was decided, kept with it

The bundle `coopfed verify` recounts from listed the electorate members who have left as of
the request, not as of the close: with `revoke_ballot_on_leave`, a member leaving after the
decision made an honest result stop verifying. NULL for results decided before this column
(the bundle then falls back to the members who have left by now).

It sits between 0017 and 0018 although numbered later: it was written beside 0018/0019 on
another branch, and the data tests of 0018 and 0019 drive today's code (which reads this
column) against a database at the revision before theirs.

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-03 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("departed", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.drop_column("departed")
