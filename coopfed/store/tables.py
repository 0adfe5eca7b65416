"""Every table of the node's database. The schema changes only through alembic migrations."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
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


# --- federation ---------------------------------------------------------------------------------

# Remote actors we have fetched (keys, inboxes), refreshed on key rotation and actor Update.
remote_actors = Table(
    "remote_actors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uri", String(2048), nullable=False, unique=True),
    Column("host", String(255), nullable=False, index=True),
    Column("type", String(32), nullable=False),
    Column("preferred_username", String(255), nullable=False, default=""),
    Column("display_name", Text, nullable=False, default=""),
    Column("inbox", String(2048), nullable=False),
    Column("shared_inbox", String(2048), nullable=True),
    Column("key_id", String(2048), nullable=True, index=True),
    Column("public_key_pem", Text, nullable=True),
    Column("document", Text, nullable=False),  # the JSON as fetched, for later mapping
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("deleted_at", UTCDateTime, nullable=True),
)

# Every verified activity an inbox accepted: committed before the 202, processed by the worker.
inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("activity_id", String(2048), nullable=False, unique=True),
    Column("body_sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("actor_uri", String(2048), nullable=False),
    Column("recipient", String(64), nullable=True),  # local username, NULL for the shared inbox
    Column("received_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False, index=True),  # pending|done|ignored|quarantined
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False, index=True),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("outcome", Text, nullable=True),  # why an activity was ignored, for operators
)

# Objects that were deleted: a Delete again is a no-op, a Create reusing the id is refused.
tombstones = Table(
    "tombstones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_uri", String(2048), nullable=False, unique=True),
    Column("deleted_at", UTCDateTime, nullable=False),
)

# Remote actors following a local actor (the co-op, a project, a member).
followers = Table(
    "followers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "local_actor_id",
        Integer,
        ForeignKey("local_actors.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("remote_actor_id", Integer, ForeignKey("remote_actors.id"), nullable=False),
    Column("follow_activity_id", String(2048), nullable=False),
    Column("state", String(16), nullable=False),  # pending | accepted
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("local_actor_id", "remote_actor_id", name="uq_followers_pair"),
)

# Remote actors a local actor follows (allied co-ops, shared projects).
following = Table(
    "following",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "local_actor_id",
        Integer,
        ForeignKey("local_actors.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("remote_actor_id", Integer, ForeignKey("remote_actors.id"), nullable=False),
    Column("follow_activity_id", String(2048), nullable=False, unique=True),
    Column("state", String(16), nullable=False),  # pending | accepted | rejected
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("local_actor_id", "remote_actor_id", name="uq_following_pair"),
)

# Activities local actors published: the outbox collection and the source of deliveries.
outbox_activities = Table(
    "outbox_activities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "local_actor_id",
        Integer,
        ForeignKey("local_actors.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("activity_uri", String(2048), nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("public", Boolean, nullable=False, default=False),
    Column("governance", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per (activity, target inbox): the transactional outbox the delivery worker drains.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "activity_id",
        Integer,
        ForeignKey("outbox_activities.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("inbox", String(2048), nullable=False),
    Column("host", String(255), nullable=False),
    Column("state", String(16), nullable=False),  # pending | done | parked
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    UniqueConstraint("activity_id", "inbox", name="uq_deliveries_activity_inbox"),
    Index("ix_deliveries_due", "state", "next_attempt_at"),
)

# Per-host delivery health: circuit breaker and "unavailable after failures on distinct days".
hosts = Table(
    "hosts",
    metadata,
    Column("host", String(255), primary_key=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("failure_days", Text, nullable=False, default=""),  # comma-separated ISO dates
    Column("circuit_open_until", UTCDateTime, nullable=True),
    Column("last_success_at", UTCDateTime, nullable=True),
    Column("unavailable", Boolean, nullable=False, default=False),
)


# --- web ----------------------------------------------------------------------------------------

# Secrets the node generates once and every web process shares (e.g. the session signing key).
node_secrets = Table(
    "node_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Failed sign-ins, keyed by "addr:…" or "user:…", for the login rate limit across processes.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
    Index("ix_login_failures_key_failed_at", "key", "failed_at"),
)
