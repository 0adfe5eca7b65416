"""Method 2 (consent@1, docs/governance.md, rule 2)."""

from __future__ import annotations

from fractions import Fraction

from coopfed.governance.ballots import cast
from coopfed.governance.charter import Charter
from coopfed.governance.methods import tally
from coopfed.governance.result import DecisionStatus

from ..support import T0, ballots_from_counts, electorate


def test_passed_without_objection_and_silence_is_not_objection() -> None:
    ballots = ballots_from_counts([("consent", 3)])
    result = tally("consent@1", {}, electorate(5), ballots, Charter(quorum=Fraction(3, 5)))
    assert result.status is DecisionStatus.PASSED
    assert result.counts == {"consent": 3, "objection": 0, "abstain": 0, "invalid": 0}


def test_one_reasoned_objection_stops_it() -> None:
    ballots = [*ballots_from_counts([("consent", 4)]), cast("m0004", "objection", T0, "too costly")]
    result = tally("consent@1", {}, electorate(5), ballots, Charter())
    assert result.status is DecisionStatus.REJECTED
    assert result.counts["objection"] == 1


def test_objection_without_reason_is_invalid() -> None:
    ballots = [*ballots_from_counts([("consent", 2)]), cast("m0002", "objection", T0)]
    result = tally("consent@1", {}, electorate(5), ballots, Charter())
    assert result.status is DecisionStatus.PASSED
    assert result.counts["invalid"] == 1


def test_quorum() -> None:
    ballots = ballots_from_counts([("consent", 2)])
    result = tally("consent@1", {}, electorate(5), ballots, Charter(quorum=Fraction(3, 5)))
    assert result.status is DecisionStatus.NO_QUORUM
