"""`coopfed proposal comments ID [--json]`: a proposal's discussion, hidden comments included;
`coopfed proposal release-comment ID COMMENT [--json]`: a held non-member's reply let in;
`coopfed proposal hide-comment ID COMMENT [--reason TEXT] [--json]` and
`coopfed proposal remove-comment ID COMMENT [--json]`: an admin takes a comment out;
`coopfed proposal reports ID [--all] [--json]` and
`coopfed proposal dismiss-report ID REPORT [--json]`: reports against its comments.

Each comment: author (a local member's username, else the actor IRI), source (`site` or
`fediverse`), text, published (RFC 3339), state (`shown`, `from_followers`, `held`, `hidden`,
`removed`, `deleted` by its author), and since moderation: reason, moderated_by,
moderated_at, edited_at, history (the earlier texts of a comment its author edited: text,
written, replaced).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from coopfed.cli.governance_views import run_service
from coopfed.cli.support import print_json

if TYPE_CHECKING:
    from coopfed.node import Node


def cmd_comments(args: argparse.Namespace) -> int:
    from coopfed.cli.governance_views import when
    from coopfed.governance.canonical import rfc3339
    from coopfed.services import comments

    async def work(node: Node) -> list[dict[str, Any]]:
        entries = await comments.thread_with_history(node, args.proposal)
        return [
            {
                "id": entry.comment.uri,
                "author": entry.author_label,
                "author_actor": entry.comment.author_uri,
                "source": entry.comment.source.value,
                "text": entry.comment.content_text,
                "published": rfc3339(entry.comment.published_at),
                "state": entry.comment.state.value,
                "in_reply_to": entry.comment.in_reply_to,
                "reason": entry.comment.moderation_reason,
                "moderated_by": entry.comment.moderated_by,
                "moderated_at": when(entry.comment.moderated_at),
                "edited_at": when(entry.comment.edited_at),
                "history": [
                    {
                        "text": edit.content_text,
                        "written": rfc3339(edit.written_at),
                        "replaced": rfc3339(edit.replaced_at),
                    }
                    for edit in history
                ],
            }
            for entry, history in entries
        ]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    if not views:
        print("no comments yet")
    for view in views:
        state = "" if view["state"] == "shown" else f" [{view['state']}]"
        state += " (edited)" if view["edited_at"] else ""
        print(f"{view['published']}  {view['author']} ({view['source']}){state}")
        for line in view["text"].splitlines():
            print(f"    {line}")
    return 0


def cmd_release_comment(args: argparse.Namespace) -> int:
    from coopfed.services import comments

    async def work(node: Node) -> dict[str, Any]:
        released = await comments.release_reply(node, args.proposal, args.comment)
        return {"id": released.uri, "state": released.state.value}

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(f"released {view['id']} ({view['state']})")
    return 0


def _moderated(args: argparse.Namespace, action: str) -> int:
    from coopfed.cli.support import admin_name
    from coopfed.services import comment_moderation as moderation

    async def work(node: Node) -> dict[str, Any]:
        if action == "hide":
            comment = await moderation.hide_comment(
                node, args.proposal, args.comment, by=admin_name(), reason=args.reason
            )
        else:
            comment = await moderation.remove_comment(
                node, args.proposal, args.comment, by=admin_name()
            )
        return {
            "id": comment.uri,
            "state": comment.state.value,
            "reason": comment.moderation_reason,
        }

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(f"{view['state']} {view['id']}")
    return 0


def cmd_hide_comment(args: argparse.Namespace) -> int:
    return _moderated(args, "hide")


def cmd_remove_comment(args: argparse.Namespace) -> int:
    return _moderated(args, "remove")


def report_json(view: Any) -> dict[str, Any]:
    from coopfed.cli.governance_views import when
    from coopfed.governance.canonical import rfc3339

    report = view.report
    return {
        "id": report.row_id,
        "comment": report.comment_uri,
        "comment_author": view.entry.author_label,
        "comment_text": view.entry.comment.content_text,
        "comment_state": view.entry.comment.state.value,
        "reporter": report.reporter_uri,
        "source": report.source.value,
        "flag": report.flag_uri,
        "reason": report.reason,
        "state": report.state.value,
        "created": rfc3339(report.created_at),
        "closed_at": when(report.closed_at),
        "closed_by": report.closed_by,
    }


def cmd_reports(args: argparse.Namespace) -> int:
    from coopfed.services import comment_moderation as moderation

    async def work(node: Node) -> list[dict[str, Any]]:
        views = await moderation.reports_of_proposal(node, args.proposal, include_closed=args.all)
        return [report_json(view) for view in views]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    if not views:
        print("no open reports" if not args.all else "no reports")
    for view in views:
        print(f"#{view['id']} {view['created']}  [{view['state']}] by {view['reporter']}")
        print(f"    comment {view['comment']} ({view['comment_author']})")
        for line in view["reason"].splitlines():
            print(f"    > {line}")
    return 0


def cmd_dismiss_report(args: argparse.Namespace) -> int:
    from coopfed.cli.support import admin_name
    from coopfed.services import comment_moderation as moderation

    async def work(node: Node) -> dict[str, Any]:
        report = await moderation.dismiss_report(node, args.proposal, args.report, by=admin_name())
        return {"id": report.row_id, "state": report.state.value}

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(f"report #{view['id']} {view['state']}")
    return 0
