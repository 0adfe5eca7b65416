"""Proposal life cycle: draft → open → closed → decided, or withdrawn.

Pure transitions: each takes `now` (never reads a clock) and returns the new proposal and
the events to record. Opening freezes the electorate and the options. Closing happens at
`closes_at`, or earlier by an explicit admin action recorded in the event.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from coopfed.governance.ballots import VotingContext
from coopfed.governance.canonical import rfc3339
from coopfed.governance.charter import Charter, WhoMayPropose
from coopfed.governance.electorate import Electorate
from coopfed.governance.errors import GovernanceError
from coopfed.governance.members import Member
from coopfed.governance.result import DecisionStatus, ResultRecord


class ProposalState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


# Who may read a proposal: anyone, the current members, or members and allied co-ops.
VISIBILITIES = ("public", "members", "allies")


class InvalidTransition(GovernanceError):
    """A life-cycle step that the proposal's state (or the time) does not allow."""


class NotAllowedToPropose(GovernanceError):
    """The charter does not let this member open a proposal."""


@dataclass(frozen=True, slots=True)
class ProposalEvent:
    kind: str
    proposal_id: str
    at: datetime
    actor: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "proposal_id": self.proposal_id,
            "at": rfc3339(self.at),
            "actor": self.actor,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True, slots=True)
class Proposal:
    proposal_id: str
    author_member_id: str
    title: str
    method: str
    spec: Mapping[str, Any]
    charter: Charter
    state: ProposalState = ProposalState.DRAFT
    closes_at: datetime | None = None
    opened_at: datetime | None = None
    electorate: Electorate | None = None
    closed_at: datetime | None = None
    closed_early_by: str | None = None
    status: DecisionStatus | None = None
    result_hash: str | None = None

    def voting_context(self) -> VotingContext:
        """What `ballots.admit_ballot` needs; only an opened proposal has one."""
        if self.electorate is None or self.closes_at is None:
            raise InvalidTransition(f"proposal {self.proposal_id} has not been opened")
        return VotingContext(
            electorate=self.electorate,
            charter=self.charter,
            author_member_id=self.author_member_id,
            is_open=self.state is ProposalState.OPEN,
            closes_at=self.closes_at,
        )

    def accepts_ballots(self, now: datetime) -> bool:
        return (
            self.state is ProposalState.OPEN and self.closes_at is not None and now < self.closes_at
        )

    def is_due(self, now: datetime) -> bool:
        """Open and past its closing time: `close_proposal` may run without an admin."""
        return (
            self.state is ProposalState.OPEN
            and self.closes_at is not None
            and now >= self.closes_at
        )


Transition = tuple[Proposal, list[ProposalEvent]]


def check_may_propose(charter: Charter, member: Member, *, is_admin: bool) -> None:
    if not member.is_active:
        raise NotAllowedToPropose(f"{member.member_id} is not an active member")
    if charter.who_may_propose is WhoMayPropose.ADMINS and not is_admin:
        raise NotAllowedToPropose("this co-op's charter lets only admins open proposals")


def _require(proposal: Proposal, *states: ProposalState, action: str) -> None:
    if proposal.state not in states:
        allowed = " or ".join(state.value for state in states)
        raise InvalidTransition(
            f"cannot {action} proposal {proposal.proposal_id}: it is {proposal.state.value},"
            f" not {allowed}"
        )


def edit_draft(proposal: Proposal, now: datetime, **changes: Any) -> Transition:
    """Change title, method or spec (options live in the spec). Only drafts can change."""
    _require(proposal, ProposalState.DRAFT, action="edit")
    allowed = {"title", "method", "spec", "charter"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidTransition(f"cannot edit {sorted(unknown)} of a proposal")
    updated = replace(proposal, **changes)
    event = ProposalEvent("edited", proposal.proposal_id, now, None, {"fields": sorted(changes)})
    return updated, [event]


def open_proposal(
    proposal: Proposal,
    members: Iterable[Member],
    now: datetime,
    closes_at: datetime,
    *,
    record_date: datetime | None = None,
) -> Transition:
    """Open for voting and freeze the electorate.

    `members` is the register as it stood at `record_date` (default: now); the caller reads it
    from history, this function only filters active members of eligible classes.
    """
    _require(proposal, ProposalState.DRAFT, action="open")
    if closes_at <= now:
        raise InvalidTransition("closes_at must be after the opening time")
    record = now if record_date is None else record_date
    if record > now:
        raise InvalidTransition("the record date cannot lie in the future")
    electorate = Electorate.snapshot(members, proposal.charter, record)
    opened = replace(
        proposal,
        state=ProposalState.OPEN,
        opened_at=now,
        closes_at=closes_at,
        electorate=electorate,
    )
    detail = {
        "closes_at": rfc3339(closes_at),
        "record_date": rfc3339(record),
        "electorate_size": electorate.size,
        "electorate_hash": electorate.electorate_hash(),
    }
    return opened, [ProposalEvent("opened", proposal.proposal_id, now, None, detail)]


def close_proposal(
    proposal: Proposal, now: datetime, *, closed_by: str | None = None
) -> Transition:
    """Close at `closes_at`, or before it when an admin (`closed_by`) closes it early."""
    _require(proposal, ProposalState.OPEN, action="close")
    early = not proposal.is_due(now)
    if early and closed_by is None:
        raise InvalidTransition(
            f"proposal {proposal.proposal_id} is not due yet; only an admin can close it early"
        )
    closed = replace(
        proposal,
        state=ProposalState.CLOSED,
        closed_at=now,
        closed_early_by=closed_by if early else None,
    )
    detail: dict[str, Any] = {"early": early}
    return closed, [ProposalEvent("closed", proposal.proposal_id, now, closed_by, detail)]


def decide(proposal: Proposal, result: ResultRecord, now: datetime) -> Transition:
    """Record the final result of a closed proposal."""
    _require(proposal, ProposalState.CLOSED, action="decide")
    if result.proposal_id != proposal.proposal_id or result.method != proposal.method:
        raise InvalidTransition("the result belongs to another proposal or method")
    digest = result.result_hash()
    decided = replace(
        proposal, state=ProposalState.DECIDED, status=result.status, result_hash=digest
    )
    detail = {"status": result.status.value, "result_hash": digest}
    return decided, [ProposalEvent("decided", proposal.proposal_id, now, None, detail)]


def withdraw(proposal: Proposal, now: datetime, *, by: str) -> Transition:
    """The author or an admin withdraws a draft or open proposal; ballots are not counted."""
    _require(proposal, ProposalState.DRAFT, ProposalState.OPEN, action="withdraw")
    withdrawn = replace(proposal, state=ProposalState.WITHDRAWN, closed_at=now)
    return withdrawn, [ProposalEvent("withdrawn", proposal.proposal_id, now, by)]
