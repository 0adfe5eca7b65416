"""proxy_grants.assembly_id: a proxy for the proposals on one assembly's agenda (issue 18)

NULL for every existing grant (one proposal, or until a date), so nothing is converted. At
most one of proposal_id and assembly_id is set: governance/proxies.py `ProxyGrant` and
store/proxies.py `insert_grant` check it.

Revision ID: 0038
Revises: 0031
Create Date: 2026-12-04 19:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proxy_grants") as batch:
        batch.add_column(sa.Column("assembly_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_proxy_grants_assembly_id_assemblies"),
            "assemblies",
            ["assembly_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("proxy_grants") as batch:
        batch.drop_constraint(batch.f("fk_proxy_grants_assembly_id_assemblies"), type_="foreignkey")
        batch.drop_column("assembly_id")
