"""Every table of the node's database. The schema changes only through alembic migrations."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
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
    # Signed into every session cookie; raising it ends every earlier session (sign-out, a
    # password change, a membership ended or suspended): `services.accounts.end_sessions`.
    Column("session_generation", Integer, nullable=False, default=0, server_default="0"),
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

# Every key a remote actor lists and binds to itself (publicKey PEM and FEP-521a Multikeys,
# stored as SPKI PEM), so a signature naming any of them verifies without a fetch.
remote_actor_keys = Table(
    "remote_actor_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "remote_actor_id",
        Integer,
        ForeignKey("remote_actors.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("key_id", String(2048), nullable=False, unique=True),
    Column("public_key_pem", Text, nullable=False),
)

# Every verified activity an inbox accepted: committed before the 202, processed by the worker.
# Deduped per (actor, id): an id is only its sender's (ids under no actor are guessable, issue 13).
inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("activity_id", String(2048), nullable=False, index=True),
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
    # The object a Create brought (what its sender may later Delete); NULL for other types.
    Column("created_id", String(2048), nullable=True),
    UniqueConstraint("actor_uri", "activity_id", name="uq_inbox_items_actor_activity"),
    Index("ix_inbox_items_actor_created", "actor_uri", "created_id"),
)

# Objects their sender deleted: its Delete again is a no-op, its Create or Update of the id is
# refused. Per (actor, object): one actor's Delete never blocks another's id.
tombstones = Table(
    "tombstones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor_uri", String(2048), nullable=False),
    Column("object_uri", String(2048), nullable=False),
    Column("deleted_at", UTCDateTime, nullable=False),
    UniqueConstraint("actor_uri", "object_uri", name="uq_tombstones_actor_object"),
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
    Index("ix_deliveries_inbox_id", "inbox", "id"),  # per-inbox order (migration 0005)
    Index("ix_deliveries_host_state", "host", "state"),
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

# Addressed remote actors whose inbox was unknown when an activity was published: the worker
# job `recipients` fetches their actor, then queues the delivery (never dropped silently).
pending_recipients = Table(
    "pending_recipients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "activity_id",
        Integer,
        ForeignKey("outbox_activities.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("actor_uri", String(2048), nullable=False),
    Column("host", String(255), nullable=False),
    Column("state", String(16), nullable=False),  # pending | parked
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("activity_id", "actor_uri", name="uq_pending_recipients_activity_actor"),
    Index("ix_pending_recipients_due", "state", "next_attempt_at"),
    Index("ix_pending_recipients_actor_uri", "actor_uri"),
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

# Applications posted on /apply, per client address, for its rate limit (store/apply_attempts.py).
apply_attempts = Table(
    "apply_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", String(300), nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Index("ix_apply_attempts_address_attempted_at", "address", "attempted_at"),
)


# --- governance ---------------------------------------------------------------------------------

# The member classes a co-op defines (worker, consumer, producer, community, investor, ...).
member_classes = Table(
    "member_classes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("coop_id", "name", name="uq_member_classes_coop_name"),
)

# The member register: one row per member, bound to exactly one actor (local or remote) at a time.
members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", String(32), nullable=False, unique=True),  # public, goes into hashes
    Column("actor_uri", String(2048), nullable=False, unique=True),
    Column("handle", String(320), nullable=False, default=""),  # username or acct:user@host
    Column("member_class", String(64), nullable=False),
    Column("shares", Integer, nullable=False, default=1),
    Column("status", String(16), nullable=False),  # applicant|active|suspended|left|expelled
    Column("joined_at", UTCDateTime, nullable=False),
    Column("left_at", UTCDateTime, nullable=True),
    # Where the co-op writes to the member (invitations, resets, notifications); stored in lower
    # case, at most one member per address. None: no address given (a fediverse-only member).
    Column("email", String(320), nullable=True),
    Index("uq_members_email", "email", unique=True),
    # The language the member chose for the site and their e-mails (coopfed.i18n.SUPPORTED);
    # None: no preference (pages follow the browser, messages the co-op's `coop.language`).
    Column("language", String(8), nullable=True),
)

# Append-only history of the register: admitted, class or shares changed, left, rebound...
member_events = Table(
    "member_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_row_id", Integer, ForeignKey("members.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("detail", Text, nullable=False),  # canonical JSON
    Column("at", UTCDateTime, nullable=False),
)

# Versioned charters; the current one of a co-op is its highest version.
charters = Table(
    "charters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON of the charter
    Column("hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("coop_id", "version", name="uq_charters_coop_version"),
)

proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("slug", String(32), nullable=False, unique=True),
    Column("uri", String(2048), nullable=False, unique=True),  # uris.proposal(slug)
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("method", String(32), nullable=False),  # name@version
    Column("options", Text, nullable=False),  # JSON list, resolved from the spec
    Column("spec", Text, nullable=False),  # JSON: the method's spec
    Column("params", Text, nullable=False),  # JSON: charter overrides (quorum, comparison)
    Column("state", String(16), nullable=False, index=True),  # draft|open|closed|decided|withdrawn
    Column("visibility", String(16), nullable=False),  # public | members | allies
    Column("author_member_row_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("duration_seconds", Integer, nullable=True),  # closes_at = opened_at + duration
    Column("opened_at", UTCDateTime, nullable=True),
    Column("closes_at", UTCDateTime, nullable=True, index=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("closed_early_by", String(2048), nullable=True),
    Column("charter_id", Integer, ForeignKey("charters.id"), nullable=False),
    Column("charter", Text, nullable=False),  # canonical JSON of the effective charter
    Column("electorate", Text, nullable=True),  # canonical JSON, frozen when opened
    Column("electorate_hash", String(64), nullable=True),
    Column("electorate_size", Integer, nullable=True),
    Column("decision", String(16), nullable=True),  # passed | rejected | no_quorum | tie | ...
    Column("result", Text, nullable=True),  # canonical JSON of the result record
    Column("result_hash", String(64), nullable=True),
    # JSON list: the electorate members who had left when it was decided (migration 0022)
    Column("departed", Text, nullable=True),
    Column("joint_proposal_uri", String(2048), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The proposal list: open ones by closing time, past ones newest first (migration 0009).
    Index("ix_proposals_coop_state_closes_at", "coop_id", "state", "closes_at"),
    Index("ix_proposals_coop_closed_at", "coop_id", "closed_at"),
)

# Life-cycle events of proposals (opened, closed early by whom, decided, withdrawn).
proposal_events = Table(
    "proposal_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("proposal_row_id", Integer, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("actor", String(2048), nullable=True),
    Column("detail", Text, nullable=False),  # canonical JSON
    Column("at", UTCDateTime, nullable=False),
)

# The append-only, hash-chained ballot log; (proposal, position) unique keeps the chain linear.
ballots = Table(
    "ballots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("proposal_row_id", Integer, ForeignKey("proposals.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("member_row_id", Integer, ForeignKey("members.id"), nullable=False, index=True),
    Column("member_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # cast | abstain | invalid
    Column("choice", Text, nullable=False),  # canonical JSON
    Column("reason", Text, nullable=False, default=""),
    Column("invalid_reason", Text, nullable=False, default=""),
    Column("cast_at", UTCDateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("source_actor_uri", String(2048), nullable=False),
    Column("activity_id", String(2048), nullable=True),  # remote votes dedupe here, per actor
    # Issue 18: the member id of the holder who cast this ballot for `member_id` by proxy;
    # NULL for a member's own ballot (migration 0031).
    Column("cast_by", String(32), nullable=True),
    UniqueConstraint("proposal_row_id", "position", name="uq_ballots_proposal_position"),
    UniqueConstraint("source_actor_uri", "activity_id", name="uq_ballots_source_activity"),
)

# Coalesced tally updates of published proposals: at most one Update(Question) per proposal per
# interval. A vote marks the row pending; the worker publishes when `due_at` has passed.
question_updates = Table(
    "question_updates",
    metadata,
    Column("proposal_row_id", Integer, ForeignKey("proposals.id"), primary_key=True),
    Column("pending", Boolean, nullable=False, default=False),
    Column("due_at", UTCDateTime, nullable=False, index=True),
    Column("last_published_at", UTCDateTime, nullable=True),
)


# --- membership ---------------------------------------------------------------------------------

# Versioned membership principles (classes open to applications, admission, shares, who votes);
# the current one of a co-op is its highest version.
membership_principles = Table(
    "membership_principles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON of the principle
    Column("hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("coop_id", "version", name="uq_membership_principles_coop_version"),
)

# Applications for membership: a remote actor's Join, or the web form (local accounts).
applications = Table(
    "applications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("actor_uri", String(2048), nullable=False, index=True),
    Column("handle", String(320), nullable=False, default=""),
    Column("requested_class", String(64), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("source", String(16), nullable=False),  # fediverse | web | admin
    Column("join_activity_id", String(2048), nullable=True, unique=True),
    Column("state", String(16), nullable=False, index=True),  # pending|voting|admitted|rejected
    Column("reason", Text, nullable=False, default=""),  # why rejected, as told to the applicant
    Column("proposal_row_id", Integer, ForeignKey("proposals.id"), nullable=True),
    Column("member_row_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_by", String(2048), nullable=True),  # admin, or the admission proposal's IRI
    # A web applicant's address, for telling them the outcome (a fediverse applicant gets a note).
    Column("email", String(320), nullable=True),
    # A web applicant's fediverse account (the actor IRI their handle resolved to when they
    # applied): told the outcome by a private note, as a Join's applicant is.
    Column("contact_actor", String(2048), nullable=True),
    # The language the /apply page was shown in: the applicant is told the outcome in it (None:
    # a Join, or an application made before 0039; the co-op's `coop.language` then).
    Column("language", String(8), nullable=True),
)

# The share register: append-only movements (issue, transfer, redeem); balances are derived.
share_movements = Table(
    "share_movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # issue | transfer | redeem
    Column("count", Integer, nullable=False),
    Column("source_member_row_id", Integer, ForeignKey("members.id"), nullable=True, index=True),
    Column("target_member_row_id", Integer, ForeignKey("members.id"), nullable=True, index=True),
    Column("nominal_value", String(32), nullable=False),  # per share, decimal text
    Column("reason", Text, nullable=False, default=""),
    Column("at", UTCDateTime, nullable=False),
)


# --- alliances and shared projects --------------------------------------------------------------

# Alliances of this co-op with other co-ops (offered by us, or offered to us and pending).
alliances = Table(
    "alliances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("remote_actor_uri", String(2048), nullable=False),
    Column("direction", String(16), nullable=False),  # outgoing | incoming
    Column("state", String(16), nullable=False),  # offered | active | declined | ended
    Column("offer_activity_id", String(2048), nullable=False, unique=True),
    # The members' vote on an incoming offer, when the charter says `alliances: vote`.
    Column("proposal_row_id", Integer, ForeignKey("proposals.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("coop_id", "remote_actor_uri", name="uq_alliances_pair"),
)

# Shared projects hosted on this node (each a local actor of kind "project") and their charter.
projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "actor_id",
        Integer,
        ForeignKey("local_actors.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("host_coop_id", Integer, ForeignKey("local_actors.id"), nullable=False),
    Column("charter", Text, nullable=False),  # canonical JSON: rule, weighting, grace
    Column("created_at", UTCDateTime, nullable=False),
)

# Member co-ops of a hosted project: invited, active, or left (a co-op that left is not counted).
project_members = Table(
    "project_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_row_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("coop_uri", String(2048), nullable=False),
    Column("state", String(16), nullable=False),  # invited | active | left
    Column("invite_activity_id", String(2048), nullable=True, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("project_row_id", "coop_uri", name="uq_project_members_pair"),
)

# Projects this co-op was invited to or takes part in (hosted here or elsewhere).
project_memberships = Table(
    "project_memberships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("project_uri", String(2048), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("charter", Text, nullable=False),  # as the project sent it (canonical JSON)
    Column("state", String(16), nullable=False),  # invited | joined | left
    Column("invite_activity_id", String(2048), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("coop_id", "project_uri", name="uq_project_memberships_pair"),
)

# Joint proposals: hosted here (the project decides them) or received from a project we are in.
joint_proposals = Table(
    "joint_proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uri", String(2048), nullable=False, unique=True),
    Column("project_uri", String(2048), nullable=False, index=True),
    Column("hosted", Boolean, nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("method", String(32), nullable=False),
    Column("spec", Text, nullable=False),  # canonical JSON
    Column("charter", Text, nullable=False),  # canonical JSON: rule, weighting, grace, coops
    Column("opened_at", UTCDateTime, nullable=False),
    Column("closes_at", UTCDateTime, nullable=False, index=True),
    Column("state", String(16), nullable=False, index=True),  # open | decided
    Column("status", String(16), nullable=True),  # the joint decision
    Column("result", Text, nullable=True),  # the signed joint result document (JSON)
    Column("decided_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# Result certificates of member co-ops for joint proposals: signed documents as received (host)
# or as sent (a member co-op's own); `verified` records whether the proof checked out.
joint_certificates = Table(
    "joint_certificates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("joint_row_id", Integer, ForeignKey("joint_proposals.id"), nullable=False, index=True),
    Column("coop_uri", String(2048), nullable=False),
    Column("proposal_uri", String(2048), nullable=False),
    Column("document", Text, nullable=False),
    Column("certificate_hash", String(64), nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint(
        "joint_row_id", "coop_uri", "certificate_hash", name="uq_joint_certificates_once"
    ),
)

# --- fediverse accounts linked to members -------------------------------------------------------

# Fediverse actors a member linked (proven by a one-time code sent from that actor): their votes
# count as the member's. An actor links to at most one member; the services also keep it apart
# from every member's own `members.actor_uri` (a rule across tables the schema cannot state).
linked_actors = Table(
    "linked_actors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_row_id", Integer, ForeignKey("members.id"), nullable=False, index=True),
    Column("actor_uri", String(2048), nullable=False, unique=True),
    Column("linked_at", UTCDateTime, nullable=False),
)

# One-time link codes: only the SHA-256 of the code is kept; a code is used once, before expiry.
link_codes = Table(
    "link_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_row_id", Integer, ForeignKey("members.id"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)

# Wrong link codes per key ("actor:<sha256>", "host:<host>"), to cap guessing.
link_failures = Table(
    "link_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
    Index("ix_link_failures_key_failed_at", "key", "failed_at"),
)

# What allied nodes published about their own proposals (Update(Question) carrying the ballot
# log head, or the result): the first document per (proposal, kind, log length) is kept, and a
# different value for the same key is an equivocation, kept with both signed documents.
observed_heads = Table(
    "observed_heads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("proposal_uri", String(2048), nullable=False),
    Column("kind", String(16), nullable=False),  # "log_head" or "result"
    Column("log_length", Integer, nullable=False),  # -1 for "result"
    Column("value", String(128), nullable=False),
    Column("actor_uri", String(2048), nullable=False),
    Column("document", Text, nullable=False),
    Column("received_at", UTCDateTime(timezone=True), nullable=False),
    UniqueConstraint("proposal_uri", "kind", "log_length"),
)

equivocations = Table(
    "equivocations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("proposal_uri", String(2048), nullable=False),
    Column("actor_uri", String(2048), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("log_length", Integer, nullable=False),
    Column("first_value", String(128), nullable=False),
    Column("second_value", String(128), nullable=False),
    Column("first_document", Text, nullable=False),
    Column("second_document", Text, nullable=False),
    Column("detected_at", UTCDateTime(timezone=True), nullable=False),
    UniqueConstraint("proposal_uri", "kind", "log_length", "second_value"),
)

# Every thread's comments (issue #16): comments written on the site and replies from the
# fediverse, on a proposal (migration 0027) or on a discussion (moved here by 0040, so both
# threads share one moderation: comment_edits, comment_reports). Exactly one of proposal_id
# and discussion_id is set: the thread the comment belongs to (store/comments.Thread).
proposal_comments = Table(
    "proposal_comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("proposal_id", Integer, ForeignKey("proposals.id", ondelete="CASCADE"), nullable=True),
    Column(
        "discussion_id", Integer, ForeignKey("discussions.id", ondelete="CASCADE"), nullable=True
    ),
    Column("public_id", String(32), nullable=True, unique=True),  # site comments' Note ids
    Column("uri", String(2048), nullable=False),  # the Note's id
    # sha256(author_uri, uri): ids are unique per author only (docs/threats.md SEE-2), and two
    # 2 KiB strings are too wide for one PostgreSQL btree key.
    Column("dedupe_key", String(64), nullable=False, unique=True),
    Column("author_uri", String(2048), nullable=False),
    Column("member_row_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("source", String(16), nullable=False),  # site | fediverse
    Column("in_reply_to", String(2048), nullable=False),
    Column("content_html", Text, nullable=False),  # remote HTML as received; sanitised when shown
    Column("content_text", Text, nullable=False),
    Column("state", String(16), nullable=False),  # CommentState: shown, held, hidden, removed…
    Column("published_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The Group's Announce of a site comment: hiding it later sends Undo{Announce} of this id.
    Column("announce_uri", String(2048), nullable=True),
    Column("moderation_reason", Text, nullable=True),  # an admin's reason for hiding it
    Column("moderated_by", String(2048), nullable=True),  # the admin's actor, or the CLI
    Column("moderated_at", UTCDateTime, nullable=True),
    Column("edited_at", UTCDateTime, nullable=True),  # its author's latest Update{Note}
    Index("ix_proposal_comments_proposal", "proposal_id", "published_at"),
    Index("ix_proposal_comments_discussion", "discussion_id", "published_at"),
    CheckConstraint("(proposal_id IS NULL) <> (discussion_id IS NULL)", name="one_thread"),
)

# Earlier texts of a comment its author edited from the fediverse (Update{Note}), oldest
# first: the comment row holds the current text, each edit keeps the one it replaced.
comment_edits = Table(
    "comment_edits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "comment_id",
        Integer,
        ForeignKey("proposal_comments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("content_html", Text, nullable=False),
    Column("content_text", Text, nullable=False),
    Column("written_at", UTCDateTime, nullable=False),  # when this text was published or edited
    Column("replaced_at", UTCDateTime, nullable=False),
    Index("ix_comment_edits_comment", "comment_id", "id"),
)

# Reports against comments: a member's from the site, or a `Flag` from another server (its
# instance actor as reporter). One per (comment, reporter): `dedupe_key` = sha256 of both.
# `state` is a ReportState value (open | actioned | dismissed).
comment_reports = Table(
    "comment_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "comment_id",
        Integer,
        ForeignKey("proposal_comments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("dedupe_key", String(64), nullable=False, unique=True),
    Column("reporter_uri", String(2048), nullable=False),
    Column("reporter_host", String(255), nullable=False),  # the cap on open reports per server
    Column("source", String(16), nullable=False),  # site | fediverse
    Column("flag_uri", String(2048), nullable=True),  # the Flag's id
    Column("reason", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("closed_by", String(2048), nullable=True),
    Index("ix_comment_reports_state", "state", "created_at"),
    Index("ix_comment_reports_host", "reporter_host", "state"),
    Index("ix_comment_reports_comment", "comment_id"),
)

# Outgoing e-mail, one row per message, sent by the worker's mail job (services/mail.py):
# queued in the transaction that decided to send it, delivered later with retries, so an SMTP
# outage never fails a request and never loses a message. `state` is a DeliveryState value.
outgoing_mail = Table(
    "outgoing_mail",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("to_address", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("kind", String(32), nullable=False),  # invitation | reset | application | …
    # The one-click unsubscribe token of this message's List-Unsubscribe link, kept as is: it
    # grants nothing but opting its own address out of optional mail.
    Column("unsubscribe_token", String(64), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("leased_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Index("ix_outgoing_mail_state_next_attempt_at", "state", "next_attempt_at"),
)

# Addresses that used a one-click unsubscribe link: they get no optional mail any more
# (invitations and password resets they ask for still go out).
mail_opt_outs = Table(
    "mail_opt_outs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", String(320), nullable=False, unique=True),
    Column("opted_out_at", UTCDateTime, nullable=False),
)

# Issue 15: one-time links that set a password: `invite` (a member an admin added sets a first
# password) or `reset` (a forgotten one). Only sha256 of the link's secret is kept; `used_at`
# makes a link single use; issuing a new link expires the member's unused ones of that purpose.
account_tokens = Table(
    "account_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("purpose", String(16), nullable=False),  # invite | reset
    Column("member_row_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_account_tokens_member_purpose", "member_row_id", "purpose"),
)

# Issue 18: a grantor lets a holder vote for her on one proposal (proposal_id) or on every
# proposal until a date (until, excluded); neither set means until revoked. Rules in
# governance/proxies.py. Revoking keeps the row (revoked_at) so the ballot log's "B for A"
# entries still name a grant that existed.
proxy_grants = Table(
    "proxy_grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("grantor_row_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("holder_row_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("proposal_id", Integer, ForeignKey("proposals.id", ondelete="CASCADE"), nullable=True),
    # Migration 0038: a grant for the proposals on one assembly's agenda. At most one of
    # proposal_id and assembly_id is set (checked in store/proxies.py and governance).
    Column("assembly_id", Integer, ForeignKey("assemblies.id", ondelete="CASCADE"), nullable=True),
    Column("until", UTCDateTime, nullable=True),
    Column("granted_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_proxy_grants_holder", "holder_row_id"),
    Index("ix_proxy_grants_grantor", "grantor_row_id"),
)

# Issue 16: a discussion, a thread that is not yet a vote (migration 0033). A member opens it
# with a title and text and a visibility (who may see it: services/audience.py, as for a
# proposal of that visibility); an admin may turn it into a draft proposal (proposal_id, once).
discussions = Table(
    "discussions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("uri", String(2048), nullable=False, unique=True),  # uris.discussion(public_id)
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("visibility", String(16), nullable=False),  # public | members | allies
    Column("author_uri", String(2048), nullable=False),
    Column("member_row_id", Integer, ForeignKey("members.id"), nullable=True),
    Column(
        "proposal_id",
        Integer,
        ForeignKey("proposals.id", ondelete="SET NULL"),
        nullable=True,
        unique=True,
    ),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_discussions_coop_created", "coop_id", "created_at"),
)

# A decided proposal's outcome statement, by its proposer or an admin: one per proposal, sent
# as the Group's Note in reply to the Question (uris.outcome).
proposal_outcomes = Table(
    "proposal_outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "proposal_id",
        Integer,
        ForeignKey("proposals.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("uri", String(2048), nullable=False, unique=True),
    Column("author_uri", String(2048), nullable=False),
    Column("content_text", Text, nullable=False),
    Column("content_html", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
)

# Issue 15: how each member hears from the co-op. No row: the default (e-mail when the member
# has an address, else a direct message when they have a fediverse account, at once).
notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column(
        "member_row_id",
        Integer,
        ForeignKey("members.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("channel", String(8), nullable=False),  # email | dm | both | none
    Column("frequency", String(8), nullable=False),  # at_once | daily
    Column("updated_at", UTCDateTime, nullable=False),
)

# Each event members are told about, once: (kind, subject) unique is what makes a fan-out
# happen exactly once however many workers race (kinds: opened | reminder | result |
# application | alliance_offer | joint_proposal, and digest: one per member per day).
notification_events = Table(
    "notification_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("subject", String(2048), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("kind", "subject", name="uq_notification_events_kind_subject"),
)

# One notification per member per event; `digest` rows wait (sent_at null) for the member's
# daily digest, the others were handed to the mail queue and the outbox when created.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "event_id",
        Integer,
        ForeignKey("notification_events.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("member_row_id", Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("url", String(2048), nullable=False),
    Column("digest", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    UniqueConstraint("event_id", "member_row_id", name="uq_notifications_event_member"),
    Index("ix_notifications_member_pending", "member_row_id", "digest", "sent_at"),
)

# --- general assemblies (issue 18, migration 0037) ---------------------------------------------

# An assembly: a meeting at a place or a video link, published as an Event (FEDERATION.md
# "General assemblies"). Its quorum is its own: attending-or-represented members.
assemblies = Table(
    "assemblies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coop_id", Integer, ForeignKey("local_actors.id", ondelete="CASCADE"), nullable=False),
    Column("slug", String(32), nullable=False, unique=True),
    Column("uri", String(2048), nullable=False, unique=True),  # uris.assembly(slug)
    Column("title", String(300), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False, index=True),
    Column("ends_at", UTCDateTime, nullable=True),
    Column("place", String(500), nullable=True),  # a place, or
    Column("link", String(2048), nullable=True),  # a video link (one of the two is set)
    Column("quorum", String(32), nullable=True),  # "1/2", "50%": of the eligible members
    Column("visibility", String(16), nullable=False),  # public | members | allies
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The agenda: proposals in order (a proposal is on one assembly's agenda at most once).
assembly_items = Table(
    "assembly_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("assembly_id", Integer, ForeignKey("assemblies.id", ondelete="CASCADE"), nullable=False),
    Column("proposal_id", Integer, ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    UniqueConstraint("assembly_id", "proposal_id", name="uq_assembly_items_proposal"),
    UniqueConstraint("assembly_id", "position", name="uq_assembly_items_position"),
)

# Who attended, as an admin recorded it (once per member).
assembly_attendance = Table(
    "assembly_attendance",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("assembly_id", Integer, ForeignKey("assemblies.id", ondelete="CASCADE"), nullable=False),
    Column("member_row_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    UniqueConstraint("assembly_id", "member_row_id", name="uq_assembly_attendance_member"),
)
