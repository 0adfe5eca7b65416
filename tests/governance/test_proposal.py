"""Proposal life cycle and the electorate snapshot taken when it opens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coopfed.governance.ballots import BallotError, BallotRefusal, admit_ballot, cast
from coopfed.governance.charter import Charter, WhoMayPropose
from coopfed.governance.log import BallotLog
from coopfed.governance.members import Member, MemberStatus
from coopfed.governance.methods import tally, validator
from coopfed.governance.proposal import (
    InvalidTransition,
    NotAllowedToPropose,
    Proposal,
    ProposalState,
    check_may_propose,
    close_proposal,
    decide,
    edit_draft,
    open_proposal,
    withdraw,
)
from coopfed.governance.result import DecisionStatus

from .support import T0

CLOSES = T0 + timedelta(days=7)
MEMBERS = [Member(f"m{i}", f"a{i}", "worker") for i in range(1, 4)]


def draft(charter: Charter | None = None) -> Proposal:
    return Proposal("p1", "m1", "Buy a bike", "proposal@1", {}, charter or Charter())


def opened() -> Proposal:
    proposal, _ = open_proposal(draft(), MEMBERS, T0, CLOSES)
    return proposal


def test_full_life_cycle_events() -> None:
    proposal, events = open_proposal(draft(), MEMBERS, T0, CLOSES)
    assert proposal.state is ProposalState.OPEN
    assert proposal.electorate is not None and proposal.electorate.size == 3
    assert events[0].kind == "opened"
    assert events[0].detail["electorate_hash"] == proposal.electorate.electorate_hash()
    assert proposal.accepts_ballots(T0) and not proposal.accepts_ballots(CLOSES)
    with pytest.raises(InvalidTransition, match="not due"):
        close_proposal(proposal, T0 + timedelta(days=1))
    closed, events = close_proposal(proposal, CLOSES)
    assert closed.state is ProposalState.CLOSED and closed.closed_early_by is None
    assert events[0].detail == {"early": False}
    log = [cast("m1", "yes", T0), cast("m2", "yes", T0)]
    result = tally("proposal@1", {}, proposal.electorate, log, Charter(), proposal_id="p1")
    decided, events = decide(closed, result, CLOSES)
    assert decided.state is ProposalState.DECIDED
    assert decided.status is DecisionStatus.PASSED
    assert decided.result_hash == result.result_hash()
    with pytest.raises(InvalidTransition):
        decide(decided, result, CLOSES)


def test_admin_can_close_early_and_it_is_recorded() -> None:
    closed, events = close_proposal(opened(), T0 + timedelta(hours=1), closed_by="admin-1")
    assert closed.closed_early_by == "admin-1"
    assert events[0].actor == "admin-1" and events[0].detail == {"early": True}


def test_invalid_transitions() -> None:
    with pytest.raises(InvalidTransition):
        close_proposal(draft(), CLOSES)
    with pytest.raises(InvalidTransition, match="after the opening"):
        open_proposal(draft(), MEMBERS, T0, T0)
    with pytest.raises(InvalidTransition):
        open_proposal(opened(), MEMBERS, T0, CLOSES)
    withdrawn, events = withdraw(opened(), T0, by="m1")
    assert withdrawn.state is ProposalState.WITHDRAWN and events[0].actor == "m1"
    with pytest.raises(InvalidTransition):
        withdraw(withdrawn, T0, by="m1")
    with pytest.raises(InvalidTransition):
        draft().voting_context()


def test_options_are_fixed_once_open() -> None:
    edited, _ = edit_draft(draft(), T0, spec={"allow_block": False})
    assert edited.spec == {"allow_block": False}
    with pytest.raises(InvalidTransition, match="cannot edit"):
        edit_draft(opened(), T0, spec={"allow_block": False})


def test_who_may_propose() -> None:
    admins_only = Charter(who_may_propose=WhoMayPropose.ADMINS)
    check_may_propose(admins_only, MEMBERS[0], is_admin=True)
    with pytest.raises(NotAllowedToPropose):
        check_may_propose(admins_only, MEMBERS[0], is_admin=False)
    left = Member("m9", "a9", "worker", status=MemberStatus.LEFT)
    with pytest.raises(NotAllowedToPropose):
        check_may_propose(Charter(), left, is_admin=True)


def test_member_admitted_after_opening_cannot_vote() -> None:
    proposal = opened()
    newcomer = cast("m4", "yes", T0)  # m4 joins the register after the proposal opened
    with pytest.raises(BallotError) as error:
        admit_ballot(
            proposal.voting_context(),
            newcomer,
            T0 + timedelta(hours=1),
            validate=validator("proposal@1", {}),
        )
    assert error.value.reason is BallotRefusal.NOT_IN_ELECTORATE


def test_member_who_left_after_opening_keeps_a_cast_ballot() -> None:
    proposal = opened()
    assert proposal.electorate is not None
    log = BallotLog("p1")
    check = validator("proposal@1", {})
    for member, choice in [("m1", "yes"), ("m2", "no"), ("m3", "yes")]:
        ballot = admit_ballot(
            proposal.voting_context(), cast(member, choice, T0), T0, validate=check
        )
        log.append(ballot)
    # m3 leaves after voting; the charter default keeps the ballot.
    kept = tally(
        "proposal@1", {}, proposal.electorate, log.ballots(), Charter(), departed=frozenset({"m3"})
    )
    assert kept.counts["yes"] == 2 and kept.status is DecisionStatus.PASSED
    revoking = Charter(revoke_ballot_on_leave=True)
    revoked = tally(
        "proposal@1", {}, proposal.electorate, log.ballots(), revoking, departed=frozenset({"m3"})
    )
    assert revoked.counts["yes"] == 1 and revoked.status is DecisionStatus.REJECTED
    # And a departed member cannot cast a new ballot.
    with pytest.raises(BallotError) as error:
        admit_ballot(
            proposal.voting_context(), cast("m3", "no", T0), T0, validate=check, still_member=False
        )
    assert error.value.reason is BallotRefusal.NO_LONGER_MEMBER


def test_record_date_before_opening_uses_that_register() -> None:
    earlier = T0 - timedelta(days=1)
    proposal, events = open_proposal(draft(), MEMBERS[:2], T0, CLOSES, record_date=earlier)
    assert proposal.electorate is not None and proposal.electorate.record_date == earlier
    assert events[0].detail["record_date"] == "2026-02-28T12:00:00Z"
    with pytest.raises(InvalidTransition, match="future"):
        open_proposal(draft(), MEMBERS, T0, CLOSES, record_date=T0 + timedelta(hours=1))
