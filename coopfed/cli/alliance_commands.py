"""`coopfed ally offer|accept|end|list`: alliances with other co-ops."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from coopfed.cli.governance_views import run_service, when
from coopfed.cli.support import print_json

if TYPE_CHECKING:
    from coopfed.node import Node
    from coopfed.store.alliances import Alliance


def alliance_json(alliance: Alliance) -> dict[str, Any]:
    return {
        "coop": alliance.remote_actor_uri,
        "direction": alliance.direction,
        "state": alliance.state,
        "offer": alliance.offer_activity_id,
        "since": when(alliance.created_at),
        "updated_at": when(alliance.updated_at),
        "proposal": alliance.proposal_uri,  # the members' vote on an offer, if any
    }


def _one(args: argparse.Namespace, action: Any) -> int:
    async def work(node: Node) -> dict[str, Any]:
        return alliance_json(await action(node, args.coop))

    view = run_service(args, work)
    print(f"{view['coop']}: {view['state']}")
    return 0


def cmd_offer(args: argparse.Namespace) -> int:
    from coopfed.services import alliances

    return _one(args, alliances.offer_alliance)


def cmd_accept(args: argparse.Namespace) -> int:
    from coopfed.services import alliances

    return _one(args, alliances.accept_alliance)


def cmd_end(args: argparse.Namespace) -> int:
    from coopfed.services import alliances

    return _one(args, alliances.end_alliance)


def cmd_list(args: argparse.Namespace) -> int:
    from coopfed.services import alliances

    async def work(node: Node) -> list[dict[str, Any]]:
        return [alliance_json(a) for a in await alliances.list_alliances(node)]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    for view in views:
        print(f"{view['coop']}  {view['state']:<8} ({view['direction']})")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    ally = sub.add_parser("ally", help="alliances with other co-ops")
    verbs = ally.add_subparsers(dest="ally_command", required=True, metavar="COMMAND")
    for name, handler, text in (
        ("offer", cmd_offer, "offer an alliance (and follow the co-op)"),
        ("accept", cmd_accept, "accept an alliance offered to this co-op"),
        ("end", cmd_end, "end an alliance, withdraw or decline an offer"),
    ):
        verb = verbs.add_parser(name, parents=[common], help=text)
        verb.add_argument("coop", metavar="HANDLE_OR_URL", help="acct:coop@host or actor URL")
        verb.set_defaults(handler=handler)
    listing = verbs.add_parser("list", parents=[common], help="alliances and offers")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_list)
