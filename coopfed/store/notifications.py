"""Notification preferences, the events members were told about, and their notifications.

An event is fanned out once: `claim_event` inserts its (kind, subject) row and returns None
when that row already exists, the same statement on SQLite and PostgreSQL (on PostgreSQL a
second worker's insert waits for the first transaction and then does nothing). The `*_to_tell`
queries list what has no event row yet, so a crashed fan-out (rolled back with its row) is
simply found again.

Because that row is all that stops an event from being told again, `prune_events` forgets an
old event only once its subject can no longer be listed by any of those queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import (
    accounts,
    alliances,
    applications,
    ballots,
    joint_proposals,
    local_actors,
    notification_events,
    notification_preferences,
    notifications,
    proposals,
)


@dataclass(frozen=True)
class StoredPreference:
    channel: str
    frequency: str
    updated_at: datetime


@dataclass(frozen=True)
class PendingNotification:
    """A notification waiting for its member's daily digest."""

    id: int
    title: str
    text: str
    reason: str
    url: str
    created_at: datetime


@dataclass(frozen=True)
class OpenProposalDue:
    """An open proposal not yet reminded: what deciding whether to remind now needs."""

    slug: str
    uri: str
    opened_at: datetime
    closes_at: datetime
    charter: str  # canonical JSON of the effective charter


@dataclass(frozen=True)
class WaitingApplication:
    id: int
    handle: str
    actor_uri: str
    requested_class: str
    source: str


@dataclass(frozen=True)
class IncomingOffer:
    offer_activity_id: str
    remote_actor_uri: str


@dataclass(frozen=True)
class ReceivedJoint:
    uri: str
    title: str
    project_uri: str


async def get_preference(conn: AsyncConnection, member_row_id: int) -> StoredPreference | None:
    c = notification_preferences.c
    query = select(c.channel, c.frequency, c.updated_at).where(c.member_row_id == member_row_id)
    row = (await conn.execute(query)).first()
    return None if row is None else StoredPreference(row.channel, row.frequency, row.updated_at)


async def preferences_of(
    conn: AsyncConnection, member_row_ids: list[int]
) -> dict[int, StoredPreference]:
    """The stored choices of these members (one query per 500), by member row."""
    c = notification_preferences.c
    found: dict[int, StoredPreference] = {}
    for start in range(0, len(member_row_ids), 500):
        chunk = member_row_ids[start : start + 500]
        query = select(c.member_row_id, c.channel, c.frequency, c.updated_at).where(
            c.member_row_id.in_(chunk)
        )
        for row in (await conn.execute(query)).all():
            found[int(row.member_row_id)] = StoredPreference(
                row.channel, row.frequency, row.updated_at
            )
    return found


async def set_preference(
    conn: AsyncConnection, member_row_id: int, channel: str, frequency: str, now: datetime
) -> None:
    values = {
        "member_row_id": member_row_id,
        "channel": channel,
        "frequency": frequency,
        "updated_at": now,
    }
    changes = {"channel": channel, "frequency": frequency, "updated_at": now}
    statement: Any
    if conn.dialect.name == "postgresql":
        statement = postgresql.insert(notification_preferences).values(values)
    else:
        statement = sqlite.insert(notification_preferences).values(values)
    statement = statement.on_conflict_do_update(index_elements=["member_row_id"], set_=changes)
    await conn.execute(statement)


async def claim_event(conn: AsyncConnection, kind: str, subject: str, now: datetime) -> int | None:
    """The new event's id, or None when (kind, subject) was already told."""
    values = {"kind": kind, "subject": subject, "created_at": now}
    statement: Any
    if conn.dialect.name == "postgresql":
        statement = postgresql.insert(notification_events).values(values)
    else:
        statement = sqlite.insert(notification_events).values(values)
    statement = statement.on_conflict_do_nothing().returning(notification_events.c.id)
    row_id = (await conn.execute(statement)).scalar_one_or_none()
    return None if row_id is None else int(row_id)


async def insert_notification(
    conn: AsyncConnection,
    *,
    event_id: int,
    member_row_id: int,
    title: str,
    text: str,
    reason: str,
    url: str,
    digest: bool,
    now: datetime,
) -> int:
    result = await conn.execute(
        insert(notifications)
        .values(
            event_id=event_id,
            member_row_id=member_row_id,
            title=title[:300],
            text=text,
            reason=reason,
            url=url,
            digest=digest,
            created_at=now,
            sent_at=None if digest else now,
        )
        .returning(notifications.c.id)
    )
    return int(result.scalar_one())


def digest_subject(member_row_id: int, day: str) -> str:
    return f"{member_row_id}/{day}"


async def members_with_pending_digest(conn: AsyncConnection, day: str, limit: int) -> list[int]:
    """Members with notifications waiting for a digest and no digest made on `day` yet."""
    c = notifications.c
    subject = cast(c.member_row_id, String) + literal("/" + day, String)
    query = (
        select(c.member_row_id)
        .where(c.digest.is_(True), c.sent_at.is_(None), _untold("digest", subject))
        .group_by(c.member_row_id)
        .order_by(func.min(c.id))
        .limit(limit)
    )
    return [int(row_id) for row_id in (await conn.execute(query)).scalars().all()]


async def pending_digest(conn: AsyncConnection, member_row_id: int) -> list[PendingNotification]:
    c = notifications.c
    query = (
        select(c.id, c.title, c.text, c.reason, c.url, c.created_at)
        .where(c.member_row_id == member_row_id, c.digest.is_(True), c.sent_at.is_(None))
        .order_by(c.id)
    )
    return [PendingNotification(*row) for row in (await conn.execute(query)).all()]


async def mark_sent(conn: AsyncConnection, ids: list[int], now: datetime) -> None:
    if ids:
        await conn.execute(
            update(notifications).where(notifications.c.id.in_(ids)).values(sent_at=now)
        )


async def event_count(conn: AsyncConnection, kind: str, subject: str) -> int:
    """How many members an event was told to (0 when it was never fanned out)."""
    e, n = notification_events.c, notifications.c
    query = (
        select(func.count(n.id))
        .select_from(notifications.join(notification_events, n.event_id == e.id))
        .where(e.kind == kind, e.subject == subject)
    )
    return int((await conn.execute(query)).scalar_one())


def _untold(kind: str, subject: Any) -> Any:
    e = notification_events.c
    return ~exists(select(e.id).where(e.kind == kind, e.subject == subject))


async def opened_to_tell(conn: AsyncConnection, limit: int) -> list[str]:
    """Slugs of open proposals whose opening was not told yet."""
    p = proposals.c
    query = (
        select(p.slug)
        .where(p.state == "open", _untold("opened", p.uri))
        .order_by(p.opened_at, p.id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars().all())


async def reminders_to_consider(conn: AsyncConnection, limit: int) -> list[OpenProposalDue]:
    """Open proposals not yet reminded, soonest closing first (whether now is the time, and
    whether the charter reminds at all, is the service's to say)."""
    p = proposals.c
    query = (
        select(p.slug, p.uri, p.opened_at, p.closes_at, p.charter)
        .where(
            p.state == "open",
            p.opened_at.is_not(None),
            p.closes_at.is_not(None),
            _untold("reminder", p.uri),
        )
        .order_by(p.closes_at, p.id)
        .limit(limit)
    )
    return [OpenProposalDue(*row) for row in (await conn.execute(query)).all()]


async def results_to_tell(conn: AsyncConnection, since: datetime, limit: int) -> list[str]:
    """Slugs of proposals decided since `since` whose result was not told yet."""
    p = proposals.c
    query = (
        select(p.slug)
        .where(p.state == "decided", p.closed_at >= since, _untold("result", p.uri))
        .order_by(p.closed_at, p.id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars().all())


async def voter_row_ids(conn: AsyncConnection, proposal_row_id: int) -> set[int]:
    """Members with any ballot in the proposal's log (an abstention is taking part)."""
    query = select(ballots.c.member_row_id).where(ballots.c.proposal_row_id == proposal_row_id)
    return {int(row_id) for row_id in (await conn.execute(query)).scalars().all()}


def application_subject(application_id: int) -> str:
    return f"application:{application_id}"


async def applications_to_tell(conn: AsyncConnection, limit: int) -> list[WaitingApplication]:
    """Applications waiting for an admin (pending, not put to a vote) not yet told."""
    a = applications.c
    subject = literal("application:", String) + cast(a.id, String)
    query = (
        select(a.id, a.handle, a.actor_uri, a.requested_class, a.source)
        .where(a.state == "pending", _untold("application", subject))
        .order_by(a.id)
        .limit(limit)
    )
    return [WaitingApplication(*row) for row in (await conn.execute(query)).all()]


async def offers_to_tell(conn: AsyncConnection, limit: int) -> list[IncomingOffer]:
    a = alliances.c
    query = (
        select(a.offer_activity_id, a.remote_actor_uri)
        .where(
            a.direction == "incoming",
            a.state == "offered",
            _untold("alliance_offer", a.offer_activity_id),
        )
        .order_by(a.id)
        .limit(limit)
    )
    return [IncomingOffer(*row) for row in (await conn.execute(query)).all()]


async def joint_proposals_to_tell(conn: AsyncConnection, limit: int) -> list[ReceivedJoint]:
    """Joint proposals another co-op's project sent us (not hosted here), still open."""
    j = joint_proposals.c
    query = (
        select(j.uri, j.title, j.project_uri)
        .where(j.hosted.is_(False), j.state == "open", _untold("joint_proposal", j.uri))
        .order_by(j.id)
        .limit(limit)
    )
    return [ReceivedJoint(*row) for row in (await conn.execute(query)).all()]


async def admin_usernames(conn: AsyncConnection) -> list[str]:
    query = (
        select(local_actors.c.username)
        .join(accounts, local_actors.c.id == accounts.c.actor_id)
        .where(accounts.c.is_admin.is_(True))
        .order_by(local_actors.c.username)
    )
    return list((await conn.execute(query)).scalars().all())


# Kinds `prune_events` may forget (any other kind, a future one included, is kept for good).
PRUNABLE_KINDS = (
    "opened", "reminder", "result", "application", "alliance_offer", "joint_proposal", "digest",
    "prune",
)  # fmt: skip
PRUNE_CHUNK = 500


async def event_claimed(conn: AsyncConnection, kind: str, subject: str) -> bool:
    """Whether (kind, subject) has its row: a read, before a worker tries to claim it."""
    return bool((await conn.execute(select(~_untold(kind, subject)))).scalar_one())


def _still_listable(results_since: datetime) -> Any:
    """The events a `*_to_tell` query could still list if their row were gone: their subject is
    in, or may come back to, the state that query looks for. A past day's digest (or prune
    marker) is never asked for again: only today's is."""
    e, p, a = notification_events.c, proposals.c, applications.c
    proposal = select(p.id).where(p.uri == e.subject)
    application_subject = literal("application:", String) + cast(a.id, String)
    return or_(
        # opened and reminder: while the proposal is a draft, open or closing.
        e.kind.in_(("opened", "reminder"))
        & exists(proposal.where(p.state.not_in(("decided", "withdrawn")))),
        # result: while `results_to_tell` looks back that far (RESULT_WINDOW).
        (e.kind == "result")
        & exists(proposal.where((p.state != "decided") | (p.closed_at >= results_since))),
        # application: while it waits (pending, or voting), until admitted or rejected.
        (e.kind == "application")
        & exists(
            select(a.id).where(a.state.in_(("pending", "voting")), application_subject == e.subject)
        ),
        # alliance_offer: while any alliance still holds that Offer, whatever its state.
        (e.kind == "alliance_offer")
        & exists(select(alliances.c.id).where(alliances.c.offer_activity_id == e.subject)),
        # joint_proposal: until the joint proposal is decided.
        (e.kind == "joint_proposal")
        & exists(
            select(joint_proposals.c.id).where(
                joint_proposals.c.uri == e.subject, joint_proposals.c.state != "decided"
            )
        ),
    )


async def prune_events(conn: AsyncConnection, *, before: datetime, results_since: datetime) -> int:
    """Forget the events told before `before` that can never be listed again, with their
    notifications (cascade); one waiting for a member's digest is kept. Returns how many."""
    e, n = notification_events.c, notifications.c
    waiting = exists(select(n.id).where(n.event_id == e.id, n.sent_at.is_(None)))
    query = select(e.id).where(
        e.created_at < before,
        e.kind.in_(PRUNABLE_KINDS),
        ~waiting,
        ~_still_listable(results_since),
    )
    ids = [int(row_id) for row_id in (await conn.execute(query)).scalars().all()]
    for start in range(0, len(ids), PRUNE_CHUNK):
        chunk = ids[start : start + PRUNE_CHUNK]
        await conn.execute(delete(notification_events).where(e.id.in_(chunk)))
    return len(ids)
