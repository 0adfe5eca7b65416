"""Discussions (SQL only): threads that are not yet a vote, and the outcome statements of
decided proposals. A discussion's comments are store/comments.py's, as a proposal's are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.comments import SEEN
from coopfed.store.tables import discussions, proposal_comments, proposal_outcomes


@dataclass(frozen=True)
class NewDiscussion:
    coop_id: int
    public_id: str
    uri: str
    title: str
    body: str
    visibility: str
    author_uri: str
    member_row_id: int | None


@dataclass(frozen=True)
class DiscussionRecord:
    row_id: int
    coop_id: int
    public_id: str
    uri: str
    title: str
    body: str
    visibility: str
    author_uri: str
    member_row_id: int | None
    proposal_row_id: int | None  # the draft proposal it became, if it did
    created_at: datetime
    comment_count: int = 0  # filled by listings only


def _discussion(row: RowMapping, count: int = 0) -> DiscussionRecord:
    return DiscussionRecord(
        row["id"], row["coop_id"], row["public_id"], row["uri"], row["title"], row["body"],
        row["visibility"], row["author_uri"], row["member_row_id"], row["proposal_id"],
        row["created_at"], count,
    )  # fmt: skip


async def insert_discussion(
    conn: AsyncConnection, new: NewDiscussion, now: datetime
) -> DiscussionRecord:
    values = {
        "coop_id": new.coop_id, "public_id": new.public_id, "uri": new.uri, "title": new.title,
        "body": new.body, "visibility": new.visibility, "author_uri": new.author_uri,
        "member_row_id": new.member_row_id, "created_at": now,
    }  # fmt: skip
    await conn.execute(insert(discussions).values(**values))
    record = await by_public_id(conn, new.public_id)
    assert record is not None
    return record


async def by_public_id(conn: AsyncConnection, public_id: str) -> DiscussionRecord | None:
    query = select(discussions).where(discussions.c.public_id == public_id)
    row = (await conn.execute(query)).mappings().first()
    return _discussion(row) if row is not None else None


async def by_uri(conn: AsyncConnection, uri: str) -> DiscussionRecord | None:
    query = select(discussions).where(discussions.c.uri == uri)
    row = (await conn.execute(query)).mappings().first()
    return _discussion(row) if row is not None else None


async def by_row_id(conn: AsyncConnection, row_id: int) -> DiscussionRecord | None:
    query = select(discussions).where(discussions.c.id == row_id)
    row = (await conn.execute(query)).mappings().first()
    return _discussion(row) if row is not None else None


async def of_proposal(conn: AsyncConnection, proposal_row_id: int) -> DiscussionRecord | None:
    """The discussion a proposal came from, if any."""
    query = select(discussions).where(discussions.c.proposal_id == proposal_row_id)
    row = (await conn.execute(query)).mappings().first()
    return _discussion(row) if row is not None else None


async def list_discussions(
    conn: AsyncConnection, coop_id: int, visibilities: tuple[str, ...], limit: int
) -> list[DiscussionRecord]:
    """Newest first, with how many comments readers see in each."""
    counts = (
        select(
            proposal_comments.c.discussion_id.label("discussion_id"),
            func.count().label("n"),
        )
        .where(proposal_comments.c.discussion_id.is_not(None))
        .where(proposal_comments.c.state.in_(SEEN))
        .group_by(proposal_comments.c.discussion_id)
        .subquery()
    )
    query = (
        select(discussions, func.coalesce(counts.c.n, 0).label("comment_count"))
        .outerjoin(counts, counts.c.discussion_id == discussions.c.id)
        .where(discussions.c.coop_id == coop_id, discussions.c.visibility.in_(visibilities))
        .order_by(discussions.c.created_at.desc(), discussions.c.id.desc())
        .limit(limit)
    )
    rows = (await conn.execute(query)).mappings()
    return [_discussion(row, int(row["comment_count"])) for row in rows]


async def link_proposal(conn: AsyncConnection, row_id: int, proposal_row_id: int) -> bool:
    """Link the draft proposal; False when the discussion already has one (a race lost)."""
    query = (
        update(discussions)
        .where(discussions.c.id == row_id, discussions.c.proposal_id.is_(None))
        .values(proposal_id=proposal_row_id)
    )
    return (await conn.execute(query)).rowcount == 1


# --- outcome statements


@dataclass(frozen=True)
class OutcomeRecord:
    proposal_row_id: int
    uri: str
    author_uri: str
    content_text: str
    content_html: str
    published_at: datetime


def _outcome(row: RowMapping) -> OutcomeRecord:
    return OutcomeRecord(
        row["proposal_id"], row["uri"], row["author_uri"], row["content_text"],
        row["content_html"], row["published_at"],
    )  # fmt: skip


async def insert_outcome(conn: AsyncConnection, outcome: OutcomeRecord) -> bool:
    """False when the proposal already has its statement (one per proposal)."""
    if await outcome_of(conn, outcome.proposal_row_id) is not None:
        return False
    values = {
        "proposal_id": outcome.proposal_row_id, "uri": outcome.uri,
        "author_uri": outcome.author_uri, "content_text": outcome.content_text,
        "content_html": outcome.content_html, "published_at": outcome.published_at,
    }  # fmt: skip
    await conn.execute(insert(proposal_outcomes).values(**values))
    return True


async def outcome_of(conn: AsyncConnection, proposal_row_id: int) -> OutcomeRecord | None:
    query = select(proposal_outcomes).where(proposal_outcomes.c.proposal_id == proposal_row_id)
    row = (await conn.execute(query)).mappings().first()
    return _outcome(row) if row is not None else None
