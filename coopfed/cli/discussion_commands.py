"""`coopfed discussion list|show|start|propose`: threads before a proposal (issue 16), and
`coopfed discussion comments|release-comment|hide-comment|unhide-comment|remove-comment|
reports|dismiss-report`: its comments' moderation, as for a proposal (cli/comment_commands.py).

`list` and `show` are the admin's view (every discussion; `show` includes held and hidden
replies); `start` opens one as a member (`--member USERNAME`); `propose` turns one into a draft
proposal as an admin, whatever the charter's `discussion_drafts`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from coopfed.cli.comment_commands import register_verbs
from coopfed.cli.governance_views import run_service
from coopfed.cli.support import print_json
from coopfed.governance.proposal import VISIBILITIES

if TYPE_CHECKING:  # services load SQLAlchemy: imported by the handlers, when a command runs
    from coopfed.node import Node
    from coopfed.services.discussions import DiscussionPage
    from coopfed.store.discussions import DiscussionRecord
    from coopfed.store.proposals import ProposalRecord


def _json(record: DiscussionRecord, proposal: ProposalRecord | None = None) -> dict[str, Any]:
    from coopfed.governance.canonical import rfc3339

    return {
        "id": record.public_id,
        "uri": record.uri,
        "title": record.title,
        "text": record.body,
        "visibility": record.visibility,
        "author": record.author_uri,
        "created": rfc3339(record.created_at),
        "comment_count": record.comment_count,
        "proposal": None if proposal is None else proposal.slug,
        "proposal_status": None if proposal is None else proposal.proposal.state.value,
    }


def _page_json(page: DiscussionPage) -> dict[str, Any]:
    from coopfed.governance.canonical import rfc3339

    view = _json(page.discussion, page.proposal)
    seen = ("shown", "from_followers")
    view["comment_count"] = sum(1 for e in page.comments if e.comment.state.value in seen)
    view["comments"] = [
        {
            "id": entry.comment.uri,
            "author": entry.author_label,
            "author_actor": entry.comment.author_uri,
            "source": entry.comment.source.value,
            "text": entry.comment.content_text,
            "published": rfc3339(entry.comment.published_at),
            "state": entry.comment.state.value,
            "in_reply_to": entry.comment.in_reply_to,
        }
        for entry in page.comments
    ]
    return view


def cmd_list(args: argparse.Namespace) -> int:
    from coopfed.services import discussions

    async def work(node: Node) -> list[dict[str, Any]]:
        return [_json(r) for r in await discussions.list_for(node, None, True)]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    if not views:
        print("no discussions yet")
    for view in views:
        count = f"{view['comment_count']:>3} comments"
        print(f"{view['id']}  {view['visibility']:<8} {count}  {view['title']}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from coopfed.services import discussions

    async def work(node: Node) -> dict[str, Any]:
        return _page_json(await discussions.show_for_admin(node, args.discussion))

    view = run_service(args, work)
    if args.json:
        print_json(view)
        return 0
    print(f"{view['title']}\n  {view['uri']}\n  {view['visibility']}, by {view['author']}")
    if view["proposal"]:
        print(f"  became proposal {view['proposal']} ({view['proposal_status']})")
    print()
    print(view["text"])
    for comment in view["comments"]:
        state = "" if comment["state"] == "shown" else f" [{comment['state']}]"
        print(f"\n{comment['published']}  {comment['author']} ({comment['source']}){state}")
        for line in comment["text"].splitlines():
            print(f"    {line}")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from coopfed.services import discussions

    async def work(node: Node) -> dict[str, Any]:
        record = await discussions.start_discussion(
            node, args.member, args.title, args.text, args.visibility
        )
        return _json(record)

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(view["uri"])
    return 0


def cmd_propose(args: argparse.Namespace) -> int:
    from coopfed.services import discussions
    from coopfed.services.proposals import find_proposal

    async def work(node: Node) -> dict[str, Any]:
        proposal = await discussions.propose_from(node, args.discussion, actor=None, is_admin=True)
        page = await discussions.show_for_admin(node, args.discussion)
        return {**_json(page.discussion, await find_proposal(node, proposal.slug)),
                "proposal_uri": proposal.uri}  # fmt: skip

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(view["proposal_uri"])
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    discussion = sub.add_parser("discussion", help="discussions: threads before a proposal")
    verbs = discussion.add_subparsers(dest="discussion_command", required=True, metavar="COMMAND")
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="machine-readable output")

    listing = verbs.add_parser("list", parents=[common, json_flag], help="every discussion")
    listing.set_defaults(handler=cmd_list)

    show = verbs.add_parser("show", parents=[common, json_flag], help="a discussion and its thread")
    show.add_argument("discussion", metavar="ID", help="the discussion's id or IRI")
    show.set_defaults(handler=cmd_show)

    start = verbs.add_parser("start", parents=[common, json_flag], help="start a discussion")
    start.add_argument("--member", required=True, metavar="USERNAME", help="the member starting it")
    start.add_argument("--title", required=True)
    start.add_argument("--text", required=True, help="what is to be discussed")
    start.add_argument("--visibility", default="public", choices=VISIBILITIES)
    start.set_defaults(handler=cmd_start)

    propose = verbs.add_parser(
        "propose", parents=[common, json_flag], help="turn a discussion into a draft proposal"
    )
    propose.add_argument("discussion", metavar="ID", help="the discussion's id or IRI")
    propose.set_defaults(handler=cmd_propose)

    register_verbs(verbs, [common, json_flag], "discussion", with_comments=True)
