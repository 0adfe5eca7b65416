"""Method 4 (advice@1, docs/governance.md, rule 4): counts only, inconclusive by design."""

from __future__ import annotations

from fractions import Fraction

from coopfed.governance.charter import Charter
from coopfed.governance.methods import tally
from coopfed.governance.result import DecisionStatus

from ..support import ballots_from_counts, electorate


def test_counts_only_and_always_inconclusive() -> None:
    spec = {"options": ["looks good", "concerned"]}
    ballots = ballots_from_counts([("looks good", 9), ("concerned", 1)])
    result = tally("advice@1", spec, electorate(10), ballots, Charter(quorum=Fraction(1, 2)))
    assert result.status is DecisionStatus.INCONCLUSIVE
    assert result.quorum_met
    assert result.counts == {"looks good": 9, "concerned": 1, "abstain": 0, "invalid": 0}


def test_inconclusive_even_without_quorum() -> None:
    ballots = ballots_from_counts([("agree", 1)])
    result = tally("advice@1", {}, electorate(10), ballots, Charter(quorum=Fraction(1, 2)))
    assert result.status is DecisionStatus.INCONCLUSIVE
    assert not result.quorum_met
