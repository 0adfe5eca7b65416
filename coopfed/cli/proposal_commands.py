"""`coopfed proposal create|open|close|withdraw|show|list|tally`: decisions end to end."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from coopfed.cli.comment_commands import cmd_comments, register_verbs
from coopfed.cli.governance_views import (
    joint_json,
    ordered_counts,
    proposal_json,
    proposal_lines,
    run_service,
)
from coopfed.cli.support import CliError, admin_name, print_json
from coopfed.governance.proposal import VISIBILITIES, ProposalState
from coopfed.services.errors import NotFound

if TYPE_CHECKING:  # services load SQLAlchemy: imported by the handlers, when a command runs
    from coopfed.node import Node
    from coopfed.services.proposals import ProposalDraft


def _closes_at(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--closes {text!r}: expected ISO 8601, e.g. 2030-01-31T18:00Z") from None
    if moment.tzinfo is None:
        raise CliError(f"--closes {text!r}: give a time zone, e.g. 2030-01-31T18:00Z")
    return moment


def _spec(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"--spec: not JSON ({error.msg})") from None
    if not isinstance(spec, dict):
        raise CliError("--spec: expected a JSON object, e.g. '{\"winners\": 2}'")
    return spec


def _costs(text: str) -> dict[str, int]:
    """`--costs "Roof=6000,Bikes=1500"` → {"Roof": 6000, "Bikes": 1500}."""
    costs: dict[str, int] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        project, sep, number = item.rpartition("=")
        if not sep or not project.strip() or not number.strip().isdigit():
            raise CliError(f"--costs {item.strip()!r}: write PROJECT=COST, e.g. Roof=6000")
        costs[project.strip()] = int(number)
    return costs


def _budget_spec(args: argparse.Namespace, spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """--costs, --budget and --limit-to-budget fill budget@1's spec keys (over --spec)."""
    # `project propose` shares draft_from but not these options (budgets are per co-op).
    costs = getattr(args, "costs", None)
    budget = getattr(args, "budget", None)
    limit = bool(getattr(args, "limit_to_budget", False))
    if costs is None and budget is None and not limit:
        return spec
    merged = dict(spec or {})
    if costs is not None:
        merged["costs"] = _costs(costs)
    if budget is not None:
        merged["budget"] = budget
    if limit:
        merged["limit_to_budget"] = True
    return merged


def draft_from(args: argparse.Namespace) -> ProposalDraft:
    from coopfed.services.proposals import ProposalDraft, parse_duration

    options = [o.strip() for o in args.options.split(",")] if args.options else []
    return ProposalDraft(
        title=args.title,
        method=args.method,
        body=args.body,
        options=options,
        spec=_budget_spec(args, _spec(args.spec)),
        closes_at=None if args.closes is None else _closes_at(args.closes),
        duration=None if args.duration is None else parse_duration(args.duration),
        quorum=args.quorum,
        threshold=args.threshold,
        visibility=args.visibility,
        author=args.author,
    )


def _print(args: argparse.Namespace, view: dict[str, Any]) -> None:
    if args.json:
        print_json(view)
    elif view.get("joint"):
        print(f"{view['id']}\n  joint proposal of {view['project']}\n  status: {view['status']}")
    else:
        print("\n".join(proposal_lines(view)))


def cmd_create(args: argparse.Namespace) -> int:
    from coopfed.services import proposals

    async def work(node: Node) -> dict[str, Any]:
        draft = draft_from(args)  # inside: a bad duration is a ServiceError → one line
        return proposal_json(
            await proposals.create_proposal(node, draft, open_now=args.open, require_voters=True)
        )

    view = run_service(args, work)
    if args.json:
        print_json({"id": view["id"], "status": view["status"], "slug": view["slug"]})
    else:
        print(view["id"])
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    from coopfed.services import proposals

    async def work(node: Node) -> dict[str, Any]:
        return proposal_json(
            await proposals.open_proposal(node, args.proposal, require_voters=True)
        )

    _print(args, run_service(args, work))
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    from coopfed.services import proposals

    async def work(node: Node) -> dict[str, Any]:
        await proposals.close_proposal(node, args.proposal, closed_by=admin_name())
        tally = await proposals.tally_proposal(node, args.proposal)
        return proposal_json(tally.record, tally)

    _print(args, run_service(args, work))
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    from coopfed.services import proposals

    async def work(node: Node) -> dict[str, Any]:
        return proposal_json(
            await proposals.withdraw_proposal(node, args.proposal, by=admin_name())
        )

    _print(args, run_service(args, work))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from coopfed.services import joint_members, proposals

    async def work(node: Node) -> dict[str, Any]:
        try:
            tally = await proposals.tally_proposal(node, args.proposal)
        except NotFound:
            joint = await joint_members.find_joint(node, args.proposal)
            if joint is None:
                raise
            return joint_json(*joint)
        return proposal_json(tally.record, tally)

    _print(args, run_service(args, work))
    return 0


def cmd_tally(args: argparse.Namespace) -> int:
    from coopfed.services import proposals

    async def work(node: Node) -> dict[str, Any]:
        tally = await proposals.tally_proposal(node, args.proposal)
        view = proposal_json(tally.record, tally)
        keys = ("id", "status", "decision", "method", "options", "counts", "turnout")
        return {key: view[key] for key in (*keys, "electorate_size", "log_head", "result")}

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(f"{view['id']} ({view['status']}, turnout {view['turnout']})")
        for option, count in ordered_counts(view):
            print(f"  {option}: {count}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from coopfed.services import proposals

    state = None if args.state is None else ProposalState(args.state)

    async def work(node: Node) -> list[dict[str, Any]]:
        return [proposal_json(record) for record in await proposals.list_proposals(node, state)]

    views = run_service(args, work)
    if args.json:
        print_json(views)
        return 0
    for view in views:
        print(f"{view['slug']}  {view['status']:<9} {view['method']:<12} {view['title']}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    proposal = sub.add_parser("proposal", help="proposals and their decisions")
    verbs = proposal.add_subparsers(dest="proposal_command", required=True, metavar="COMMAND")
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="machine-readable output")

    create = verbs.add_parser("create", parents=[common, json_flag], help="create a proposal")
    create.add_argument("--title", required=True)
    create.add_argument("--body", default="", help="the text members read")
    create.add_argument("--method", required=True, help="proposal, consent, irv, stv@1, ...")
    create.add_argument("--options", help='comma-separated options, e.g. "A,B,C"')
    closing = create.add_mutually_exclusive_group(required=True)
    closing.add_argument("--closes", help="closing time, ISO 8601 with a time zone")
    closing.add_argument("--duration", help="open this long once opened: 90m, 36h, 3d, 2w")
    create.add_argument("--quorum", help="fraction of the electorate, e.g. 1/2 or 60%%")
    create.add_argument("--threshold", help="majority | at_least:2/3 | more_than:2/3")
    create.add_argument("--visibility", default="public", choices=VISIBILITIES)
    create.add_argument("--author", help="the proposing member (id, username or actor)")
    create.add_argument("--spec", help="more method settings as JSON, e.g. '{\"seats\": 2}'")
    create.add_argument(
        "--costs", help='budget@1: each project\'s cost, e.g. "Roof=6000,Bikes=1500"'
    )
    create.add_argument("--budget", type=int, help="budget@1: the total budget (an integer)")
    create.add_argument(
        "--limit-to-budget",
        action="store_true",
        help="budget@1: a ballot's approved projects must fit in the budget together",
    )
    create.add_argument("--open", action="store_true", help="open for voting right away")
    create.set_defaults(handler=cmd_create)

    for name, handler, text in (
        ("open", cmd_open, "open for voting (freezes the electorate)"),
        ("close", cmd_close, "close now (early, recorded) and decide"),
        ("withdraw", cmd_withdraw, "withdraw a draft or open proposal"),
        ("show", cmd_show, "a proposal, its counts and its result"),
        ("tally", cmd_tally, "current counts (final once decided)"),
        ("comments", cmd_comments, "the proposal's discussion (site and fediverse)"),
    ):
        verb = verbs.add_parser(name, parents=[common, json_flag], help=text)
        verb.add_argument("proposal", metavar="ID", help="the proposal's id or IRI")
        verb.set_defaults(handler=handler)

    register_verbs(verbs, [common, json_flag], "proposal")

    listing = verbs.add_parser("list", parents=[common, json_flag], help="list proposals")
    listing.add_argument("--state", choices=[state.value for state in ProposalState])
    listing.set_defaults(handler=cmd_list)
