"""A proposal's comments (SQL only): site comments and fediverse replies, one thread."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import proposal_comments


class CommentSource(enum.StrEnum):
    SITE = "site"
    FEDIVERSE = "fediverse"


class CommentState(enum.StrEnum):
    SHOWN = "shown"  # a member's comment, in the thread
    FROM_FOLLOWERS = "from_followers"  # a non-member's reply, shown apart
    HIDDEN = "hidden"  # hidden by an admin, or a non-member's reply the charter hides
    HELD = "held"  # a non-member's reply waiting for an admin (charter: non_member_replies)


@dataclass(frozen=True)
class NewComment:
    proposal_row_id: int
    public_id: str | None
    uri: str
    author_uri: str
    member_row_id: int | None
    source: CommentSource
    in_reply_to: str
    content_html: str
    content_text: str
    state: CommentState
    published_at: datetime


@dataclass(frozen=True)
class CommentRecord:
    row_id: int
    proposal_row_id: int
    public_id: str | None
    uri: str
    author_uri: str
    member_row_id: int | None
    source: CommentSource
    in_reply_to: str
    content_html: str
    content_text: str
    state: CommentState
    published_at: datetime


def dedupe_key(author_uri: str, uri: str) -> str:
    """Ids are unique per author only: another actor reusing an id is another comment."""
    return hashlib.sha256(f"{author_uri}\n{uri}".encode()).hexdigest()


def _record(row: RowMapping) -> CommentRecord:
    return CommentRecord(
        row["id"], row["proposal_id"], row["public_id"], row["uri"], row["author_uri"],
        row["member_row_id"], CommentSource(row["source"]), row["in_reply_to"],
        row["content_html"], row["content_text"], CommentState(row["state"]),
        row["published_at"],
    )  # fmt: skip


async def insert_comment(
    conn: AsyncConnection, new: NewComment, now: datetime
) -> CommentRecord | None:
    """The stored comment; None when this author's comment with this id is already here."""
    key = dedupe_key(new.author_uri, new.uri)
    if await _by_key(conn, key) is not None:
        return None
    values = {
        "proposal_id": new.proposal_row_id, "public_id": new.public_id, "uri": new.uri,
        "dedupe_key": key, "author_uri": new.author_uri, "member_row_id": new.member_row_id,
        "source": new.source.value, "in_reply_to": new.in_reply_to,
        "content_html": new.content_html, "content_text": new.content_text,
        "state": new.state.value, "published_at": new.published_at, "created_at": now,
    }  # fmt: skip
    await conn.execute(insert(proposal_comments).values(**values))
    return await _by_key(conn, key)


async def _by_key(conn: AsyncConnection, key: str) -> CommentRecord | None:
    query = select(proposal_comments).where(proposal_comments.c.dedupe_key == key)
    row = (await conn.execute(query)).mappings().first()
    return _record(row) if row is not None else None


async def comment_by_uri(conn: AsyncConnection, uri: str) -> CommentRecord | None:
    """The first comment with this id (site comments' ids are ours, so unique)."""
    query = select(proposal_comments).where(proposal_comments.c.uri == uri)
    row = (await conn.execute(query.order_by(proposal_comments.c.id))).mappings().first()
    return _record(row) if row is not None else None


async def comment_by_public_id(conn: AsyncConnection, public_id: str) -> CommentRecord | None:
    query = select(proposal_comments).where(proposal_comments.c.public_id == public_id)
    row = (await conn.execute(query)).mappings().first()
    return _record(row) if row is not None else None


async def thread(conn: AsyncConnection, proposal_row_id: int) -> list[CommentRecord]:
    """A proposal's comments, oldest first."""
    query = (
        select(proposal_comments)
        .where(proposal_comments.c.proposal_id == proposal_row_id)
        .order_by(proposal_comments.c.published_at, proposal_comments.c.id)
    )
    return [_record(row) for row in (await conn.execute(query)).mappings()]


async def set_state(conn: AsyncConnection, row_id: int, state: CommentState) -> None:
    query = update(proposal_comments).where(proposal_comments.c.id == row_id)
    await conn.execute(query.values(state=state.value))


async def visible_comment_uris(conn: AsyncConnection, proposal_row_id: int) -> tuple[str, ...]:
    """The ids of a thread's comments its readers see (not hidden, not held), oldest first."""
    shown = (CommentState.SHOWN.value, CommentState.FROM_FOLLOWERS.value)
    query = (
        select(proposal_comments.c.uri)
        .where(proposal_comments.c.proposal_id == proposal_row_id)
        .where(proposal_comments.c.state.in_(shown))
        .order_by(proposal_comments.c.published_at, proposal_comments.c.id)
    )
    return tuple((await conn.execute(query)).scalars())
