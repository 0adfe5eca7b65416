"""remote_actor_keys: every key a remote actor binds to itself (publicKey and Multikeys)

Existing actors keep their main key in remote_actors.key_id (still looked up); their other keys
are stored the next time they are fetched.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remote_actor_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remote_actor_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=2048), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["remote_actor_id"],
            ["remote_actors.id"],
            name=op.f("fk_remote_actor_keys_remote_actor_id_remote_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_actor_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_remote_actor_keys_key_id")),
    )
    op.create_index(
        op.f("ix_remote_actor_keys_remote_actor_id"),
        "remote_actor_keys",
        ["remote_actor_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_remote_actor_keys_remote_actor_id"), table_name="remote_actor_keys")
    op.drop_table("remote_actor_keys")
