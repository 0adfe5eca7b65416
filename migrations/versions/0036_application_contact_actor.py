"""applications.contact_actor: a web applicant's fediverse account, told the outcome

Issue 15: the apply form takes an e-mail address or a fediverse handle. The handle is resolved
(WebFinger, then the actor document) when the form is posted, and the actor's IRI kept here, so
the decision's transaction can address the private note without a request. Nullable: earlier
applications and applicants who gave none have none; a Join's applicant is its own actor.

Revision ID: 0036
Revises: 0034
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_actor", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("contact_actor")
