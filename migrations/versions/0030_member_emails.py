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


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.create_unique_constraint("uq_members_email", ["email"])
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint("uq_members_email", type_="unique")
        batch_op.drop_column("email")
