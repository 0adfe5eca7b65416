"""Method 3 (consensus@1, docs/governance.md, rule 3): option tests."""

from __future__ import annotations

from fractions import Fraction

import pytest

from coopfed.governance.charter import Charter, ClassMode, ClassRules
from coopfed.governance.methods import parse_spec, tally
from coopfed.governance.result import DecisionStatus
from coopfed.governance.specs import SpecError

from ..support import ballots_from_counts, classed_electorate, electorate

ELIGIBLE_TEST = {"tests": [{"option": "agree", "op": ">=", "fraction": "3/4", "base": "eligible"}]}


def test_worked_example_agree_of_eligible() -> None:
    ballots = ballots_from_counts([("agree", 4), ("disagree", 1)])
    result = tally(
        "consensus@1", ELIGIBLE_TEST, electorate(5), ballots, Charter(quorum=Fraction(3, 5))
    )
    assert result.status is DecisionStatus.PASSED
    assert result.detail["tests"][0]["groups"][0]["support"] == "4/5"


def test_default_tests_agree_three_quarters_and_no_block() -> None:
    passing = ballots_from_counts([("agree", 3), ("abstain", 1)])
    assert (
        tally("consensus@1", {}, electorate(5), passing, Charter()).status is DecisionStatus.PASSED
    )
    short = ballots_from_counts([("agree", 2), ("abstain", 1)])
    assert (
        tally("consensus@1", {}, electorate(5), short, Charter()).status is DecisionStatus.REJECTED
    )
    blocked = ballots_from_counts([("agree", 4), ("block", 1)])
    assert (
        tally("consensus@1", {}, electorate(5), blocked, Charter()).status
        is DecisionStatus.REJECTED
    )


def test_no_quorum() -> None:
    ballots = ballots_from_counts([("agree", 2)])
    result = tally(
        "consensus@1", ELIGIBLE_TEST, electorate(5), ballots, Charter(quorum=Fraction(3, 5))
    )
    assert result.status is DecisionStatus.NO_QUORUM


def test_concurrent_tests_each_class() -> None:
    ballots = ballots_from_counts([("agree", 4)], prefix="a") + ballots_from_counts(
        [("agree", 1), ("disagree", 3)], prefix="b"
    )
    rules = ClassRules(ClassMode.CONCURRENT, classes=("a", "b"))
    result = tally(
        "consensus@1", {}, classed_electorate({"a": 4, "b": 4}), ballots, Charter(class_rules=rules)
    )
    assert result.status is DecisionStatus.REJECTED


@pytest.mark.parametrize(
    "spec",
    [
        {"tests": [{"option": "maybe", "op": ">=", "fraction": "1/2"}]},
        {"tests": [{"option": "agree", "op": "=", "fraction": "1/2"}]},
        {"tests": [{"option": "agree", "op": ">=", "fraction": "half"}]},
        {
            "tests": [
                {"option": "agree", "op": ">=", "fraction": "1/2", "base": "cast_excl_abstain"}
            ]
        },
        {"tests": []},
        {"options": ["agree", "abstain"]},
    ],
)
def test_bad_specs(spec: dict[str, object]) -> None:
    with pytest.raises(SpecError):
        parse_spec("consensus@1", spec)


def test_an_at_least_test_never_holds_on_an_empty_base() -> None:
    # "An empty base never passes, whatever the threshold": agree >= 0 of no ballots fails.
    spec = {"tests": [{"option": "agree", "op": ">=", "fraction": "0"}]}
    only_invalid = ballots_from_counts([("maybe", 2)])
    result = tally("consensus@1", spec, electorate(5), only_invalid, Charter())
    assert result.detail["tests"][0]["groups"][0]["support"] is None
    assert result.status is DecisionStatus.REJECTED
    assert tally("consensus@1", {}, electorate(5), [], Charter()).status is (
        DecisionStatus.REJECTED
    )
