"""Moderating a thread, a proposal's or a discussion's (issue 16): admins hide, remove or
unhide comments; members report them from the site, other servers with a `Flag`; admins see
and close the reports. Every function names its thread by `kind` and reference (a proposal's
slug by default, as the proposal commands always did).

Hiding keeps the text for the admins (`coopfed proposal comments`); removing erases it and its
edit history, leaving the row as a tombstone so the same reply delivered again stays out. Either
takes the comment out of the page, the Question's (or discussion Note's) `replies` and the
comment's own GET, and for a site comment the co-op published, sends its `Delete` and the
Group's `Undo{Announce}` in the same transaction (services/comments.unpublish). Both close the
comment's open reports. Unhiding brings a hidden comment back; a site comment's Note is sent
again as when it was posted (services/comments.publish_comment), to its thread's audience now.

A report never tells its sender anything back, and a server's reports are capped
(`MAX_OPEN_REPORTS_PER_HOST` open at once, one per reporter and comment): a `Flag` flood fills
nothing but its own quota (docs/threats.md MOD-2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.moderation import MAX_REPORT_CHARS, RemoteFlag
from coopfed.governance.proposal_text import normalise_newlines
from coopfed.node import Node
from coopfed.services import comment_threads as threads
from coopfed.services.comment_threads import ThreadTarget
from coopfed.services.comments import (
    GONE,
    UNSEEN,
    ThreadEntry,
    active_member_row,
    entry_of,
    republish,
    unpublish,
)
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.received import Received, done, ignored
from coopfed.store import comment_reports as report_store
from coopfed.store import comments as comment_store
from coopfed.store.comment_reports import NewReport, ReportRecord, ReportState
from coopfed.store.comments import CommentRecord, CommentSource, CommentState, ThreadKind
from coopfed.store.outbox import host_of

MAX_OPEN_REPORTS_PER_HOST = 100
MAX_HIDE_REASON_CHARS = 500
OPEN_REPORTS_SHOWN = 200


@dataclass(frozen=True)
class ReportView:
    """A report with what an admin needs to judge it."""

    report: ReportRecord
    entry: ThreadEntry  # the reported comment (its text is empty once removed)
    target: ThreadTarget  # its thread: a proposal or a discussion

    @property
    def proposal_slug(self) -> str:
        """The thread's reference (a discussion's public id for a discussion's comment)."""
        return self.target.reference

    @property
    def proposal_title(self) -> str:
        return self.target.title


async def _target(
    conn: AsyncConnection, node: Node, kind: ThreadKind, reference: str
) -> ThreadTarget:
    target = await threads.find(conn, node.uris, kind, reference)
    if target is None:
        raise NotFound(f"no {kind.value} {reference!r}")
    return target


async def _thread_comment(
    conn: AsyncConnection, node: Node, reference: str, comment_uri: str, kind: ThreadKind
) -> tuple[ThreadTarget, CommentRecord]:
    target = await _target(conn, node, kind, reference)
    comment = await comment_store.comment_in_thread(conn, target.thread, comment_uri)
    if comment is None:
        raise NotFound(f"no comment {comment_uri!r} on this {kind.value}")
    return target, comment


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
    kind: ThreadKind,
) -> CommentRecord:
    now = node.clock()
    async with node.engine.begin() as conn:
        target, comment = await _thread_comment(conn, node, reference, comment_uri, kind)
        if comment.state in GONE:
            raise ServiceError(f"this comment was {comment.state.value} already")
        if comment.state is state:
            raise ServiceError(f"this comment is {state.value} already")
        await unpublish(conn, node.uris, target, comment, now)
        await comment_store.moderate(conn, comment.row_id, state, by=by, reason=reason, at=now)
        await report_store.close_reports_of_comment(
            conn, comment.row_id, ReportState.ACTIONED, by=by, at=now
        )
        changed = await comment_store.comment_by_row_id(conn, comment.row_id)
    assert changed is not None
    return changed


async def hide_comment(
    node: Node,
    reference: str,
    comment_uri: str,
    *,
    by: str,
    reason: str | None = None,
    kind: ThreadKind = ThreadKind.PROPOSAL,
) -> CommentRecord:
    """An admin hides a comment: out of the thread, its text kept for the admins."""
    return await _take_out(
        node, reference, comment_uri, CommentState.HIDDEN, by=by, reason=_reason(reason),
        kind=kind,
    )  # fmt: skip


async def remove_comment(
    node: Node,
    reference: str,
    comment_uri: str,
    *,
    by: str,
    kind: ThreadKind = ThreadKind.PROPOSAL,
) -> CommentRecord:
    """An admin removes a comment for good: its text and history are erased."""
    return await _take_out(
        node, reference, comment_uri, CommentState.REMOVED, by=by, reason=None, kind=kind
    )


async def unhide_comment(
    node: Node, reference: str, comment_uri: str, *, kind: ThreadKind = ThreadKind.PROPOSAL
) -> CommentRecord:
    """An admin brings a hidden comment back: a member's among the members' comments, anyone
    else's apart as from followers (as a released reply). A site comment is published again:
    its author's `Create{Note}` (same id, same text) to the thread's audience as it is now, and
    for a public thread the Group's new `Announce` of it (FEDERATION.md, "Moderation")."""
    now = node.clock()
    async with node.engine.begin() as conn:
        target, comment = await _thread_comment(conn, node, reference, comment_uri, kind)
        if comment.state is not CommentState.HIDDEN:
            raise ServiceError(f"this comment is {comment.state.value}, not hidden")
        state = CommentState.SHOWN if comment.member_row_id else CommentState.FROM_FOLLOWERS
        await comment_store.unhide(conn, comment.row_id, state)
        back = replace(
            comment, state=state, moderated_by=None, moderation_reason=None, moderated_at=None
        )
        if comment.source is CommentSource.SITE:
            await republish(conn, node.uris, target, back, now)
        changed = await comment_store.comment_by_row_id(conn, comment.row_id)
    assert changed is not None
    return changed


def check_report_reason(reason: str) -> str:
    clean = normalise_newlines(reason).strip()
    if not clean:
        raise ServiceError("say what is wrong with this comment")
    if len(clean) > MAX_REPORT_CHARS:
        raise ServiceError(f"a report is at most {MAX_REPORT_CHARS} characters")
    return clean


async def report_comment(
    node: Node,
    reference: str,
    comment_uri: str,
    username: str,
    reason: str,
    kind: ThreadKind = ThreadKind.PROPOSAL,
) -> ReportRecord:
    """A member reports a comment they can read on the site, for the admins to look at."""
    clean = check_report_reason(reason)
    reporter = node.uris.actor(username)
    async with node.engine.begin() as conn:
        target, comment = await _thread_comment(conn, node, reference, comment_uri, kind)
        if not await threads.may_see(conn, target, reporter):
            raise NotFound(f"no {kind.value} {reference!r}")
        if await active_member_row(conn, reporter) is None:
            raise ServiceError("only the co-op's active members can report a comment")
        if comment.state in UNSEEN:
            raise NotFound(f"no comment {comment_uri!r} on this {kind.value}")
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
        target = await threads.target_of(conn, report.thread)
        assert comment is not None and target is not None  # foreign keys
        views.append(ReportView(report, entry_of(node.uris, comment), target))
    return views


async def reports_of_proposal(
    node: Node, reference: str, *, include_closed: bool = False
) -> list[ReportView]:
    """A proposal's reports, oldest first: open ones, or all (`coopfed proposal reports`)."""
    return await reports_of_thread(
        node, ThreadKind.PROPOSAL, reference, include_closed=include_closed
    )


async def reports_of_thread(
    node: Node, kind: ThreadKind, reference: str, *, include_closed: bool = False
) -> list[ReportView]:
    """A thread's reports, oldest first: open ones, or all (`proposal|discussion reports`)."""
    async with node.engine.connect() as conn:
        target = await _target(conn, node, kind, reference)
        reports = await report_store.reports_of_thread(
            conn, target.thread, open_only=not include_closed
        )
        return await _views(conn, node, reports)


async def open_reports(node: Node) -> tuple[list[ReportView], int]:
    """The oldest open reports of every thread (the admins' page), and how many are open."""
    async with node.engine.connect() as conn:
        reports = await report_store.open_reports(conn, OPEN_REPORTS_SHOWN)
        return await _views(conn, node, reports), await report_store.count_open(conn)


async def dismiss_report(
    node: Node,
    reference: str,
    report_id: int,
    *,
    by: str,
    kind: ThreadKind = ThreadKind.PROPOSAL,
) -> ReportRecord:
    """An admin looked and leaves the comment as it is."""
    now = node.clock()
    async with node.engine.begin() as conn:
        target = await _target(conn, node, kind, reference)
        report = await report_store.report_by_id(conn, report_id)
        if report is None or report.thread != target.thread:
            raise NotFound(f"no report {report_id} on this {kind.value}")
        if report.state is not ReportState.OPEN:
            raise ServiceError(f"this report is {report.state.value}, not open")
        await report_store.close_report(conn, report.row_id, ReportState.DISMISSED, by=by, at=now)
        closed = await report_store.report_by_id(conn, report.row_id)
    assert closed is not None
    return closed
