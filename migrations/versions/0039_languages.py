"""members.language and applications.language: the language the co-op writes to a person in

Issue 16: pages and e-mails in English and French. A member may choose the language of the site
and of their e-mails (NULL: no preference, so the browser's Accept-Language for pages and the
co-op's `coop.language` for messages); an application keeps the language its /apply page was
shown in, so the applicant, who has no member row yet, is told the outcome in it. Values are
coopfed.i18n.SUPPORTED ("en", "fr"), checked by the services.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN, never batch mode: on SQLite batch mode rebuilds `members`, and dropping
# a table that ballots, shares and proxies reference fails with foreign keys on (see 0030).


def upgrade() -> None:
    op.add_column("members", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("applications", sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column("applications", "language")
    op.drop_column("members", "language")
