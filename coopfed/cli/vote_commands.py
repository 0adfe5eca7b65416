"""`coopfed vote ID --member M --choice ...`: an admin casts a member's ballot.

Choices: one option for yes/no-style methods; several for approval; in order of preference
for ranked methods (borda, irv, stv, schulze); `A=3,B=5` for score and dots; the approved
projects for budget; `Mon=yes,Tue=if_need_be` for meeting (a slot left out is no). `--choice
abstain` abstains. Repeat `--choice` or separate with commas. `--on-behalf-of GRANTOR` casts
the ballot of a member whose proxy `--member` holds (`coopfed proxy grant`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from coopfed.cli.governance_views import run_service
from coopfed.cli.support import CliError, print_json

if TYPE_CHECKING:
    from coopfed.node import Node

LIST_METHODS = frozenset({"approval", "borda", "irv", "stv", "schulze", "budget"})
POINT_METHODS = frozenset({"score", "dots"})
ANSWER_METHODS = frozenset({"meeting"})
ANSWERS = ("yes", "if_need_be", "no")


def choice_from(method: str, raw: list[str]) -> Any:
    """The method's JSON ballot from what the admin typed."""
    from coopfed.services.votes import ABSTAIN

    values = [part.strip() for item in raw for part in item.split(",") if part.strip()]
    family = method.partition("@")[0]
    if values == [ABSTAIN]:
        return ABSTAIN
    if not values:
        raise CliError("give at least one --choice")
    if family in LIST_METHODS:
        return values
    if family in POINT_METHODS:
        return dict(_points(value) for value in values)
    if family in ANSWER_METHODS:
        return dict(_answer(value) for value in values)
    if len(values) != 1:
        raise CliError(f"{method} takes one choice, got {len(values)}")
    return values[0]


def _points(text: str) -> tuple[str, int]:
    option, sep, number = text.partition("=")
    try:
        if not sep:
            raise ValueError(text)
        return option.strip(), int(number)
    except ValueError:
        raise CliError(f"--choice {text!r}: write OPTION=NUMBER, e.g. A=3") from None


def _answer(text: str) -> tuple[str, str]:
    slot, sep, answer = text.rpartition("=")
    answer = answer.strip().replace("-", "_").replace(" ", "_")
    if not sep or not slot.strip() or answer not in ANSWERS:
        raise CliError(
            f"--choice {text!r}: write SLOT=ANSWER with yes, if_need_be or no, e.g. Mon=yes"
        )
    return slot.strip(), answer


def cmd_vote(args: argparse.Namespace) -> int:
    from coopfed.services import members, proposals
    from coopfed.services.votes import VoteStatus, cast_vote

    async def work(node: Node) -> dict[str, Any]:
        record = await proposals.find_proposal(node, args.proposal)
        member, _ = await members.find_member(node, args.member)
        grantor = None
        if args.on_behalf_of is not None:
            grantor, _ = await members.find_member(node, args.on_behalf_of)
        choice = choice_from(record.proposal.method, args.choice)
        outcome = await cast_vote(
            node, record.slug, member.actor_uri, choice, reason=args.reason, keep_invalid=False,
            on_behalf_of=None if grantor is None else grantor.member_id,
        )  # fmt: skip
        if outcome.status is VoteStatus.REFUSED:
            reason = outcome.reason.value if outcome.reason else "refused"
            raise CliError(f"vote refused ({reason}): {outcome.message}")
        return {
            "proposal": record.uri,
            "member": member.member_id,
            "status": outcome.status.value,
            "kind": None if outcome.kind is None else outcome.kind.value,
            "choice": choice,
            "receipt": outcome.receipt,
            # Whose ballot it is when cast by proxy (`member` cast it), else null.
            "on_behalf_of": outcome.member_id if outcome.cast_by is not None else None,
            "message": outcome.message,
        }

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        by_proxy = f" ({args.member} for {args.on_behalf_of})" if view["on_behalf_of"] else ""
        print(f"{view['status']}{by_proxy}: receipt {view['receipt']}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    vote = sub.add_parser("vote", parents=[common], help="cast a member's ballot")
    vote.add_argument("proposal", metavar="ID", help="the proposal's id or IRI")
    vote.add_argument("--member", required=True, help="member id, username or actor")
    vote.add_argument(
        "--choice", action="append", required=True, help="an option (repeat, in order if ranked)"
    )
    vote.add_argument("--reason", default="", help="why (required with a consent objection)")
    vote.add_argument(
        "--on-behalf-of",
        metavar="GRANTOR",
        help="cast the ballot of this member, whose proxy --member holds",
    )
    vote.add_argument("--json", action="store_true", help="machine-readable output")
    vote.set_defaults(handler=cmd_vote)
