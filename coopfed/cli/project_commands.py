"""`coopfed project create|invite|invitations|accept|leave|remove|show|propose`: shared projects
between co-ops."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from coopfed.cli.governance_views import joint_json, run_service
from coopfed.cli.proposal_commands import draft_from
from coopfed.cli.support import print_json
from coopfed.governance.proposal import VISIBILITIES

if TYPE_CHECKING:
    from coopfed.node import Node
    from coopfed.services.errors import ServiceError
    from coopfed.services.project_hosting import WeightRefused

# The flags a refused weight is about, as the services leave them for the adapter to name.
WEIGHT_FLAGS = {"weight": "--weight", "fixed": "--weights fixed"}


def flagged(error: WeightRefused) -> ServiceError:
    """The refusal worded with this command's flags (the service knows no CLI options)."""
    from coopfed.services.errors import ServiceError

    return ServiceError(error.worded(**WEIGHT_FLAGS))


def cmd_create(args: argparse.Namespace) -> int:
    from coopfed.governance.joint import DEFAULT_GRACE
    from coopfed.services import project_hosting, proposals
    from coopfed.services.errors import ServiceError
    from coopfed.services.project_hosting import WeightRefused

    async def work(node: Node) -> dict[str, Any]:
        grace = proposals.parse_duration(args.grace) if args.grace else DEFAULT_GRACE
        if not grace:  # a zero grace makes every other co-op's certificate late
            raise ServiceError("--grace must be above zero (the default is 1h)")
        charter = project_hosting.parse_rule(args.rule, args.coop_quorum, args.weights, grace)
        try:
            charter = await project_hosting.fixed_weights(node, charter, args.weight or [])
        except WeightRefused as error:
            raise flagged(error) from None
        project = await project_hosting.create_project(
            node, args.handle, name=args.name, charter=charter
        )
        return {"id": node.uris.actor(project.username), "charter": dict(project.charter)}

    view = run_service(args, work)
    print(view["id"])
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    from coopfed.services import project_hosting
    from coopfed.services.project_hosting import WeightRefused

    async def work(node: Node) -> str:
        try:
            return await project_hosting.invite(node, args.project, args.coop, weight=args.weight)
        except WeightRefused as error:
            raise flagged(error) from None

    print(run_service(args, work))
    return 0


def cmd_invitations(args: argparse.Namespace) -> int:
    from coopfed.services import project_membership

    async def work(node: Node) -> list[dict[str, Any]]:
        return [
            {"project": m.project_uri, "name": m.name, "state": m.state, "charter": dict(m.charter)}
            for m in await project_membership.invitations(node)
        ]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    for view in views:
        print(f"{view['project']}  {view['state']:<8} {view['name']}")
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    from coopfed.services import project_membership

    async def work(node: Node) -> str:
        joined = await project_membership.accept_invitation(node, args.project)
        return f"{joined.project_uri}: {joined.state}"

    print(run_service(args, work))
    return 0


def cmd_leave(args: argparse.Namespace) -> int:
    from coopfed.services import project_membership

    async def work(node: Node) -> str:
        left = await project_membership.leave_project(node, args.project)
        return f"{left.project_uri}: {left.state}"

    print(run_service(args, work))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from coopfed.services import project_hosting

    async def work(node: Node) -> str:
        removed = await project_hosting.remove_member(node, args.project, args.coop)
        return f"{removed.coop_uri}: {removed.state}"

    print(run_service(args, work))
    return 0


def cmd_propose(args: argparse.Namespace) -> int:
    from coopfed.services import joint_proposals

    async def work(node: Node) -> dict[str, Any]:
        joint = await joint_proposals.propose(node, args.project, draft_from(args))
        return joint_json(joint, None)

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(view["id"])
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from coopfed.services import project_hosting

    async def work(node: Node) -> dict[str, Any]:
        project, members = await project_hosting.show_project(node, args.project)
        return {
            "id": node.uris.actor(project.username),
            "name": project.name,
            "charter": dict(project.charter),
            "members": [{"coop": m.coop_uri, "state": m.state} for m in members],
        }

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(view["id"])
        for member in view["members"]:
            print(f"  {member['coop']}  {member['state']}")
    return 0


def _propose_parser(verbs: Any, common: argparse.ArgumentParser) -> None:
    propose = verbs.add_parser("propose", parents=[common], help="open a joint proposal")
    propose.add_argument("project", metavar="PROJECT", help="the project's handle here")
    propose.add_argument("--json", action="store_true", help="machine-readable output")
    propose.add_argument("--title", required=True)
    propose.add_argument("--body", default="", help="the text members read")
    propose.add_argument("--method", required=True, help="proposal, consent, irv, ...")
    propose.add_argument("--options", help='comma-separated options, e.g. "A,B,C"')
    closing = propose.add_mutually_exclusive_group(required=True)
    closing.add_argument("--closes", help="closing time, ISO 8601 with a time zone")
    closing.add_argument("--duration", help="open this long: 90s, 36h, 3d, 2w")
    propose.add_argument("--quorum", help="(each co-op applies its own charter)")
    propose.add_argument("--threshold", help="(each co-op applies its own charter)")
    propose.add_argument("--visibility", default="members", choices=VISIBILITIES)
    propose.add_argument("--author", help="(unused for joint proposals)")
    propose.add_argument("--spec", help="more method settings as JSON")
    propose.add_argument("--open", action="store_true", help="open now (joint proposals always do)")
    propose.set_defaults(handler=cmd_propose)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    project = sub.add_parser("project", help="projects shared with allied co-ops")
    verbs = project.add_subparsers(dest="project_command", required=True, metavar="COMMAND")
    create = verbs.add_parser("create", parents=[common], help="create a shared project here")
    create.add_argument("handle", metavar="HANDLE")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--rule", required=True, help="unanimity | coop_majority:P/Q | proportional"
    )
    create.add_argument("--coop-quorum", help="share of member co-ops that must report, e.g. 2/3")
    create.add_argument("--weights", default="equal", choices=["equal", "members", "fixed"])
    create.add_argument(
        "--weight", action="append", metavar="COOP=N",
        help="with --weights fixed: a co-op's weight (repeat; this co-op and allies)",
    )  # fmt: skip
    create.add_argument(
        "--grace", help="how long after closing certificates still count (90s, 1h; default 1h)"
    )
    create.set_defaults(handler=cmd_create)
    invite = verbs.add_parser("invite", parents=[common], help="invite an allied co-op")
    invite.add_argument("project", metavar="PROJECT")
    invite.add_argument("coop", metavar="COOP", help="acct:coop@host or actor URL")
    invite.add_argument("--weight", type=int, help="its weight, when the weights are fixed")
    invite.set_defaults(handler=cmd_invite)
    listing = verbs.add_parser("invitations", parents=[common], help="projects this co-op is in")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_invitations)
    accept = verbs.add_parser("accept", parents=[common], help="accept an invitation")
    accept.add_argument("project", metavar="PROJECT_HANDLE_OR_URL")
    accept.set_defaults(handler=cmd_accept)
    leave = verbs.add_parser("leave", parents=[common], help="leave a project this co-op is in")
    leave.add_argument("project", metavar="PROJECT_HANDLE_OR_URL")
    leave.set_defaults(handler=cmd_leave)
    remove = verbs.add_parser("remove", parents=[common], help="remove a co-op from a project")
    remove.add_argument("project", metavar="PROJECT")
    remove.add_argument("coop", metavar="COOP", help="acct:coop@host or actor URL")
    remove.set_defaults(handler=cmd_remove)
    show = verbs.add_parser("show", parents=[common], help="a hosted project and its co-ops")
    show.add_argument("project", metavar="PROJECT")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=cmd_show)
    _propose_parser(verbs, common)
