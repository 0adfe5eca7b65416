"""Every thread's comments (SQL only): site comments and fediverse replies, one thread per
proposal or discussion (a `Thread`), all in one table so they share one moderation."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import comment_edits, proposal_comments


class CommentSource(enum.StrEnum):
    SITE = "site"
    FEDIVERSE = "fediverse"


class CommentState(enum.StrEnum):
    SHOWN = "shown"  # a member's comment, in the thread
    FROM_FOLLOWERS = "from_followers"  # a non-member's reply, shown apart
    HIDDEN = "hidden"  # hidden by an admin, or a non-member's reply the charter hides
    HELD = "held"  # a non-member's reply waiting for an admin (charter: non_member_replies)
    REMOVED = "removed"  # removed by an admin: its text is gone, the row stays as a tombstone
    DELETED = "deleted"  # deleted by its author (a fediverse Delete): likewise


class ThreadKind(enum.StrEnum):
    PROPOSAL = "proposal"
    DISCUSSION = "discussion"


@dataclass(frozen=True)
class Thread:
    """Whose comments: a proposal's or a discussion's, by its row id."""

    kind: ThreadKind
    row_id: int

    @classmethod
    def of_proposal(cls, row_id: int) -> Thread:
        return cls(ThreadKind.PROPOSAL, row_id)

    @classmethod
    def of_discussion(cls, row_id: int) -> Thread:
        return cls(ThreadKind.DISCUSSION, row_id)


def thread_of(row: RowMapping) -> Thread:
    if row["discussion_id"] is not None:
        return Thread.of_discussion(row["discussion_id"])
    return Thread.of_proposal(row["proposal_id"])


def in_thread(thread: Thread) -> ColumnElement[bool]:
    if thread.kind is ThreadKind.DISCUSSION:
        return proposal_comments.c.discussion_id == thread.row_id
    return proposal_comments.c.proposal_id == thread.row_id


def _thread_values(thread: Thread) -> dict[str, int | None]:
    discussion = thread.kind is ThreadKind.DISCUSSION
    return {
        "proposal_id": None if discussion else thread.row_id,
        "discussion_id": thread.row_id if discussion else None,
    }


@dataclass(frozen=True)
class NewComment:
    thread: Thread
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
    thread: Thread
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
    announce_uri: str | None = None  # the Group's Announce of a site comment
    moderation_reason: str | None = None
    moderated_by: str | None = None
    moderated_at: datetime | None = None
    edited_at: datetime | None = None  # its author's latest edit (Update{Note})

    @property
    def proposal_row_id(self) -> int | None:
        """The proposal whose thread it is in; None for a discussion's comment."""
        return self.thread.row_id if self.thread.kind is ThreadKind.PROPOSAL else None


@dataclass(frozen=True)
class CommentEdit:
    """An earlier text of an edited comment."""

    content_html: str
    content_text: str
    written_at: datetime
    replaced_at: datetime


def dedupe_key(author_uri: str, uri: str) -> str:
    """Ids are unique per author only: another actor reusing an id is another comment."""
    return hashlib.sha256(f"{author_uri}\n{uri}".encode()).hexdigest()


def _record(row: RowMapping) -> CommentRecord:
    return CommentRecord(
        row["id"], thread_of(row), row["public_id"], row["uri"], row["author_uri"],
        row["member_row_id"], CommentSource(row["source"]), row["in_reply_to"],
        row["content_html"], row["content_text"], CommentState(row["state"]),
        row["published_at"], row["announce_uri"], row["moderation_reason"],
        row["moderated_by"], row["moderated_at"], row["edited_at"],
    )  # fmt: skip


async def insert_comment(
    conn: AsyncConnection, new: NewComment, now: datetime
) -> CommentRecord | None:
    """The stored comment; None when this author's comment with this id is already here."""
    key = dedupe_key(new.author_uri, new.uri)
    if await _by_key(conn, key) is not None:
        return None
    values = {
        **_thread_values(new.thread), "public_id": new.public_id, "uri": new.uri,
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


async def comment_by_author(
    conn: AsyncConnection, author_uri: str, uri: str
) -> CommentRecord | None:
    """This author's comment with this id (what an edit or a redelivery names)."""
    return await _by_key(conn, dedupe_key(author_uri, uri))


async def comment_in_thread(
    conn: AsyncConnection, thread: Thread, uri: str
) -> CommentRecord | None:
    """The comment with this id in this thread (what an admin names)."""
    query = (
        select(proposal_comments)
        .where(in_thread(thread))
        .where(proposal_comments.c.uri == uri)
        .order_by(proposal_comments.c.id)
    )
    row = (await conn.execute(query)).mappings().first()
    return _record(row) if row is not None else None


async def comment_by_row_id(conn: AsyncConnection, row_id: int) -> CommentRecord | None:
    query = select(proposal_comments).where(proposal_comments.c.id == row_id)
    row = (await conn.execute(query)).mappings().first()
    return _record(row) if row is not None else None


async def comment_by_public_id(conn: AsyncConnection, public_id: str) -> CommentRecord | None:
    query = select(proposal_comments).where(proposal_comments.c.public_id == public_id)
    row = (await conn.execute(query)).mappings().first()
    return _record(row) if row is not None else None


async def thread(conn: AsyncConnection, of: Thread) -> list[CommentRecord]:
    """A thread's comments, oldest first."""
    query = (
        select(proposal_comments)
        .where(in_thread(of))
        .order_by(proposal_comments.c.published_at, proposal_comments.c.id)
    )
    return [_record(row) for row in (await conn.execute(query)).mappings()]


async def set_state(conn: AsyncConnection, row_id: int, state: CommentState) -> None:
    query = update(proposal_comments).where(proposal_comments.c.id == row_id)
    await conn.execute(query.values(state=state.value))


SEEN = (CommentState.SHOWN.value, CommentState.FROM_FOLLOWERS.value)  # what readers read


async def visible_comment_uris(conn: AsyncConnection, of: Thread) -> tuple[str, ...]:
    """The ids of a thread's comments its readers see (not hidden, not held), oldest first."""
    query = (
        select(proposal_comments.c.uri)
        .where(in_thread(of))
        .where(proposal_comments.c.state.in_(SEEN))
        .order_by(proposal_comments.c.published_at, proposal_comments.c.id)
    )
    return tuple((await conn.execute(query)).scalars())


async def set_announce_uri(conn: AsyncConnection, row_id: int, announce_uri: str) -> None:
    query = update(proposal_comments).where(proposal_comments.c.id == row_id)
    await conn.execute(query.values(announce_uri=announce_uri))


async def moderate(
    conn: AsyncConnection,
    row_id: int,
    state: CommentState,
    *,
    by: str,
    reason: str | None,
    at: datetime,
) -> None:
    """An admin's hiding or removal (or its author's deletion); a removed or deleted comment
    loses its text and its history."""
    values: dict[str, object] = {
        "state": state.value, "moderated_by": by, "moderation_reason": reason,
        "moderated_at": at,
    }  # fmt: skip
    if state in (CommentState.REMOVED, CommentState.DELETED):
        values.update(content_html="", content_text="")
        await conn.execute(comment_edits.delete().where(comment_edits.c.comment_id == row_id))
    query = update(proposal_comments).where(proposal_comments.c.id == row_id)
    await conn.execute(query.values(**values))


async def unhide(conn: AsyncConnection, row_id: int, state: CommentState) -> None:
    """A hidden comment back in its thread: its hiding is forgotten (the text was kept)."""
    values = {"state": state.value, "moderated_by": None, "moderation_reason": None,
              "moderated_at": None}  # fmt: skip
    query = update(proposal_comments).where(proposal_comments.c.id == row_id)
    await conn.execute(query.values(**values))


async def replace_text(
    conn: AsyncConnection,
    comment: CommentRecord,
    content_html: str,
    content_text: str,
    at: datetime,
) -> None:
    """The author's new text; the text it replaces is kept in the comment's history."""
    kept = {
        "comment_id": comment.row_id, "content_html": comment.content_html,
        "content_text": comment.content_text,
        "written_at": comment.edited_at or comment.published_at, "replaced_at": at,
    }  # fmt: skip
    await conn.execute(insert(comment_edits).values(**kept))
    query = update(proposal_comments).where(proposal_comments.c.id == comment.row_id)
    await conn.execute(
        query.values(content_html=content_html, content_text=content_text, edited_at=at)
    )


async def edits_of(conn: AsyncConnection, comment_row_id: int) -> list[CommentEdit]:
    """A comment's earlier texts, oldest first."""
    query = (
        select(comment_edits)
        .where(comment_edits.c.comment_id == comment_row_id)
        .order_by(comment_edits.c.id)
    )
    return [
        CommentEdit(row["content_html"], row["content_text"], row["written_at"], row["replaced_at"])
        for row in (await conn.execute(query)).mappings()
    ]


async def edit_count(conn: AsyncConnection, comment_row_id: int) -> int:
    query = select(func.count()).where(comment_edits.c.comment_id == comment_row_id)
    return int((await conn.execute(query)).scalar_one())
