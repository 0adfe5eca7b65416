"""outgoing_mail, mail_opt_outs: the e-mail queue and one-click unsubscribes

Issue 15. Mail is queued in the transaction that decides to send it and delivered by the
worker with retries (services/mail.py), like deliveries; an address that used a message's
List-Unsubscribe link (RFC 8058) is recorded in mail_opt_outs.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("unsubscribe_token", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("leased_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
    )
    op.create_index(
        "ix_outgoing_mail_state_next_attempt_at", "outgoing_mail", ["state", "next_attempt_at"]
    )
    op.create_table(
        "mail_opt_outs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(320), nullable=False, unique=True),
        sa.Column("opted_out_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mail_opt_outs")
    op.drop_index("ix_outgoing_mail_state_next_attempt_at", table_name="outgoing_mail")
    op.drop_table("outgoing_mail")
