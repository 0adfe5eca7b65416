"""Every table of the node's database. The schema changes only through alembic migrations."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from coopfed.store.types import UTCDateTime

# Stable constraint names, so migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# Actors this node hosts: the co-op (Group), its members (Person), the instance actor
# (Application) and, later, shared projects (Group). Keys live here so that several web and
# worker processes on PostgreSQL sign with the same keys.
local_actors = Table(
    "local_actors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # coop | person | instance | project
    Column("display_name", String(200), nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    Column("rsa_private_pem", Text, nullable=False),
    Column("rsa_public_pem", Text, nullable=False),
    Column("ed25519_private_pem", Text, nullable=False),
    Column("ed25519_public_multibase", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Sign-in accounts of local people; admin rights are a flag of the account.
accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "actor_id",
        Integer,
        ForeignKey("local_actors.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("password_hash", String(200), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
)
