"""`coopfed member links ID_OR_ACTOR [--unlink ACTOR] [--json]`: a member's linked accounts.

Members link accounts themselves (a one-time code sent in a direct message, see /me); admins
see them here and can remove one (its later votes no longer count for the member).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from coopfed.cli.governance_views import run_service, when
from coopfed.cli.support import print_json

if TYPE_CHECKING:
    from coopfed.node import Node
    from coopfed.store.account_links import LinkedActor


def link_json(link: LinkedActor) -> dict[str, Any]:
    return {
        "actor": link.actor_uri,
        "host": link.host,
        "username": link.username,
        "name": link.name,
        "linked_at": when(link.linked_at),
    }


def cmd_member_links(args: argparse.Namespace) -> int:
    from coopfed.services import account_links, members

    async def work(node: Node) -> list[dict[str, Any]]:
        record, _events = await members.find_member(node, args.member)
        if args.unlink is not None:
            await account_links.unlink_actor(node, record, args.unlink)
        return [link_json(link) for link in await account_links.member_links(node, record)]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    for view in views:
        print(f"{view['linked_at']}  {view['actor']}")
    if not views:
        print("no linked accounts (a member links one from their page, /me)")
    return 0


def register_link_commands(member_sub: Any, common: argparse.ArgumentParser) -> None:
    links = member_sub.add_parser(
        "links", parents=[common], help="a member's linked fediverse accounts"
    )
    links.add_argument("member", metavar="ID_OR_ACTOR", help="member id, actor, username or acct:")
    links.add_argument("--unlink", metavar="ACTOR", help="remove this linked account first")
    links.add_argument("--json", action="store_true", help="machine-readable output")
    links.set_defaults(handler=cmd_member_links)
