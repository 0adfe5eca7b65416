"""`coopfed proposal comments ID [--json]`: a proposal's discussion, hidden comments included;
`coopfed proposal release-comment ID COMMENT [--json]`: a held non-member's reply let in.

Each comment: author (a local member's username, else the actor IRI), source (`site` or
`fediverse`), text, published (RFC 3339), state (`shown`, `from_followers`, `held`, `hidden`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from coopfed.cli.governance_views import run_service
from coopfed.cli.support import print_json

if TYPE_CHECKING:
    from coopfed.node import Node


def cmd_comments(args: argparse.Namespace) -> int:
    from coopfed.governance.canonical import rfc3339
    from coopfed.services import comments

    async def work(node: Node) -> list[dict[str, Any]]:
        entries = await comments.thread_of_admin(node, args.proposal)
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
            }
            for entry in entries
        ]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    if not views:
        print("no comments yet")
    for view in views:
        state = "" if view["state"] == "shown" else f" [{view['state']}]"
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
