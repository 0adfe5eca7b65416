"""`coopfed proxy grant|list|revoke`: members voting for one another (issue 18).

`grant FROM TO` lets member TO vote for member FROM: on one proposal (`--proposal ID`), on the
proposals on one assembly's agenda (`--assembly ID`, before it starts), or on every proposal
until a date (`--until DATE`, the last day included, in the co-op's time zone;
or an ISO 8601 time with a zone), or until revoked. The charter decides whether proxies are
allowed, the cap per holder and whether holder and grantor must share a class. The holder
then votes with `coopfed vote ID --member TO --on-behalf-of FROM`.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from coopfed.cli.governance_views import run_service, when
from coopfed.cli.support import CliError, print_json

if TYPE_CHECKING:
    from coopfed.node import Node
    from coopfed.services.proxies import GrantView


def until_from(text: str, time_zone: str) -> datetime:
    """`--until`: a day (the proxy holds through it, in `time_zone`) or a time with a zone."""
    from coopfed.services.proxies import through_day

    value = text.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        return through_day(day, time_zone)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--until {text!r}: expected a date such as 2030-03-31") from None
    if moment.tzinfo is None:
        raise CliError(f"--until {text!r}: give a time zone, e.g. 2030-03-31T18:00Z")
    return moment


def grant_json(view: GrantView) -> dict[str, Any]:
    stored = view.stored
    grant = stored.grant
    return {
        "id": stored.row_id,
        "grantor": grant.grantor,
        "grantor_handle": view.grantor_handle,
        "holder": grant.holder,
        "holder_handle": view.holder_handle,
        "proposal": grant.proposal_id,
        "assembly": grant.assembly_id,
        "until": when(grant.until),
        "granted_at": when(grant.granted_at),
        "revoked_at": when(stored.revoked_at),
    }


def _scope(view: dict[str, Any]) -> str:
    if view["proposal"] is not None:
        return f"for {view['proposal']}"
    if view["assembly"] is not None:
        return f"for the agenda of {view['assembly']}"
    if view["until"] is not None:
        return f"until {view['until']}"
    return "until revoked"


def _line(view: dict[str, Any]) -> str:
    revoked = f" (revoked {view['revoked_at']})" if view["revoked_at"] else ""
    return (
        f"proxy {view['id']}: {view['holder_handle']} for {view['grantor_handle']} "
        f"{_scope(view)}{revoked}"
    )


def cmd_grant(args: argparse.Namespace) -> int:
    from coopfed.services.proxies import grant_proxy

    async def work(node: Node) -> dict[str, Any]:
        until = None
        if args.until is not None:
            until = until_from(args.until, node.settings.coop.time_zone)
        view = await grant_proxy(
            node,
            args.grantor,
            args.holder,
            proposal=args.proposal,
            until=until,
            assembly=args.assembly,
        )
        return grant_json(view)

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(_line(view))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from coopfed.services.proxies import list_proxies

    async def work(node: Node) -> list[dict[str, Any]]:
        views = await list_proxies(node, args.member, active_only=not args.all)
        return [grant_json(view) for view in views]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    for view in views:
        print(_line(view))
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from coopfed.services.proxies import revoke_proxy

    async def work(node: Node) -> dict[str, Any]:
        return grant_json(await revoke_proxy(node, args.id))

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(_line(view))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    proxy = sub.add_parser("proxy", help="members voting for one another")
    verbs = proxy.add_subparsers(dest="proxy_command", required=True, metavar="COMMAND")
    grant = verbs.add_parser("grant", parents=[common], help="let TO vote for FROM")
    grant.add_argument("grantor", metavar="FROM", help="the member giving her proxy")
    grant.add_argument("holder", metavar="TO", help="the member who will vote for her")
    scope = grant.add_mutually_exclusive_group()
    scope.add_argument("--proposal", metavar="ID", help="only for this proposal")
    scope.add_argument(
        "--assembly", metavar="ID", help="for the proposals on this assembly's agenda"
    )
    grant.add_argument(
        "--until", metavar="DATE", help="through this day (or until an ISO time with a zone)"
    )
    grant.add_argument("--json", action="store_true", help="machine-readable output")
    grant.set_defaults(handler=cmd_grant)
    listing = verbs.add_parser("list", parents=[common], help="proxies in force")
    listing.add_argument("--member", help="only those this member gave or holds")
    listing.add_argument("--all", action="store_true", help="revoked and expired ones too")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_list)
    revoke = verbs.add_parser("revoke", parents=[common], help="revoke a proxy")
    revoke.add_argument("id", metavar="ID", type=int, help="the proxy's id (from proxy list)")
    revoke.add_argument("--json", action="store_true", help="machine-readable output")
    revoke.set_defaults(handler=cmd_revoke)
