"""Ballot admission, validation, replacement and revocation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from coopfed.governance.ballots import (
    BallotError,
    BallotKind,
    BallotRefusal,
    VotingContext,
    abstain,
    admit_ballot,
    cast,
    effective_ballots,
)
from coopfed.governance.charter import Charter
from coopfed.governance.methods import validator

from .support import T0, electorate

CLOSES = T0 + timedelta(days=7)
VALIDATE = validator("proposal@1", {})


def context(charter: Charter | None = None, *, is_open: bool = True) -> VotingContext:
    return VotingContext(electorate(3), charter or Charter(), "m0000", is_open, CLOSES)


def refusal(ctx: VotingContext, member: str, now_offset: timedelta, **kw: bool) -> BallotRefusal:
    with pytest.raises(BallotError) as error:
        admit_ballot(ctx, cast(member, "yes", T0), T0 + now_offset, validate=VALIDATE, **kw)
    return error.value.reason


def test_admitted_ballot_is_stamped_with_the_home_clock() -> None:
    now = T0 + timedelta(hours=1)
    ballot = admit_ballot(
        context(), cast("m0001", "yes", T0 - timedelta(days=3)), now, validate=VALIDATE
    )
    assert ballot.cast_at == now
    assert ballot.kind is BallotKind.CAST


def test_refusals() -> None:
    one_hour = timedelta(hours=1)
    assert refusal(context(), "m0001", timedelta(days=7)) is BallotRefusal.LATE
    assert refusal(context(is_open=False), "m0001", one_hour) is BallotRefusal.NOT_OPEN
    assert refusal(context(), "stranger", one_hour) is BallotRefusal.NOT_IN_ELECTORATE
    no_self = context(Charter(author_may_vote=False))
    assert refusal(no_self, "m0000", one_hour) is BallotRefusal.AUTHOR_MAY_NOT_VOTE
    fixed = context(Charter(ballots_may_change=False))
    assert refusal(fixed, "m0001", one_hour, already_voted=True) is BallotRefusal.CHANGE_NOT_ALLOWED
    assert (
        refusal(context(), "m0001", one_hour, still_member=False) is BallotRefusal.NO_LONGER_MEMBER
    )


def test_a_late_ballot_with_a_backdated_cast_at_is_refused() -> None:
    backdated = cast("m0001", "yes", T0)
    with pytest.raises(BallotError) as error:
        admit_ballot(context(), backdated, CLOSES + timedelta(seconds=1), validate=VALIDATE)
    assert error.value.reason is BallotRefusal.LATE


def test_failed_validation_keeps_the_ballot_as_invalid() -> None:
    ballot = admit_ballot(context(), cast("m0001", "maybe", T0), T0, validate=VALIDATE)
    assert ballot.kind is BallotKind.INVALID
    assert "choose one of yes, no, block" in ballot.invalid_reason
    abstention = admit_ballot(context(), abstain("m0001", T0), T0, validate=VALIDATE)
    assert abstention.kind is BallotKind.ABSTAIN


def test_latest_ballot_replaces_earlier_ones() -> None:
    log = [
        cast("m0001", "yes", T0),
        cast("m0002", "no", T0),
        cast("m0001", "no", T0 + timedelta(minutes=1)),
        cast("stranger", "yes", T0),
    ]
    counted = effective_ballots(log, electorate(3), Charter())
    assert [(b.member_id, b.choice) for b in counted.ballots] == [("m0001", "no"), ("m0002", "no")]
    assert counted.outside_electorate == 1
    first_only = effective_ballots(log, electorate(3), Charter(ballots_may_change=False))
    assert [b.choice for b in first_only.ballots] == ["yes", "no"]


def test_departed_members_keep_their_ballot_unless_the_charter_revokes_it() -> None:
    log = [cast("m0001", "yes", T0), cast("m0002", "no", T0)]
    departed = frozenset({"m0001"})
    kept = effective_ballots(log, electorate(3), Charter(), departed=departed)
    assert len(kept.ballots) == 2
    revoked = effective_ballots(
        log, electorate(3), Charter(revoke_ballot_on_leave=True), departed=departed
    )
    assert [b.member_id for b in revoked.ballots] == ["m0002"]
    assert revoked.revoked == 1


def test_author_ballot_is_ignored_when_self_vote_is_forbidden() -> None:
    log = [cast("m0000", "yes", T0), cast("m0001", "no", T0)]
    counted = effective_ballots(
        log, electorate(3), Charter(author_may_vote=False), author_member_id="m0000"
    )
    assert [b.member_id for b in counted.ballots] == ["m0001"]
    assert counted.author_refused == 1


@pytest.mark.parametrize("may_change", [True, False])
def test_her_own_ballot_overrides_a_proxy_ballot_whichever_came_first(may_change: bool) -> None:
    charter = Charter(ballots_may_change=may_change)
    by_bob = replace(cast("m0001", "yes", T0), cast_by="m0002")
    own = cast("m0001", "no", T0 + timedelta(minutes=1))
    late_proxy = replace(cast("m0001", "yes", T0 + timedelta(minutes=2)), cast_by="m0002")
    for log in ([by_bob, own], [own, late_proxy], [by_bob, own, late_proxy]):
        (counted,) = effective_ballots(log, electorate(3), charter).ballots
        assert counted == own
    (alone,) = effective_ballots([by_bob], electorate(3), charter).ballots
    assert alone == by_bob and alone.by_proxy


def test_cast_by_is_in_the_hashed_form_only_when_present() -> None:
    own = cast("m0001", "yes", T0)
    assert "cast_by" not in own.to_dict() and not own.by_proxy
    assert replace(own, cast_by="m0002").to_dict() == {**own.to_dict(), "cast_by": "m0002"}
    assert replace(own, cast_by="m0002").counted_form() == own.counted_form()
