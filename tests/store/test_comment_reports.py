"""store/comment_reports and the moderation half of store/comments: one report per reporter
and comment, open counts per server, closing; removal erases text and history."""

from __future__ import annotations

from datetime import timedelta

from coopfed.node import Node
from coopfed.services import comments
from coopfed.store import comment_reports as report_store
from coopfed.store import comments as comment_store
from coopfed.store.comment_reports import NewReport, ReportState
from coopfed.store.comments import CommentSource, CommentState
from tests.support.governance import T0, add_locals, open_yes_no, use_clock

FLAGGER = "https://social.example/actor"


async def _comment_row(node: Node) -> tuple[int, int]:
    use_clock(node)
    await add_locals(node, "bea")
    record = await open_yes_no(node)
    posted = await comments.post_comment(node, record.slug, "bea", "First")
    return record.row_id, posted.row_id


def _report(comment_row: int, reporter: str = FLAGGER) -> NewReport:
    host = reporter.split("/")[2]
    return NewReport(
        comment_row, reporter, host, CommentSource.FEDIVERSE, f"{reporter}/flags/1", "spam"
    )


async def test_one_report_per_reporter_and_comment_counted_per_server(node: Node) -> None:
    proposal_row, comment_row = await _comment_row(node)
    async with node.engine.begin() as conn:
        first = await report_store.insert_report(conn, _report(comment_row), T0)
        assert first is not None and first.state is ReportState.OPEN
        assert await report_store.insert_report(conn, _report(comment_row), T0) is None
        other = "https://social.example/users/mod"
        assert await report_store.insert_report(conn, _report(comment_row, other), T0)
        assert await report_store.open_reports_from_host(conn, "social.example") == 2
        assert await report_store.open_reports_from_host(conn, "elsewhere.example") == 0
        assert await report_store.count_open(conn) == 2
        listed = await report_store.reports_of_proposal(conn, proposal_row, open_only=True)
    assert [r.reporter_uri for r in listed] == [FLAGGER, other]
    assert listed[0].comment_uri.startswith(node.uris.comment(""))


async def test_closing_a_comments_reports_leaves_them_listed_as_closed(node: Node) -> None:
    proposal_row, comment_row = await _comment_row(node)
    later = T0 + timedelta(hours=1)
    async with node.engine.begin() as conn:
        await report_store.insert_report(conn, _report(comment_row), T0)
        closed = await report_store.close_reports_of_comment(
            conn, comment_row, ReportState.ACTIONED, by="cli:test", at=later
        )
        assert closed == 1
        assert await report_store.count_open(conn) == 0
        assert await report_store.reports_of_proposal(conn, proposal_row, open_only=True) == []
        (report,) = await report_store.reports_of_proposal(conn, proposal_row, open_only=False)
    assert (report.state, report.closed_by, report.closed_at) == (
        ReportState.ACTIONED,
        "cli:test",
        later,
    )


async def test_removal_erases_the_text_and_its_history(node: Node) -> None:
    _, comment_row = await _comment_row(node)
    async with node.engine.begin() as conn:
        comment = await comment_store.comment_by_row_id(conn, comment_row)
        assert comment is not None
        await comment_store.replace_text(conn, comment, "<p>Second</p>", "Second", T0)
        assert [e.content_text for e in await comment_store.edits_of(conn, comment_row)] == [
            "First"
        ]
        await comment_store.moderate(
            conn, comment_row, CommentState.REMOVED, by="cli:test", reason=None, at=T0
        )
        gone = await comment_store.comment_by_row_id(conn, comment_row)
        assert gone is not None and (gone.content_text, gone.content_html) == ("", "")
        assert gone.state is CommentState.REMOVED and gone.edited_at == T0
        assert await comment_store.edits_of(conn, comment_row) == []
