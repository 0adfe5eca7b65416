"""Method 1 (proposal@1) and the class modes: docs/governance.md, examples D5.1, 1.1-1.5, 12.1."""

from __future__ import annotations

from fractions import Fraction

import pytest

from coopfed.governance.ballots import Ballot
from coopfed.governance.charter import (
    Charter,
    ClassMode,
    ClassRules,
    ThresholdBase,
    parse_comparison,
)
from coopfed.governance.methods import tally
from coopfed.governance.result import DecisionStatus, ResultRecord

from ..support import ballots_from_counts, classed_electorate, electorate

HALF = Fraction(1, 2)


def run(counts: list[tuple[str, int]], charter: Charter, eligible: int = 10) -> ResultRecord:
    return tally("proposal@1", {}, electorate(eligible), ballots_from_counts(counts), charter)


def test_passed_with_quorum_and_majority() -> None:
    result = run([("yes", 3), ("no", 2), ("abstain", 1)], Charter(quorum=HALF))
    assert result.turnout == 6 and result.quorum_met
    assert result.status is DecisionStatus.PASSED
    assert result.counts == {"yes": 3, "no": 2, "block": 0, "abstain": 1, "invalid": 0}


def test_equal_yes_and_no_is_rejected_and_reported_as_a_tie() -> None:
    result = run([("yes", 3), ("no", 3)], Charter(quorum=HALF))
    assert result.status is DecisionStatus.REJECTED
    assert result.tie == {"at_threshold": ["pooled"]}


def test_no_quorum() -> None:
    assert run([("yes", 4)], Charter(quorum=HALF)).status is DecisionStatus.NO_QUORUM


def test_quorum_boundary_five_eligible_sixty_percent() -> None:
    charter = Charter(quorum=Fraction(3, 5))
    assert run([("yes", 2)], charter, eligible=5).status is DecisionStatus.NO_QUORUM
    assert run([("yes", 3)], charter, eligible=5).status is DecisionStatus.PASSED


def test_cast_incl_abstain_counts_abstentions_in_the_base() -> None:
    charter = Charter(threshold_base=ThresholdBase.CAST_INCL_ABSTAIN)
    result = run([("yes", 3), ("no", 2), ("abstain", 2)], charter)
    assert result.status is DecisionStatus.REJECTED and result.tie is None


def test_eligible_base() -> None:
    charter = Charter(threshold_base=ThresholdBase.ELIGIBLE)
    assert run([("yes", 5), ("no", 0)], charter).status is DecisionStatus.REJECTED
    assert run([("yes", 6)], charter).status is DecisionStatus.PASSED


def test_at_least_and_more_than_two_thirds() -> None:
    at_least = Charter(comparison=parse_comparison("at_least:2/3"))
    more_than = Charter(comparison=parse_comparison("more_than:2/3"))
    assert run([("yes", 6), ("no", 3)], at_least).status is DecisionStatus.PASSED
    assert run([("yes", 6), ("no", 3)], more_than).status is DecisionStatus.REJECTED


def test_any_block_vetoes_and_counts_as_turnout_not_no() -> None:
    result = run([("yes", 4), ("block", 1)], Charter(quorum=HALF))
    assert result.status is DecisionStatus.VETOED
    assert result.turnout == 5 and result.quorum_met
    assert result.counts["no"] == 0


def test_block_can_be_disabled_then_it_is_invalid() -> None:
    ballots = ballots_from_counts([("yes", 2), ("block", 1)])
    result = tally("proposal@1", {"allow_block": False}, electorate(10), ballots, Charter())
    assert result.status is DecisionStatus.PASSED
    assert result.counts == {"yes": 2, "no": 0, "abstain": 0, "invalid": 1}
    assert result.turnout == 2


def test_invalid_ballots_do_not_count_towards_quorum() -> None:
    result = run([("yes", 4), ("perhaps", 2)], Charter(quorum=HALF))
    assert result.status is DecisionStatus.NO_QUORUM
    assert result.counts["invalid"] == 2


def test_no_ballots_never_pass() -> None:
    assert run([], Charter()).status is DecisionStatus.REJECTED
    assert run([], Charter(comparison=parse_comparison("at_least:1/2"))).status is (
        DecisionStatus.REJECTED
    )


# Multi-stakeholder example: workers (s = 1/2) 3 yes 1 no; consumers (s = 1/2) 18 yes 22 no.


def stakeholder_ballots() -> list[Ballot]:
    workers = ballots_from_counts([("yes", 3), ("no", 1)], prefix="worker")
    consumers = ballots_from_counts([("yes", 18), ("no", 22)], prefix="consumer")
    return workers + consumers


STAKEHOLDERS = classed_electorate({"worker": 4, "consumer": 40})
HALVES = (("consumer", HALF), ("worker", HALF))


def stakeholder_result(rules: ClassRules) -> ResultRecord:
    charter = Charter(class_rules=rules)
    return tally("proposal@1", {}, STAKEHOLDERS, stakeholder_ballots(), charter)


def test_pooled_is_rejected() -> None:
    result = stakeholder_result(ClassRules())
    assert result.status is DecisionStatus.REJECTED
    assert result.detail["groups"][0]["support"] == "21/44"


def test_class_weighted_passes_with_three_fifths() -> None:
    result = stakeholder_result(ClassRules(ClassMode.CLASS_WEIGHTED, shares=HALVES))
    assert result.status is DecisionStatus.PASSED
    assert result.detail["groups"][0]["support"] == "3/5"
    assert result.detail["class_supports"] == {"worker": "3/4", "consumer": "9/20"}
    assert result.counts["per_class"]["worker"]["yes"] == 3


def test_concurrent_is_rejected_by_the_consumers() -> None:
    result = stakeholder_result(ClassRules(ClassMode.CONCURRENT, classes=("worker", "consumer")))
    assert result.status is DecisionStatus.REJECTED
    holds = {g["group"]: g["holds"] for g in result.detail["groups"]}
    assert holds == {"worker": True, "consumer": False}


def test_concurrent_needs_quorum_in_every_listed_class() -> None:
    workers = ballots_from_counts([("yes", 1)], prefix="worker")
    consumers = ballots_from_counts([("yes", 30)], prefix="consumer")
    charter = Charter(
        quorum=HALF, class_rules=ClassRules(ClassMode.CONCURRENT, classes=("worker", "consumer"))
    )
    result = tally("proposal@1", {}, STAKEHOLDERS, workers + consumers, charter)
    assert result.status is DecisionStatus.NO_QUORUM


def test_concurrent_with_pooled_count() -> None:
    rules = ClassRules(ClassMode.CONCURRENT, classes=("worker",), pooled=True)
    result = stakeholder_result(rules)
    assert [g["group"] for g in result.detail["groups"]] == ["worker", "pooled"]
    assert result.status is DecisionStatus.REJECTED


@pytest.mark.parametrize("consumer_votes", [0, 40])
def test_class_weighted_skips_classes_without_base(consumer_votes: int) -> None:
    workers = ballots_from_counts([("yes", 3), ("no", 1)], prefix="worker")
    consumers = ballots_from_counts([("no", consumer_votes)], prefix="consumer")
    rules = ClassRules(ClassMode.CLASS_WEIGHTED, shares=HALVES)
    result = tally("proposal@1", {}, STAKEHOLDERS, workers + consumers, Charter(class_rules=rules))
    expected = "3/4" if consumer_votes == 0 else "3/8"
    assert result.detail["groups"][0]["support"] == expected


# GOVERNANCE.md "Comparison": an empty base (D = 0) never passes, whatever the threshold.
EMPTY_BASE_COMPARISONS = ["majority", "at_least:0", "more_than:0", "at_least:1/2", "at_least:1"]


@pytest.mark.parametrize("comparison", EMPTY_BASE_COMPARISONS)
@pytest.mark.parametrize(
    ("base", "counts"),
    [
        (ThresholdBase.CAST_EXCL_ABSTAIN, []),
        (ThresholdBase.CAST_EXCL_ABSTAIN, [("abstain", 3), ("perhaps", 1)]),  # D = yes + no = 0
        (ThresholdBase.CAST_INCL_ABSTAIN, [("perhaps", 2)]),  # invalid ballots are not in D
    ],
)
def test_an_empty_base_never_passes(
    comparison: str, base: ThresholdBase, counts: list[tuple[str, int]]
) -> None:
    charter = Charter(threshold_base=base, comparison=parse_comparison(comparison))
    result = run(counts, charter)
    assert result.status is DecisionStatus.REJECTED
    assert result.detail["groups"][0]["support"] is None
    assert result.tie is None


@pytest.mark.parametrize("comparison", EMPTY_BASE_COMPARISONS)
def test_an_empty_electorate_never_passes_on_the_eligible_base(comparison: str) -> None:
    charter = Charter(
        threshold_base=ThresholdBase.ELIGIBLE, comparison=parse_comparison(comparison)
    )
    assert run([], charter, eligible=0).status is DecisionStatus.REJECTED


def test_empty_class_bases_never_pass_in_class_modes() -> None:
    only_abstentions = ballots_from_counts([("abstain", 2)], prefix="worker")
    at_least_zero = parse_comparison("at_least:0")
    weighted = ClassRules(ClassMode.CLASS_WEIGHTED, shares=HALVES)
    charter = Charter(class_rules=weighted, comparison=at_least_zero)
    result = tally("proposal@1", {}, STAKEHOLDERS, only_abstentions, charter)
    # No class has D_k > 0, so there is no weighted support at all.
    assert result.detail["groups"][0]["support"] is None
    assert result.status is DecisionStatus.REJECTED
    # Concurrent: the consumers' base is empty, so they cannot pass, whatever the workers do.
    workers = ballots_from_counts([("yes", 4)], prefix="worker")
    concurrent = ClassRules(ClassMode.CONCURRENT, classes=("worker", "consumer"))
    charter = Charter(class_rules=concurrent, comparison=at_least_zero)
    result = tally("proposal@1", {}, STAKEHOLDERS, workers, charter)
    holds = {group["group"]: group["holds"] for group in result.detail["groups"]}
    assert holds == {"worker": True, "consumer": False}
    assert result.status is DecisionStatus.REJECTED
