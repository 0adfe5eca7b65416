"""Reports against comments (SQL only): members' from the site, `Flag`s from other servers."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.comments import CommentSource, Thread, ThreadKind, in_thread, thread_of
from coopfed.store.tables import comment_reports, proposal_comments


class ReportState(enum.StrEnum):
    OPEN = "open"  # waiting for an admin
    ACTIONED = "actioned"  # the comment was hidden or removed
    DISMISSED = "dismissed"  # an admin looked and left the comment as it is


@dataclass(frozen=True)
class NewReport:
    comment_row_id: int
    reporter_uri: str
    reporter_host: str
    source: CommentSource
    flag_uri: str | None
    reason: str


@dataclass(frozen=True)
class ReportRecord:
    row_id: int
    comment_row_id: int
    thread: Thread  # the reported comment's thread
    comment_uri: str
    reporter_uri: str
    reporter_host: str
    source: CommentSource
    flag_uri: str | None
    reason: str
    state: ReportState
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None

    @property
    def proposal_row_id(self) -> int | None:
        return self.thread.row_id if self.thread.kind is ThreadKind.PROPOSAL else None


def dedupe_key(comment_row_id: int, reporter_uri: str) -> str:
    return hashlib.sha256(f"{comment_row_id}\n{reporter_uri}".encode()).hexdigest()


_COLUMNS = (
    comment_reports,
    proposal_comments.c.proposal_id,
    proposal_comments.c.discussion_id,
    proposal_comments.c.uri.label("comment_uri"),
)


def _record(row: RowMapping) -> ReportRecord:
    return ReportRecord(
        row["id"], row["comment_id"], thread_of(row), row["comment_uri"],
        row["reporter_uri"], row["reporter_host"], CommentSource(row["source"]),
        row["flag_uri"], row["reason"], ReportState(row["state"]), row["created_at"],
        row["closed_at"], row["closed_by"],
    )  # fmt: skip


def _joined() -> Select[Any]:
    join = comment_reports.join(
        proposal_comments, proposal_comments.c.id == comment_reports.c.comment_id
    )
    return select(*_COLUMNS).select_from(join)


async def insert_report(
    conn: AsyncConnection, new: NewReport, now: datetime
) -> ReportRecord | None:
    """The stored report; None when this reporter already reported this comment."""
    key = dedupe_key(new.comment_row_id, new.reporter_uri)
    if await _by_key(conn, key) is not None:
        return None
    values = {
        "comment_id": new.comment_row_id, "dedupe_key": key, "reporter_uri": new.reporter_uri,
        "reporter_host": new.reporter_host, "source": new.source.value,
        "flag_uri": new.flag_uri, "reason": new.reason, "state": ReportState.OPEN.value,
        "created_at": now,
    }  # fmt: skip
    await conn.execute(insert(comment_reports).values(**values))
    return await _by_key(conn, key)


async def _by_key(conn: AsyncConnection, key: str) -> ReportRecord | None:
    query = _joined().where(comment_reports.c.dedupe_key == key)
    row = (await conn.execute(query)).mappings().first()
    return _record(row) if row is not None else None


async def report_by_id(conn: AsyncConnection, row_id: int) -> ReportRecord | None:
    row = (await conn.execute(_joined().where(comment_reports.c.id == row_id))).mappings().first()
    return _record(row) if row is not None else None


async def open_reports_from_host(conn: AsyncConnection, host: str) -> int:
    """Open reports by one server's accounts (the cap on a Flag flood)."""
    query = (
        select(func.count())
        .select_from(comment_reports)
        .where(comment_reports.c.reporter_host == host)
        .where(comment_reports.c.state == ReportState.OPEN.value)
    )
    return int((await conn.execute(query)).scalar_one())


async def reports_of_proposal(
    conn: AsyncConnection, proposal_row_id: int, *, open_only: bool
) -> list[ReportRecord]:
    """Reports against a proposal's comments, oldest first."""
    return await reports_of_thread(conn, Thread.of_proposal(proposal_row_id), open_only=open_only)


async def reports_of_thread(
    conn: AsyncConnection, thread: Thread, *, open_only: bool
) -> list[ReportRecord]:
    """Reports against a thread's comments, oldest first."""
    query = _joined().where(in_thread(thread))
    if open_only:
        query = query.where(comment_reports.c.state == ReportState.OPEN.value)
    query = query.order_by(comment_reports.c.created_at, comment_reports.c.id)
    return [_record(row) for row in (await conn.execute(query)).mappings()]


async def open_reports(conn: AsyncConnection, limit: int) -> list[ReportRecord]:
    """Every thread's open reports, oldest first (the admins' page)."""
    query = (
        _joined()
        .where(comment_reports.c.state == ReportState.OPEN.value)
        .order_by(comment_reports.c.created_at, comment_reports.c.id)
        .limit(limit)
    )
    return [_record(row) for row in (await conn.execute(query)).mappings()]


async def count_open(conn: AsyncConnection) -> int:
    query = (
        select(func.count())
        .select_from(comment_reports)
        .where(comment_reports.c.state == ReportState.OPEN.value)
    )
    return int((await conn.execute(query)).scalar_one())


async def close_reports_of_comment(
    conn: AsyncConnection, comment_row_id: int, state: ReportState, *, by: str, at: datetime
) -> int:
    """Closes a comment's open reports (its hiding or removal answers them all)."""
    query = (
        update(comment_reports)
        .where(comment_reports.c.comment_id == comment_row_id)
        .where(comment_reports.c.state == ReportState.OPEN.value)
        .values(state=state.value, closed_at=at, closed_by=by)
    )
    result = await conn.execute(query)
    return int(result.rowcount)


async def close_report(
    conn: AsyncConnection, row_id: int, state: ReportState, *, by: str, at: datetime
) -> None:
    query = (
        update(comment_reports)
        .where(comment_reports.c.id == row_id)
        .values(state=state.value, closed_at=at, closed_by=by)
    )
    await conn.execute(query)
