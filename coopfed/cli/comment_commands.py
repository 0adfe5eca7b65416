"""`coopfed proposal comments ID [--json]`: a proposal's discussion, hidden comments included;
`coopfed proposal release-comment ID COMMENT [--json]`: a held non-member's reply let in;
`coopfed proposal hide-comment ID COMMENT [--reason TEXT] [--json]` and
`coopfed proposal remove-comment ID COMMENT [--json]`: an admin takes a comment out;
`coopfed proposal unhide-comment ID COMMENT [--json]`: a hidden comment back in the thread
(a site comment is sent to the fediverse again);
`coopfed proposal reports ID [--all] [--json]` and
`coopfed proposal dismiss-report ID REPORT [--json]`: reports against its comments.

The same verbs, with the same output, under `coopfed discussion` for a discussion's comments
(ID: the discussion's id or IRI): `register_verbs` adds them to either command.

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
    from coopfed.store.comments import ThreadKind


def _thread(args: argparse.Namespace) -> tuple[ThreadKind, str]:
    """The thread the command names: `proposal ID` or `discussion ID` (set by register_verbs)."""
    from coopfed.store.comments import ThreadKind

    kind = ThreadKind(getattr(args, "thread_kind", "proposal"))
    return kind, getattr(args, kind.value)


def cmd_comments(args: argparse.Namespace) -> int:
    from coopfed.cli.governance_views import when
    from coopfed.governance.canonical import rfc3339
    from coopfed.services import comments

    async def work(node: Node) -> list[dict[str, Any]]:
        kind, reference = _thread(args)
        entries = await comments.thread_with_history(node, reference, kind)
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
        kind, reference = _thread(args)
        released = await comments.release_reply(node, reference, args.comment, kind)
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
        kind, reference = _thread(args)
        if action == "hide":
            comment = await moderation.hide_comment(
                node, reference, args.comment, by=admin_name(), reason=args.reason, kind=kind
            )
        elif action == "unhide":
            comment = await moderation.unhide_comment(node, reference, args.comment, kind=kind)
        else:
            comment = await moderation.remove_comment(
                node, reference, args.comment, by=admin_name(), kind=kind
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


def cmd_unhide_comment(args: argparse.Namespace) -> int:
    return _moderated(args, "unhide")


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
        kind, reference = _thread(args)
        views = await moderation.reports_of_thread(node, kind, reference, include_closed=args.all)
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
        kind, reference = _thread(args)
        report = await moderation.dismiss_report(
            node, reference, args.report, by=admin_name(), kind=kind
        )
        return {"id": report.row_id, "state": report.state.value}

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(f"report #{view['id']} {view['state']}")
    return 0


def register_verbs(
    verbs: Any,
    parents: list[argparse.ArgumentParser],
    noun: str,
    *,
    with_comments: bool = False,
) -> None:
    """The moderation verbs under `coopfed proposal` or `coopfed discussion` (`noun`), each
    naming its thread as `ID` (stored as args.<noun>); `comments` too when `with_comments`."""
    thread_help = f"the {noun}'s id or IRI"

    def verb(name: str, handler: Any, text: str, comment_help: str | None) -> Any:
        parser = verbs.add_parser(name, parents=parents, help=text)
        parser.add_argument(noun, metavar="ID", help=thread_help)
        if comment_help is not None:
            parser.add_argument("comment", metavar="COMMENT", help=comment_help)
        parser.set_defaults(handler=handler, thread_kind=noun)
        return parser

    if with_comments:
        verb("comments", cmd_comments, f"the {noun}'s comments (site and fediverse)", None)
    verb(
        "release-comment", cmd_release_comment, "let a held reply into the thread",
        "the held reply's id (its IRI)",
    )  # fmt: skip
    hide = verb(
        "hide-comment", cmd_hide_comment, "take a comment out of the thread",
        "the comment's id (its IRI)",
    )  # fmt: skip
    hide.add_argument("--reason", help="why, kept for the admins")
    verb(
        "unhide-comment", cmd_unhide_comment, "bring a hidden comment back (sent again)",
        "the hidden comment's id (its IRI)",
    )  # fmt: skip
    verb(
        "remove-comment", cmd_remove_comment, "remove a comment and its text for good",
        "the comment's id (its IRI)",
    )  # fmt: skip
    reports = verb("reports", cmd_reports, f"reports against the {noun}'s comments", None)
    reports.add_argument("--all", action="store_true", help="closed reports too")
    dismiss = verb(
        "dismiss-report", cmd_dismiss_report, "close a report, the comment left as is", None
    )
    dismiss.add_argument("report", metavar="REPORT", type=int, help="the report's number")
