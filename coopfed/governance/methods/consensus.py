"""Method 3, `consensus@1` (Loomio style): passed iff quorum met and every option test holds.

A test is `(option, ">=" or "<=", fraction, base)` with base `cast_incl_abstain` (every cast
ballot plus abstentions) or `eligible` (|E|). Default tests: agree ≥ 3/4 of cast_incl_abstain
and block ≤ 0. On an empty base a "≥" test fails and a "≤" test holds (nobody blocked).
In class_weighted mode each test is applied to the weighted class supports; in concurrent
mode to each listed class (and the pool if asked).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from coopfed.governance.ballots import Ballot, invalid_choice
from coopfed.governance.canonical import fraction_str
from coopfed.governance.charter import (
    Charter,
    CharterError,
    ClassMode,
    ThresholdBase,
    parse_fraction,
)
from coopfed.governance.counting import (
    INVALID,
    SupportTest,
    check_groups,
    count_ballots,
    counts_dict,
    pooled_support,
)
from coopfed.governance.electorate import Electorate
from coopfed.governance.result import DecisionStatus, Outcome
from coopfed.governance.specs import SpecError, option_list, refuse_unknown_keys

METHOD = "consensus@1"
DEFAULT_OPTIONS = ("agree", "disagree", "block")
TEST_BASES = (ThresholdBase.CAST_INCL_ABSTAIN, ThresholdBase.ELIGIBLE)


@dataclass(frozen=True, slots=True)
class OptionTest:
    option: str
    op: str
    fraction: Fraction
    base: ThresholdBase = ThresholdBase.CAST_INCL_ABSTAIN

    def holds(self, support: Fraction | None) -> bool:
        if self.op == "<=":
            return support is None or support <= self.fraction
        return support is not None and support >= self.fraction

    def label(self) -> str:
        return f"{self.option} {self.op} {fraction_str(self.fraction)} of {self.base.value}"

    def to_dict(self) -> dict[str, str]:
        return {
            "option": self.option,
            "op": self.op,
            "fraction": fraction_str(self.fraction),
            "base": self.base.value,
        }


DEFAULT_TESTS = (
    OptionTest("agree", ">=", Fraction(3, 4)),
    OptionTest("block", "<=", Fraction(0)),
)


@dataclass(frozen=True, slots=True)
class ConsensusSpec:
    options: tuple[str, ...] = DEFAULT_OPTIONS
    tests: tuple[OptionTest, ...] = DEFAULT_TESTS


def parse_spec(data: Mapping[str, Any]) -> ConsensusSpec:
    refuse_unknown_keys(data, {"options", "tests"}, METHOD)
    options = option_list(data.get("options", list(DEFAULT_OPTIONS)), METHOD, minimum=2)
    raw_tests = data.get("tests")
    tests = DEFAULT_TESTS if raw_tests is None else tuple(_parse_test(t) for t in raw_tests)
    if not tests:
        raise SpecError(f"{METHOD}: at least one test is needed")
    for test in tests:
        if test.option not in options:
            raise SpecError(f"{METHOD}: test on {test.option!r}, which is not an option")
    return ConsensusSpec(options, tests)


def _parse_test(data: object) -> OptionTest:
    if not isinstance(data, Mapping):
        raise SpecError(f"{METHOD}: a test is an object with option, op, fraction, base")
    refuse_unknown_keys(data, {"option", "op", "fraction", "base"}, METHOD)
    option, op = data.get("option"), data.get("op")
    if not isinstance(option, str) or op not in (">=", "<="):
        raise SpecError(f"{METHOD}: a test needs an option and op '>=' or '<='")
    base = data.get("base", ThresholdBase.CAST_INCL_ABSTAIN.value)
    if base not in {item.value for item in TEST_BASES}:
        raise SpecError(f"{METHOD}: test base must be cast_incl_abstain or eligible")
    try:
        fraction = parse_fraction(data.get("fraction", ""), what=f"{METHOD} test fraction")
    except CharterError as error:
        raise SpecError(str(error)) from error
    return OptionTest(option, op, fraction, ThresholdBase(base))


def validate(spec: ConsensusSpec, ballot: Ballot) -> None:
    if ballot.choice not in spec.options:
        raise invalid_choice(f"choose one of {', '.join(spec.options)}; got {ballot.choice!r}")


def _support_function(test: OptionTest) -> Callable[[Counter[str], int], Fraction | None]:
    def support_of(counts: Counter[str], eligible: int) -> Fraction | None:
        if test.base is ThresholdBase.ELIGIBLE:
            return pooled_support(counts[test.option], eligible)
        cast_incl = sum(counts.values()) - counts[INVALID]
        return pooled_support(counts[test.option], cast_incl)

    return support_of


def tally(
    spec: ConsensusSpec, electorate: Electorate, ballots: Sequence[Ballot], charter: Charter
) -> Outcome:
    tallied = count_ballots(ballots, electorate)
    results = []
    quorum_met = True
    all_hold = True
    for test in spec.tests:
        check: SupportTest = test.holds
        checks = check_groups(tallied, charter, _support_function(test), check)
        quorum_met = checks.quorum_met
        all_hold = all_hold and checks.all_hold
        results.append({"test": test.to_dict(), "label": test.label(), **checks.to_dict()})
    if not quorum_met:
        status = DecisionStatus.NO_QUORUM
    else:
        status = DecisionStatus.PASSED if all_hold else DecisionStatus.REJECTED
    pooled = tallied.pooled()
    counts: dict[str, Any] = counts_dict(pooled, spec.options)
    if charter.class_rules.mode is not ClassMode.POOLED:
        counts["per_class"] = {
            name: counts_dict(tallied.per_class[name], spec.options) for name in tallied.classes()
        }
    detail = {"tests": results}
    return Outcome(status, counts, detail, None, quorum_met)
