"""Moderating a proposal's discussion (issue 16): admins hide or remove comments; members
report them from the site, other servers with a `Flag`; admins see and close the reports.

Hiding keeps the text for the admins (`coopfed proposal comments`); removing erases it and its
edit history, leaving the row as a tombstone so the same reply delivered again stays out. Either
takes the comment out of the page, the Question's `replies` and `GET /comments/{id}`, and for a
site comment the co-op published, sends its `Delete` and the Group's `Undo{Announce}` in the
same transaction (services/comments.unpublish). Both close the comment's open reports.

A report never tells its sender anything back, and a server's reports are capped
(`MAX_OPEN_REPORTS_PER_HOST` open at once, one per reporter and comment): a `Flag` flood fills
nothing but its own quota (docs/threats.md MOD-2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.moderation import MAX_REPORT_CHARS, RemoteFlag
from coopfed.governance.proposal_text import normalise_newlines
from coopfed.node import Node
from coopfed.services import audience
from coopfed.services.comments import (
    GONE,
    UNSEEN,
    ThreadEntry,
    active_member_row,
    entry_of,
    unpublish,
)
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.proposals import slug_of
from coopfed.services.received import Received, done, ignored
from coopfed.store import comment_reports as report_store
from coopfed.store import comments as comment_store
from coopfed.store import proposals as proposal_store
from coopfed.store.comment_reports import NewReport, ReportRecord, ReportState
from coopfed.store.comments import CommentRecord, CommentSource, CommentState
from coopfed.store.outbox import host_of
from coopfed.store.proposals import ProposalRecord

MAX_OPEN_REPORTS_PER_HOST = 100
MAX_HIDE_REASON_CHARS = 500
OPEN_REPORTS_SHOWN = 200


@dataclass(frozen=True)
class ReportView:
    """A report with what an admin needs to judge it."""

    report: ReportRecord
    entry: ThreadEntry  # the reported comment (its text is empty once removed)
    proposal_slug: str
    proposal_title: str


async def _thread_comment(
    conn: AsyncConnection, node: Node, reference: str, comment_uri: str
) -> tuple[ProposalRecord, CommentRecord]:
    record = await proposal_store.get_by_slug(conn, slug_of(node.uris, reference))
    if record is None:
        raise NotFound(f"no proposal {reference!r}")
    comment = await comment_store.comment_in_thread(conn, record.row_id, comment_uri)
    if comment is None:
        raise NotFound(f"no comment {comment_uri!r} on this proposal")
    return record, comment


def _reason(reason: str | None) -> str | None:
    clean = normalise_newlines(reason or "").strip()
    if len(clean) > MAX_HIDE_REASON_CHARS:
        raise ServiceError(f"a reason is at most {MAX_HIDE_REASON_CHARS} characters")
    return clean or None


async def _take_out(
    node: Node,
    reference: str,
    comment_uri: str,
    state: CommentState,
    *,
    by: str,
    reason: str | None,
) -> CommentRecord:
    now = node.clock()
    async with node.engine.begin() as conn:
        record, comment = await _thread_comment(conn, node, reference, comment_uri)
        if comment.state in GONE:
            raise ServiceError(f"this comment was {comment.state.value} already")
        if comment.state is state:
            raise ServiceError(f"this comment is {state.value} already")
        await unpublish(conn, node.uris, record, comment, now)
        await comment_store.moderate(conn, comment.row_id, state, by=by, reason=reason, at=now)
        await report_store.close_reports_of_comment(
            conn, comment.row_id, ReportState.ACTIONED, by=by, at=now
        )
        changed = await comment_store.comment_by_row_id(conn, comment.row_id)
    assert changed is not None
    return changed


async def hide_comment(
    node: Node, reference: str, comment_uri: str, *, by: str, reason: str | None = None
) -> CommentRecord:
    """An admin hides a comment: out of the thread, its text kept for the admins."""
    return await _take_out(
        node, reference, comment_uri, CommentState.HIDDEN, by=by, reason=_reason(reason)
    )


async def remove_comment(node: Node, reference: str, comment_uri: str, *, by: str) -> CommentRecord:
    """An admin removes a comment for good: its text and history are erased."""
    return await _take_out(node, reference, comment_uri, CommentState.REMOVED, by=by, reason=None)


def check_report_reason(reason: str) -> str:
    clean = normalise_newlines(reason).strip()
    if not clean:
        raise ServiceError("say what is wrong with this comment")
    if len(clean) > MAX_REPORT_CHARS:
        raise ServiceError(f"a report is at most {MAX_REPORT_CHARS} characters")
    return clean


async def report_comment(
    node: Node, reference: str, comment_uri: str, username: str, reason: str
) -> ReportRecord:
    """A member reports a comment they can read on the site, for the admins to look at."""
    clean = check_report_reason(reason)
    reporter = node.uris.actor(username)
    async with node.engine.begin() as conn:
        record, comment = await _thread_comment(conn, node, reference, comment_uri)
        if not await audience.may_see_proposal(conn, record, reporter):
            raise NotFound(f"no proposal {reference!r}")
        if await active_member_row(conn, reporter) is None:
            raise ServiceError("only the co-op's active members can report a comment")
        if comment.state in UNSEEN:
            raise NotFound(f"no comment {comment_uri!r} on this proposal")
        new = NewReport(
            comment.row_id, reporter, host_of(reporter), CommentSource.SITE, None, clean
        )
        stored = await report_store.insert_report(conn, new, node.clock())
        if stored is None:
            raise ServiceError("you have reported this comment already")
    return stored


async def receive_flag(conn: AsyncConnection, flag: RemoteFlag, received_at: datetime) -> Received:
    """A `Flag` from another server: a report against each of our threads' comments it names
    (Mastodon also names the account; ids that are not comments of ours are left out)."""
    found: list[CommentRecord] = []
    for object_id in flag.objects:
        comment = await comment_store.comment_by_uri(conn, object_id)
        if comment is not None and comment.state not in UNSEEN:
            found.append(comment)
    if not found:
        return ignored("a report of nothing in our discussions")
    host = host_of(flag.actor)
    room = MAX_OPEN_REPORTS_PER_HOST - await report_store.open_reports_from_host(conn, host)
    if room < len(found):
        return ignored(f"too many open reports from {host[:100]}")
    reason = flag.reason or "(no reason given)"
    stored = 0
    for comment in found:
        new = NewReport(
            comment.row_id, flag.actor, host, CommentSource.FEDIVERSE, flag.flag_id, reason
        )
        stored += await report_store.insert_report(conn, new, received_at) is not None
    if not stored:
        return ignored("these comments were reported by this actor already")
    return done(f"{stored} comment(s) reported")


async def _views(
    conn: AsyncConnection, node: Node, reports: list[ReportRecord]
) -> list[ReportView]:
    views = []
    for report in reports:
        comment = await comment_store.comment_by_row_id(conn, report.comment_row_id)
        record = await proposal_store.get_by_row_id(conn, report.proposal_row_id)
        assert comment is not None and record is not None  # foreign keys
        views.append(
            ReportView(report, entry_of(node.uris, comment), record.slug, record.proposal.title)
        )
    return views


async def reports_of_proposal(
    node: Node, reference: str, *, include_closed: bool = False
) -> list[ReportView]:
    """A proposal's reports, oldest first: open ones, or all (`coopfed proposal reports`)."""
    async with node.engine.connect() as conn:
        record = await proposal_store.get_by_slug(conn, slug_of(node.uris, reference))
        if record is None:
            raise NotFound(f"no proposal {reference!r}")
        reports = await report_store.reports_of_proposal(
            conn, record.row_id, open_only=not include_closed
        )
        return await _views(conn, node, reports)


async def open_reports(node: Node) -> tuple[list[ReportView], int]:
    """The oldest open reports of every proposal (the admins' page), and how many are open."""
    async with node.engine.connect() as conn:
        reports = await report_store.open_reports(conn, OPEN_REPORTS_SHOWN)
        return await _views(conn, node, reports), await report_store.count_open(conn)


async def dismiss_report(node: Node, reference: str, report_id: int, *, by: str) -> ReportRecord:
    """An admin looked and leaves the comment as it is."""
    now = node.clock()
    async with node.engine.begin() as conn:
        record = await proposal_store.get_by_slug(conn, slug_of(node.uris, reference))
        report = await report_store.report_by_id(conn, report_id)
        if record is None:
            raise NotFound(f"no proposal {reference!r}")
        if report is None or report.proposal_row_id != record.row_id:
            raise NotFound(f"no report {report_id} on this proposal")
        if report.state is not ReportState.OPEN:
            raise ServiceError(f"this report is {report.state.value}, not open")
        await report_store.close_report(conn, report.row_id, ReportState.DISMISSED, by=by, at=now)
        closed = await report_store.report_by_id(conn, report.row_id)
    assert closed is not None
    return closed
