"""notification_preferences, notification_events, notifications: telling members

Issue 15. A member chooses how they hear from the co-op (e-mail, a direct message to their
fediverse account, both or none; at once or in a daily digest); no row means the default. Each
event (a proposal opened, a reminder, a result, an application, an alliance offer, a joint
proposal) is fanned out once — `notification_events` (kind, subject) is unique — into one
`notifications` row per member, which a daily digest collects later when the member asked
for one (services/notifications.py).

Revision ID: 0035
Revises: 0036
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coopfed.store.types import UTCDateTime

revision = "0035"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column(
            "member_row_id",
            sa.Integer(),
            sa.ForeignKey(
                "members.id",
                ondelete="CASCADE",
                name="fk_notification_preferences_member_row_id_members",
            ),
            nullable=False,
        ),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("member_row_id", name="pk_notification_preferences"),
    )
    op.create_table(
        "notification_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(2048), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_events"),
        sa.UniqueConstraint("kind", "subject", name="uq_notification_events_kind_subject"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey(
                "notification_events.id",
                ondelete="CASCADE",
                name="fk_notifications_event_id_notification_events",
            ),
            nullable=False,
        ),
        sa.Column(
            "member_row_id",
            sa.Integer(),
            sa.ForeignKey(
                "members.id", ondelete="CASCADE", name="fk_notifications_member_row_id_members"
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("event_id", "member_row_id", name="uq_notifications_event_member"),
    )
    op.create_index(
        "ix_notifications_member_pending",
        "notifications",
        ["member_row_id", "digest", "sent_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_member_pending", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("notification_events")
    op.drop_table("notification_preferences")
