"""Running governance services from the CLI, and the `--json` shapes scripts depend on.

The shapes are a contract: add fields, never rename or remove them.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from coopfed.cli.support import CliError, run, settings_from
from coopfed.governance.canonical import rfc3339
from coopfed.governance.errors import GovernanceError
from coopfed.services.errors import ServiceError

if TYPE_CHECKING:  # the node, services and store load SQLAlchemy: only when a command runs
    from coopfed.node import Node
    from coopfed.services.proposals import Tally
    from coopfed.store.joint import JointProposal
    from coopfed.store.members import MemberEvent, MemberRecord
    from coopfed.store.proposals import ProposalRecord

T = TypeVar("T")


def run_service(args: argparse.Namespace, work: Callable[[Node], Awaitable[T]]) -> T:
    """Build the node from the config, run `work`, turn refusals into one-line errors."""
    from coopfed.node import Node

    settings = settings_from(args)

    async def go() -> T:
        node = Node.from_settings(settings)
        try:
            return await work(node)
        except (ServiceError, GovernanceError) as error:
            raise CliError(str(error)) from None
        finally:
            await node.close()

    return run(go())


def when(moment: datetime | None) -> str | None:
    return None if moment is None else rfc3339(moment)


def member_json(record: MemberRecord) -> dict[str, Any]:
    member = record.member
    return {
        "id": record.member_id,
        "actor": record.actor_uri,
        "handle": record.handle,
        "class": member.member_class,
        "shares": member.shares,
        "status": member.status.value,
        "joined_at": when(record.joined_at),
        "left_at": when(record.left_at),
        "email": record.email,
        "language": record.language,  # None: no preference (the co-op's language for mail)
    }


def member_events_json(events: list[MemberEvent]) -> list[dict[str, Any]]:
    return [{"kind": e.kind, "at": when(e.at), "detail": dict(e.detail)} for e in events]


def proposal_json(record: ProposalRecord, tally: Tally | None = None) -> dict[str, Any]:
    proposal = record.proposal
    electorate = proposal.electorate
    result: Mapping[str, Any] | None = record.result
    return {
        "id": record.uri,
        "slug": record.slug,
        "title": proposal.title,
        "body": record.body,
        "status": proposal.state.value,
        "decision": None if proposal.status is None else proposal.status.value,
        "method": proposal.method,
        "options": list(record.options),
        "visibility": record.visibility,
        "author": proposal.author_member_id or None,
        "charter_version": record.charter_version,
        "opened_at": when(proposal.opened_at),
        "closes_at": when(proposal.closes_at),
        "closed_at": when(proposal.closed_at),
        "closed_early_by": proposal.closed_early_by,
        "electorate_size": None if electorate is None else electorate.size,
        "electorate_hash": None if electorate is None else electorate.electorate_hash(),
        "counts": None if tally is None else dict(tally.counts),
        "turnout": None if tally is None else tally.turnout,
        "log_head": None if tally is None else tally.log_head,
        "result": None if result is None else dict(result),
        "joint_proposal": record.joint_proposal_uri,
    }


def joint_json(joint: JointProposal, linked: str | None) -> dict[str, Any]:
    """A joint proposal of a shared project, as every member co-op's node shows it."""
    result = joint.result or {}
    return {
        "id": joint.uri,
        "joint": True,
        "project": joint.project_uri,
        "title": joint.title,
        "method": joint.method,
        "opened_at": when(joint.opened_at),
        "closes_at": when(joint.closes_at),
        "state": joint.state,
        "status": joint.status or joint.state,
        "decision": joint.status,
        "rule": dict(joint.charter),
        "linked_proposal": linked,
        "took_part": result.get("jointResult", {}).get("took_part"),
        "did_not_take_part": result.get("jointResult", {}).get("did_not_take_part"),
        "result": result.get("jointResult"),
    }


def proposal_lines(view: Mapping[str, Any]) -> list[str]:
    """The human form of `proposal_json`: one `key: value` per line, counts inline."""
    lines = [f"{view['id']}", f"  title: {view['title']}", f"  status: {view['status']}"]
    if view["decision"]:
        lines.append(f"  decision: {view['decision']}")
    outcome = outcome_line(view.get("result"))
    if outcome:
        lines.append(f"  {outcome}")
    lines.append(f"  method: {view['method']}  options: {', '.join(view['options'])}")
    if view["closes_at"]:
        lines.append(f"  closes at: {view['closes_at']}")
    if view["electorate_size"] is not None:
        lines.append(f"  electorate: {view['electorate_size']} members")
    if view["counts"] is not None:
        counts = ", ".join(f"{key} {value}" for key, value in ordered_counts(view))
        lines.append(f"  counts: {counts}  (turnout {view['turnout']})")
    return lines


def ordered_counts(view: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The counts in the options' order, then the rest (abstain, invalid). A decided result
    comes back from its canonical JSON with sorted keys: the trial saw "yes, no, block" while
    open and "abstain, block, invalid, no, yes" once decided."""
    counts: Mapping[str, Any] = view["counts"] or {}
    first = [option for option in view["options"] if option in counts]
    rest = [key for key in counts if key not in first]
    return [(key, counts[key]) for key in (*first, *rest)]


def outcome_line(result: Mapping[str, Any] | None) -> str | None:
    """What a choice method decided, in words: "decided" alone names nobody.

    None for motions (their decision line already says passed/rejected) and before a result.
    """
    if not result:
        return None
    detail: Mapping[str, Any] = result.get("detail") or {}
    method = str(result.get("method") or detail.get("method") or "")
    if result.get("status") == "tie":
        tie: Mapping[str, Any] = result.get("tie") or {}
        tied = ", ".join(str(name) for name in tie.get("tied") or detail.get("tied") or [])
        reason = tie.get("reason")
        return f"tie: {tied} ({method}){f': {reason}' if reason else ''}"
    if result.get("status") != "decided" or "winners" not in detail:
        return None
    winners = [str(name) for name in detail["winners"]]
    how = _how(method, detail)
    if "stages" in detail:
        return f"decided: elected {', '.join(winners)} ({how})"
    if "equal_shares" in detail:
        # budget@1: the greedy selection decides; equal shares is shown as the other view.
        mes = detail["equal_shares"]
        shares = ", ".join(str(name) for name in mes.get("selected", [])) or "nothing"
        return (
            f"decided: funded {', '.join(winners) or 'nothing'} ({how}, spent "
            f"{detail.get('spent')} of {detail.get('budget')}); equal shares would fund "
            f"{shares} (spent {mes.get('spent')})"
        )
    verb = "wins" if len(winners) == 1 else "win"
    return f"decided: {' and '.join(winners)} {verb} ({how})"


def _how(method: str, detail: Mapping[str, Any]) -> str:
    """The method and, for counts in steps, how many steps it took; a lot says so."""
    parts = [method]
    for key, unit in (("rounds", "round"), ("stages", "stage")):
        if key in detail:
            steps = len(detail[key])
            parts.append(f"{steps} {unit}{'s' if steps != 1 else ''}")
    if detail.get("lot") or detail.get("lots"):
        parts.append("tie broken by lot")
    return ", ".join(parts)
