"""Coalesced tally updates of published proposals, and the remote voters of a proposal.

A counted vote marks its proposal pending, due no earlier than `interval` after the last
Update was published; the worker publishes each due proposal once, however many votes arrived
meanwhile (Mastodon itself debounces poll updates by about 3 minutes).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import ballots, outbox_activities, proposals, question_updates


async def mark_changed(
    conn: AsyncConnection, proposal_row_id: int, *, now: datetime, interval: timedelta
) -> None:
    """Ask for one Update of this proposal, no sooner than `interval` after the last one."""
    query = select(question_updates).where(question_updates.c.proposal_row_id == proposal_row_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        values = {"proposal_row_id": proposal_row_id, "pending": True, "due_at": now}
        await conn.execute(insert(question_updates).values(**values))
        return
    if row["pending"]:
        return  # already scheduled: this vote rides along
    last = row["last_published_at"]
    due = now if last is None else max(now, last + interval)
    await conn.execute(
        update(question_updates)
        .where(question_updates.c.proposal_row_id == proposal_row_id)
        .values(pending=True, due_at=due)
    )


async def due(conn: AsyncConnection, now: datetime, limit: int) -> list[tuple[int, str]]:
    """(row id, slug) of the proposals whose Update is due, oldest first."""
    query = (
        select(question_updates.c.proposal_row_id, proposals.c.slug)
        .join(proposals, proposals.c.id == question_updates.c.proposal_row_id)
        .where(question_updates.c.pending.is_(True), question_updates.c.due_at <= now)
        .order_by(question_updates.c.due_at, question_updates.c.proposal_row_id)
        .limit(limit)
    )
    return [(row_id, slug) for row_id, slug in (await conn.execute(query)).all()]


async def claim(conn: AsyncConnection, proposal_row_id: int, now: datetime) -> bool:
    """Mark the proposal published; False if another worker already did (nothing to send)."""
    result = await conn.execute(
        update(question_updates)
        .where(
            question_updates.c.proposal_row_id == proposal_row_id,
            question_updates.c.pending.is_(True),
        )
        .values(pending=False, last_published_at=now)
    )
    return bool(result.rowcount)


async def mark_published(conn: AsyncConnection, proposal_row_id: int, now: datetime) -> None:
    """A full Update went out (e.g. at close): nothing pending any more."""
    await conn.execute(
        update(question_updates)
        .where(question_updates.c.proposal_row_id == proposal_row_id)
        .values(pending=False, last_published_at=now)
    )


async def voter_actors(conn: AsyncConnection, proposal_row_id: int) -> list[str]:
    """Every actor that cast a ballot on the proposal (they receive its Updates)."""
    query = (
        select(ballots.c.source_actor_uri)
        .where(ballots.c.proposal_row_id == proposal_row_id)
        .distinct()
        .order_by(ballots.c.source_actor_uri)
    )
    return list((await conn.execute(query)).scalars())


async def latest_remote_choice(
    conn: AsyncConnection, proposal_row_id: int, actor_uri: str
) -> Any | None:
    """The choice of this actor's latest ballot cast by a remote vote activity, if any."""
    query = (
        select(ballots.c.choice, ballots.c.kind)
        .where(
            ballots.c.proposal_row_id == proposal_row_id,
            ballots.c.source_actor_uri == actor_uri,
            ballots.c.activity_id.is_not(None),
        )
        .order_by(ballots.c.position.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else json.loads(row[0])


async def outbox_has(conn: AsyncConnection, activity_uri: str) -> bool:
    """Was an activity with this id already published (e.g. a notice sent once per voter)?"""
    query = select(outbox_activities.c.id).where(outbox_activities.c.activity_uri == activity_uri)
    return (await conn.execute(query)).first() is not None
