"""`coopfed member applications|admit|reject|leave|suspend|expel|reinstate|set-class|rebind|export|
principle|transfer|issue|redeem`.

Registered under `coopfed member` by member_commands. `--json` shapes are a contract.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coopfed.cli import support
from coopfed.cli.governance_views import member_json, run_service, when
from coopfed.cli.support import CliError, print_json
from coopfed.governance.errors import GovernanceError
from coopfed.governance.members import MemberStatus
from coopfed.governance.membership import principle_from_dict, principle_to_dict

if TYPE_CHECKING:
    from coopfed.node import Node
    from coopfed.store.membership import Application

ADMIN = "admin (cli)"


def application_json(application: Application) -> dict[str, Any]:
    return {
        "actor": application.actor_uri,
        "handle": application.handle,
        "class": application.requested_class,
        "message": application.message,
        "source": application.source,
        "state": application.state.value,
        "reason": application.reason,
        "join_activity": application.join_activity_id,
        "received_at": when(application.created_at),
        "decided_at": when(application.decided_at),
        "decided_by": application.decided_by,
        "email": application.email,  # where the outcome is (or was) e-mailed, if given
        "contact_actor": application.contact_actor,  # the fediverse account told, if given
        "language": application.language,  # the outcome is told in it (None: before 0039)
    }


def cmd_applications(args: argparse.Namespace) -> int:
    from coopfed.services import membership

    async def work(node: Node) -> list[dict[str, Any]]:
        found = await membership.list_applications(node, every=args.all)
        return [application_json(application) for application in found]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    for view in views:
        print(f"{view['state']:<8} {view['class']:<10} {view['actor']}  {view['message'][:60]}")
    if not views:
        print("no applications waiting")
    return 0


def _print_member(args: argparse.Namespace, view: dict[str, Any], verb: str) -> int:
    if args.json:
        print_json(view)
    else:
        print(f"member {view['id']} {verb}: {view['actor']} ({view['class']}, {view['status']})")
    return 0


def cmd_admit(args: argparse.Namespace) -> int:
    from coopfed.services import membership

    async def work(node: Node) -> dict[str, Any]:
        record = await membership.admit_applicant(
            node, args.actor, member_class=args.member_class, by=ADMIN
        )
        return member_json(record)

    return _print_member(args, run_service(args, work), "admitted")


def cmd_reject(args: argparse.Namespace) -> int:
    from coopfed.services import membership

    async def work(node: Node) -> None:
        await membership.reject_applicant(node, args.actor, reason=args.reason, by=ADMIN)

    run_service(args, work)
    print(f"application of {args.actor} rejected; the applicant is told why")
    return 0


def _ending(status: MemberStatus, verb: str) -> Any:
    def command(args: argparse.Namespace) -> int:
        from coopfed.services import member_lifecycle

        async def work(node: Node) -> dict[str, Any]:
            record = await member_lifecycle.end_membership(
                node, args.actor, status, reason=args.reason or "", decided_by=ADMIN
            )
            return member_json(record)

        return _print_member(args, run_service(args, work), verb)

    return command


def cmd_reinstate(args: argparse.Namespace) -> int:
    from coopfed.services import member_classes

    async def work(node: Node) -> dict[str, Any]:
        record = await member_classes.reinstate_member(
            node, args.actor, decided_by=ADMIN, reason=args.reason or ""
        )
        return member_json(record)

    return _print_member(args, run_service(args, work), "reinstated")


def cmd_set_class(args: argparse.Namespace) -> int:
    from coopfed.services import member_classes

    async def work(node: Node) -> dict[str, Any]:
        record = await member_classes.change_member_class(
            node, args.actor, args.member_class, decided_by=ADMIN, reason=args.reason or ""
        )
        return member_json(record)

    return _print_member(args, run_service(args, work), "moved")


def _share_command(verb: str) -> Any:
    def command(args: argparse.Namespace) -> int:
        from coopfed.services import shares

        change = shares.issue_shares if verb == "issued" else shares.redeem_shares

        async def work(node: Node) -> dict[str, Any]:
            return member_json(await change(node, args.actor, args.count, reason=args.reason))

        view = run_service(args, work)
        if args.json:
            print_json(view)
        else:
            print(f"{args.count} share(s) {verb}: member {view['id']} holds {view['shares']}")
        return 0

    return command


def cmd_rebind(args: argparse.Namespace) -> int:
    from coopfed.services import member_lifecycle

    async def work(node: Node) -> dict[str, Any]:
        resolver = support.make_resolver(node)
        record = await member_lifecycle.rebind_member(node, args.old, args.new, resolver=resolver)
        return member_json(record)

    return _print_member(args, run_service(args, work), "re-bound")


def cmd_export(args: argparse.Namespace) -> int:
    from coopfed.services import member_export

    async def work(node: Node) -> dict[str, Any]:
        return await member_export.export_member(node, args.actor)

    print_json(run_service(args, work))
    return 0


def cmd_principle(args: argparse.Namespace) -> int:
    from coopfed.services import membership_principle as principles

    parsed = None
    if args.set is not None:
        try:
            parsed = principle_from_dict(json.loads(Path(args.set).read_text()))
        except (OSError, ValueError, GovernanceError) as error:
            raise CliError(f"{args.set}: {error}") from None

    async def work(node: Node) -> dict[str, Any]:
        if parsed is not None:
            record = await principles.set_principle(node, parsed)
        else:
            record = await principles.principle_of(node)
        return {
            "version": record.version,
            "hash": record.hash,
            **principle_to_dict(record.principle),
        }

    view = run_service(args, work)
    if args.json:
        print_json(view)
        return 0
    print(f"membership principle v{view['version']} (roll: {view['roll_visibility']})")
    for policy in view["classes"]:
        print(
            f"  {policy['name']:<10} open={policy['open_to_applications']!s:<5} "
            f"admission={policy['admission']:<5} shares={policy['shares_required']} x "
            f"{policy['nominal_value']} {view['currency']} votes={policy['votes']} "
            f"transferable={policy['transferable']}"
        )
    return 0


def cmd_transfer(args: argparse.Namespace) -> int:
    from coopfed.services import shares

    async def work(node: Node) -> list[dict[str, Any]]:
        giver, taker = await shares.transfer_shares(node, args.source, args.target, args.count)
        return [member_json(giver), member_json(taker)]

    views = run_service(args, work)
    if args.json:
        print_json(views)
    else:
        print(f"{args.count} share(s) moved: {views[0]['id']} → {views[1]['id']}")
    return 0


def _with_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def register_member_commands(member_sub: Any, common: argparse.ArgumentParser) -> None:
    listing = member_sub.add_parser(
        "applications", parents=[common], help="applications waiting for a decision"
    )
    listing.add_argument("--all", action="store_true", help="also settled applications")
    _with_json(listing)
    listing.set_defaults(handler=cmd_applications)

    admit = member_sub.add_parser("admit", parents=[common], help="admit an applicant")
    admit.add_argument("actor", metavar="ACTOR", help="the applicant's actor URL or acct:")
    admit.add_argument("--class", dest="member_class", help="class (default: the one applied for)")
    _with_json(admit)
    admit.set_defaults(handler=cmd_admit)

    reject = member_sub.add_parser("reject", parents=[common], help="reject an applicant")
    reject.add_argument("actor", metavar="ACTOR")
    reject.add_argument("--reason", required=True, help="told to the applicant")
    reject.set_defaults(handler=cmd_reject)

    endings = (
        ("leave", MemberStatus.LEFT, "left", "record that a member left"),
        ("suspend", MemberStatus.SUSPENDED, "suspended", "suspend a member (a decision)"),
        ("expel", MemberStatus.EXPELLED, "expelled", "expel a member (a decision)"),
    )
    for name, status, verb, text in endings:
        ending = member_sub.add_parser(name, parents=[common], help=text)
        ending.add_argument("actor", metavar="ACTOR", help="member id, actor, username or acct:")
        ending.add_argument("--reason", help="the recorded reason (required to suspend or expel)")
        _with_json(ending)
        ending.set_defaults(handler=_ending(status, verb))

    reinstate = member_sub.add_parser(
        "reinstate", parents=[common], help="make a suspended member active again"
    )
    reinstate.add_argument("actor", metavar="ACTOR", help="member id, actor, username or acct:")
    reinstate.add_argument("--reason", help="the recorded reason (optional)")
    _with_json(reinstate)
    reinstate.set_defaults(handler=cmd_reinstate)

    set_class = member_sub.add_parser(
        "set-class", parents=[common], help="move a member to another class (shares stay)"
    )
    set_class.add_argument("actor", metavar="ACTOR", help="member id, actor, username or acct:")
    set_class.add_argument("member_class", metavar="CLASS", help="a class of the principle")
    set_class.add_argument("--reason", help="the recorded reason (optional)")
    _with_json(set_class)
    set_class.set_defaults(handler=cmd_set_class)

    rebind = member_sub.add_parser(
        "rebind", parents=[common], help="bind a member to another actor (one vote kept)"
    )
    rebind.add_argument("old", metavar="OLD", help="the member (id, actor, username or acct:)")
    rebind.add_argument("new", metavar="NEW", help="the new actor URL or acct:user@host")
    _with_json(rebind)
    rebind.set_defaults(handler=cmd_rebind)

    export = member_sub.add_parser(
        "export", parents=[common], help="everything the node holds about a member, as JSON"
    )
    export.add_argument("actor", metavar="ACTOR")
    export.set_defaults(handler=cmd_export)

    principle = member_sub.add_parser(
        "principle", parents=[common], help="show or set the membership principle"
    )
    principle.add_argument("--set", metavar="FILE", help="a JSON file with the new principle")
    _with_json(principle)
    principle.set_defaults(handler=cmd_principle)

    transfer = member_sub.add_parser(
        "transfer", parents=[common], help="transfer shares (where the charter allows)"
    )
    transfer.add_argument("source", metavar="FROM")
    transfer.add_argument("target", metavar="TO")
    transfer.add_argument("--count", type=int, required=True)
    _with_json(transfer)
    transfer.set_defaults(handler=cmd_transfer)

    for name, verb, text in (
        ("issue", "issued", "issue new shares to an active member"),
        ("redeem", "redeemed", "redeem some of a member's shares (down to their class's minimum)"),
    ):
        change = member_sub.add_parser(name, parents=[common], help=text)
        change.add_argument("actor", metavar="ACTOR", help="member id, actor, username or acct:")
        change.add_argument("--count", type=int, required=True)
        change.add_argument("--reason", required=True, help="recorded in the share ledger")
        _with_json(change)
        change.set_defaults(handler=_share_command(verb))
