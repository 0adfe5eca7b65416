"""members.email and applications.email: where the co-op writes to a person

Issue 15: invitations, password resets and notifications need an address for members who are
not on the fediverse, and a web applicant must be told the outcome. Both columns are nullable:
existing members and applications have none, and a fediverse-only member needs none. A member
address is unique (one member per address, so a reset by e-mail finds one account).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


# A unique index, not a table constraint: on SQLite a constraint means rebuilding `members`
# (batch mode), and dropping a table that ballots, shares and proxies reference fails with
# foreign keys on once those rows exist. ADD/DROP COLUMN and CREATE/DROP INDEX need no rebuild
# (SQLite 3.35+ drops a column that no index or constraint names).


def upgrade() -> None:
    op.add_column("members", sa.Column("email", sa.String(length=320), nullable=True))
    op.create_index("uq_members_email", "members", ["email"], unique=True)
    op.add_column("applications", sa.Column("email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    op.drop_column("applications", "email")
    op.drop_index("uq_members_email", table_name="members")
    op.drop_column("members", "email")
